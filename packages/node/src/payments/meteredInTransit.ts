/**
 * The metered costs a payer's next voucher may still lack, per channel: those of the answers the miner sent in the
 * last {@link METERED_GRACE_MS}.
 *
 * Why: a request's metered cost is known only once it was served, so the payer pays it with a voucher it signs after
 * the answer reaches it. With requests overlapping on one channel, the miner settles request A and sends its answer;
 * a voucher the payer signed for request B before A's answer arrived cannot include A's metered cost, yet reaches the
 * miner after A was counted as served. Requiring it anyway refused honest payers under load (issue 12: 13% of 200
 * concurrent clients got 502, "the voucher carries 1700" for a required 1828). The miner cannot see when an answer
 * arrives, so it requires a metered cost only from vouchers it receives at least this long after it sent the answer.
 *
 * What a payer can gain: a voucher may fall short of what was served by at most the metered costs of the answers of
 * the last grace period (a delay, not a discount: once that passes, every voucher must cover them again). So the
 * miner's exposure is the metered costs of the requests in flight plus those of the last grace period's answers
 * (see docs/inference.md, "Prices and metering").
 */

/** How long after sending an answer its metered cost may be missing from vouchers (ms). */
export const METERED_GRACE_MS = 5_000

export type MeteredInTransit = {
  /** Records a served request's metered cost, counted from now. */
  add: (channelId: bigint, metered: bigint) => void
  /** The metered costs of `channelId` sent within the grace period (older ones are dropped). */
  excused: (channelId: bigint) => bigint
  /** Channels holding costs still in their grace period (or not yet swept). */
  channels: () => number
}

/** Other channels' windows pruned on each `add`: idle channels are dropped without a pass over all of them. */
const SWEEP_PER_ADD = 4

export function createMeteredInTransit({
  graceMs = METERED_GRACE_MS,
  now = Date.now,
}: {
  graceMs?: number
  now?: () => number
} = {}): MeteredInTransit {
  // Per channel, in the order served (so oldest first), with their sum.
  const windows = new Map<bigint, { entries: { at: number; metered: bigint }[]; head: number; sum: bigint }>()

  function prune(channelId: bigint) {
    const w = windows.get(channelId)
    if (!w) return undefined
    const cutoff = now() - graceMs
    while (w.head < w.entries.length && (w.entries[w.head] as { at: number }).at <= cutoff) {
      w.sum -= (w.entries[w.head] as { metered: bigint }).metered
      w.head += 1
    }
    if (w.head === w.entries.length) {
      windows.delete(channelId)
      return undefined
    }
    // Compact now and then, so the array does not grow with the channel's history.
    if (w.head > 1024 && w.head * 2 > w.entries.length) {
      w.entries = w.entries.slice(w.head)
      w.head = 0
    }
    return w
  }

  // Where the sweep of idle channels stands: a Map iterator goes on over entries added later and skips deleted ones.
  let sweep = windows.keys()
  function sweepSome() {
    for (let i = 0; i < SWEEP_PER_ADD; i++) {
      const next = sweep.next()
      if (next.done) {
        sweep = windows.keys()
        return
      }
      prune(next.value)
    }
  }

  return {
    add(channelId, metered) {
      if (metered <= 0n) return
      sweepSome()
      const w = prune(channelId) ?? { entries: [], head: 0, sum: 0n }
      w.entries.push({ at: now(), metered })
      w.sum += metered
      windows.set(channelId, w)
    },
    excused: (channelId) => prune(channelId)?.sum ?? 0n,
    channels: () => windows.size,
  }
}
