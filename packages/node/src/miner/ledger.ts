/**
 * The miner's ledger: decides whether a voucher pays for a request, and records it in SQLite, with what the request
 * cost, before the request is answered. Per channel it keeps the best voucher (highest cumulative amount: the one it
 * will claim), what it has served (up-front prices plus metered costs of finished requests) and, in memory, the
 * prices of requests in flight.
 *
 * A request is admitted when its voucher
 * - is signed by the channel's payer, or by its session key within the cap (or by a scheduled key within its cap);
 * - belongs to an open channel that pays this miner in the model's token, and stays within the deposit;
 * - was never presented before (each voucher pays for one request: replays are refused);
 * - does not lower the usage counters when it raises the amount;
 * - leaves the best voucher covering everything served, everything in flight, and this request's price, except the
 *   metered costs of answers sent in the last few seconds, which the payer may not have received yet
 *   (see meteredInTransit.ts).
 * A voucher below the best one is still accepted if the best one already covers the request, so concurrent requests
 * on one channel may arrive in any order. All checks and the reservation run without awaiting, so they are atomic in
 * the event loop; only a first-seen channel costs an RPC read before them.
 */
import type { SignedVoucher } from '@mycel/sdk'
import type { Address } from 'viem'
import type { Db } from '../db/database.ts'
import type { ChannelCache, ChannelState } from '../payments/channelCache.ts'
import { createMeteredInTransit, METERED_GRACE_MS } from '../payments/meteredInTransit.ts'
import type { VerifierPool } from '../payments/verifierPool.ts'

/** A voucher that does not pay: `status` 402 (pay differently) or 400 (malformed). */
export class PaymentError extends Error {
  override name = 'PaymentError'
  readonly status: 400 | 402
  readonly code: string
  readonly details: Record<string, string>
  constructor(status: 400 | 402, code: string, message: string, details: Record<string, string> = {}) {
    super(message)
    this.status = status
    this.code = code
    this.details = details
  }
}

/** A voucher's row in `miner_vouchers`, as the insert takes it. */
type VoucherRecord = [string, string, string, string, string, string, string, string, number]

export type Admission = {
  channelId: bigint
  price: bigint
  model: string
  settled: boolean
  /** The voucher that paid for it, written with what the request cost (none for a validator's free request). */
  record?: VoucherRecord
}

export type ChannelLedgerRow = {
  channelId: bigint
  payer: Address
  token: Address
  best: SignedVoucher
  served: bigint
  servedRequests: number
  claimed: bigint
  unclaimedSince: number | undefined
  closed: boolean
}

export type MinerLedger = {
  /** Checks `voucher` for a request costing `price` up front in `token` and reserves it; throws {@link PaymentError}. */
  admit: (voucher: SignedVoucher, request: { price: bigint; token: Address; model: string }) => Promise<Admission>
  /**
   * The request was served: adds its price and `metered` cost to what the channel owes. Resolves once that and its
   * voucher are written (with the other writes of this turn of the event loop); answer the client only then.
   */
  settle: (admission: Admission, metered: bigint) => Promise<void>
  /** Writes what was served since the last write (settle batches these writes; see FLUSH_MS). */
  flush: () => void
  /** The request failed before it was served: its price stays with the payer as credit. */
  release: (admission: Admission) => void
  channel: (channelId: bigint) => ChannelLedgerRow | undefined
  channels: () => ChannelLedgerRow[]
  /** Records what the chain says was claimed (after a claim, or a claim by anyone else). */
  recordClaimed: (channelId: bigint, claimed: bigint) => void
  markClosed: (channelId: bigint) => void
}

export type MinerLedgerParameters = {
  db: Db
  payee: Address
  verifier: Pick<VerifierPool, 'recover'>
  cache: ChannelCache
  /** A channel closing or a session key retiring within this many seconds takes no new vouchers. */
  safetySeconds: bigint
  /** How long a served request's metered cost may be missing from vouchers (see meteredInTransit.ts). */
  meteredGraceMs?: number
  /** Where writes that failed with no request to answer (a released voucher, a timed flush) are reported. */
  log?: { warn: (entry: { msg: string; err: string }) => void }
  now?: () => number
}

/**
 * Writes are grouped: the requests settled in one turn of the event loop go to SQLite in one transaction (see
 * `commit`), before any of them is answered. A channel row's best voucher is written lazily, within this many
 * milliseconds (after a crash it is recovered from the vouchers themselves).
 */
export const FLUSH_MS = 200
/** After a timed flush failed (a full disk), the next try. */
const RETRY_FLUSH_MS = 5_000

type Row = {
  channel_id: string
  payer: string
  token: string
  best_amount: string
  best_requests: string
  best_units: string
  best_signature: string
  served_amount: string
  served_requests: number
  claimed_amount: string
  unclaimed_since: number | null
  closed: number
}

const toRow = (r: Row): ChannelLedgerRow => ({
  channelId: BigInt(r.channel_id),
  payer: r.payer as Address,
  token: r.token as Address,
  best: {
    channelId: BigInt(r.channel_id),
    cumulativeAmount: BigInt(r.best_amount),
    cumulativeRequests: BigInt(r.best_requests),
    cumulativeUnits: BigInt(r.best_units),
    signature: r.best_signature as `0x${string}`,
  },
  served: BigInt(r.served_amount),
  servedRequests: r.served_requests,
  claimed: BigInt(r.claimed_amount),
  unclaimedSince: r.unclaimed_since ?? undefined,
  closed: r.closed === 1,
})

const lower = (a: string) => a.toLowerCase() as Address
const ZERO_ADDRESS = '0x0000000000000000000000000000000000000000'
/** Voucher amounts are stored zero-padded to uint96's 29 digits, so text order is numeric order (for the index). */
const pad = (amount: bigint) => amount.toString().padStart(29, '0')

export function createMinerLedger({
  db,
  payee,
  verifier,
  cache,
  safetySeconds,
  meteredGraceMs = METERED_GRACE_MS,
  now = Date.now,
  log,
}: MinerLedgerParameters): MinerLedger {
  const rows = new Map<bigint, ChannelLedgerRow>()
  const inTransit = createMeteredInTransit({ graceMs: meteredGraceMs, now })
  const bestVoucher = db.prepare(
    `SELECT cumulative_amount, cumulative_requests, cumulative_units, signature FROM miner_vouchers
     WHERE channel_id = ? ORDER BY cumulative_amount DESC, cumulative_requests DESC LIMIT 1`,
  )
  for (const r of db.prepare('SELECT * FROM miner_channels').all() as Row[]) {
    const row = toRow(r)
    // The channel row is written lazily (FLUSH_MS); the vouchers are written before serving. The best one wins.
    const top = bestVoucher.get(r.channel_id) as
      | { cumulative_amount: string; cumulative_requests: string; cumulative_units: string; signature: string }
      | undefined
    if (top && BigInt(top.cumulative_amount) > row.best.cumulativeAmount) {
      row.best = {
        channelId: row.channelId,
        cumulativeAmount: BigInt(top.cumulative_amount),
        cumulativeRequests: BigInt(top.cumulative_requests),
        cumulativeUnits: BigInt(top.cumulative_units),
        signature: top.signature as `0x${string}`,
      }
    }
    rows.set(row.channelId, row)
  }
  const inFlight = new Map<bigint, bigint>()
  const dirty = new Set<bigint>()
  let flushTimer: NodeJS.Timeout | undefined

  const insertVoucher = db.prepare(
    `INSERT OR IGNORE INTO miner_vouchers (channel_id, cumulative_amount, cumulative_requests, cumulative_units, signature, signer, model, price, received_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  )
  const findVoucher = db.prepare(
    'SELECT 1 FROM miner_vouchers WHERE channel_id = ? AND cumulative_amount = ? AND cumulative_requests = ? AND cumulative_units = ?',
  )
  const upsertChannel = db.prepare(
    `INSERT INTO miner_channels (channel_id, payer, token, best_amount, best_requests, best_units, best_signature, served_amount, served_requests, claimed_amount, unclaimed_since, closed, updated_at)
     VALUES (@channelId, @payer, @token, @bestAmount, @bestRequests, @bestUnits, @bestSignature, @served, @servedRequests, @claimed, @unclaimedSince, @closed, @now)
     ON CONFLICT(channel_id) DO UPDATE SET best_amount = excluded.best_amount, best_requests = excluded.best_requests,
       best_units = excluded.best_units, best_signature = excluded.best_signature, served_amount = excluded.served_amount,
       served_requests = excluded.served_requests, claimed_amount = excluded.claimed_amount,
       unclaimed_since = excluded.unclaimed_since, closed = excluded.closed, updated_at = excluded.updated_at`,
  )
  const save = (row: ChannelLedgerRow) =>
    upsertChannel.run({
      channelId: row.channelId.toString(),
      payer: row.payer,
      token: row.token,
      bestAmount: row.best.cumulativeAmount.toString(),
      bestRequests: row.best.cumulativeRequests.toString(),
      bestUnits: row.best.cumulativeUnits.toString(),
      bestSignature: row.best.signature,
      served: row.served.toString(),
      servedRequests: row.servedRequests,
      claimed: row.claimed.toString(),
      unclaimedSince: row.unclaimedSince ?? null,
      closed: row.closed ? 1 : 0,
      now: now(),
    })

  /**
   * Group commit: the requests settled in the same turn of the event loop are written in one transaction (each its
   * voucher and what it cost, with every channel row they changed) before any of them is answered. A voucher is
   * written with its request, not when admitted: one transaction per request instead of two, and the model starts
   * without waiting for the disk. Until written, a voucher is known in memory (`unwritten`: replays are refused) and
   * a channel's best voucher, which other requests may rely on, is written with the next batch (`bestUnwritten`), so
   * nothing is answered on the strength of a voucher that a crash would lose. A voucher admitted but never written
   * (a crash while its request ran) paid for nothing that was answered.
   */
  let batch: { values: VoucherRecord | undefined; done: () => void; fail: (error: unknown) => void }[] = []
  const unwritten = new Set<string>()
  const bestUnwritten = new Map<bigint, VoucherRecord>()
  /** Channel rows to write with the next batch: new channels, and channels whose served amount grew. */
  const unsaved = new Set<bigint>()
  /** Channels whose served amount grew: one small UPDATE each with the next batch. */
  const servedChanged = new Set<bigint>()
  const updateServed = db.prepare(
    'UPDATE miner_channels SET served_amount = ?, served_requests = ? WHERE channel_id = ?',
  )
  const writeBatch = db.transaction((items: typeof batch) => {
    const written = new Set<VoucherRecord>()
    for (const item of items) {
      if (!item.values) continue
      insertVoucher.run(...item.values)
      written.add(item.values)
    }
    for (const values of bestUnwritten.values()) if (!written.has(values)) insertVoucher.run(...values)
    for (const id of unsaved) {
      const row = rows.get(id)
      if (row) save(row)
    }
    for (const id of servedChanged) {
      const row = rows.get(id)
      if (row && !unsaved.has(id)) updateServed.run(row.served.toString(), row.servedRequests, String(id))
    }
  })
  function commit(values: VoucherRecord | undefined): Promise<void> {
    return new Promise((done, fail) => {
      if (batch.length === 0) setImmediate(writeNow)
      batch.push({ values, done, fail })
    })
  }
  function writeNow() {
    const items = batch
    batch = []
    try {
      writeBatch(items)
    } catch (error) {
      // Rolled back: what the batch held beyond its own vouchers (best vouchers, channel rows, served amounts) is
      // still to write, and goes with the next batch or flush.
      for (const item of items) item.fail(error)
      return
    }
    // Cleared only once committed (the transaction runs synchronously: nothing was added meanwhile).
    bestUnwritten.clear()
    unsaved.clear()
    servedChanged.clear()
    for (const item of items) {
      if (item.values) unwritten.delete(item.values.slice(0, 4).join(':'))
      item.done()
    }
  }

  const warn = (error: unknown) =>
    log?.warn({ msg: 'miner ledger write failed', err: (error as Error).message.split('\n')[0] ?? '' })
  /** The timed flush: a failure (a full disk) is reported and tried again later, never thrown from a timer. */
  function flushLater() {
    try {
      flush()
    } catch (error) {
      warn(error)
      flushTimer ??= setTimeout(flushLater, RETRY_FLUSH_MS).unref()
    }
  }

  function flush() {
    if (flushTimer) clearTimeout(flushTimer)
    flushTimer = undefined
    if (!db.open) return
    // What a failed group commit left (it has no request waiting on it otherwise).
    if (batch.length === 0 && (bestUnwritten.size > 0 || unsaved.size > 0 || servedChanged.size > 0)) {
      writeBatch([])
      bestUnwritten.clear()
      unsaved.clear()
      servedChanged.clear()
    }
    if (dirty.size === 0) return
    db.transaction(() => {
      for (const id of dirty) {
        const row = rows.get(id)
        if (row) save(row)
      }
    })()
    dirty.clear()
  }

  const refuse = (code: string, message: string, details: Record<string, string> = {}) =>
    new PaymentError(402, code, message, details)

  /** Whether `signer` may sign `amount` on `channel` now (and for at least the safety margin). */
  /**
   * Whether `signer` may sign `amount` on `channel` now (and for at least the safety margin).
   *
   * The contract applies a scheduled session-key change lazily, so the key and cap in force are computed here: a
   * change past its time is in force. A key that is only scheduled is refused (the payer could still replace or
   * cancel it before it applies, voiding what it signed), and while a change is scheduled the current key is held
   * to the lower of both caps and refused within the safety margin before it retires.
   */
  function checkSigner(channel: ChannelState, signer: Address, amount: bigint) {
    const id = channel.channelId
    if (signer === lower(channel.payer)) return
    const seconds = BigInt(Math.floor(now() / 1000))
    let key = lower(channel.sessionSigner)
    let cap = channel.sessionCap
    let pending = channel.pending
    if (pending && pending.effectiveAt <= seconds) {
      key = lower(pending.signer)
      cap = pending.cap
      pending = undefined
    }
    if (pending && signer === lower(pending.signer) && signer !== key) {
      throw refuse(
        'SESSION_KEY_PENDING',
        `The session key ${signer} of channel ${id} takes effect only at unix time ${pending.effectiveAt}; sign with the current key or the payer key until then.`,
      )
    }
    if (signer !== key || key === ZERO_ADDRESS) {
      throw refuse(
        'UNAUTHORIZED_SIGNER',
        `The voucher is signed by ${signer}, which is neither the payer nor an authorized session key of channel ${id} (or it was signed for another chain, contract or channel).`,
      )
    }
    if (pending) {
      if (lower(pending.signer) !== signer && pending.effectiveAt <= seconds + safetySeconds) {
        throw refuse(
          'SESSION_KEY_RETIRING',
          `The session key ${signer} of channel ${id} is being replaced at unix time ${pending.effectiveAt}; sign with the new key or the payer key.`,
        )
      }
      if (lower(pending.signer) === signer && pending.cap < cap) cap = pending.cap
    }
    if (amount > cap) {
      throw refuse(
        'SESSION_CAP_EXCEEDED',
        `Voucher amount ${amount} exceeds the session key's cap ${cap} on channel ${id}; the payer must raise the cap.`,
      )
    }
  }

  return {
    async admit(voucher, { price, token, model }) {
      const id = voucher.channelId
      const signer = await verifier.recover(voucher)
      if (signer === undefined) {
        throw new PaymentError(
          400,
          'INVALID_SIGNATURE',
          'The voucher signature is malformed or not canonical (65 bytes, v 27/28, low s).',
        )
      }
      let channel = cache.get(id) ?? (await cache.load(id))
      if (channel && voucher.cumulativeAmount > channel.deposit) channel = await cache.load(id, { force: true })
      if (!channel || rows.get(id)?.closed) {
        throw refuse(
          'UNKNOWN_CHANNEL',
          `Channel ${id} does not exist or is closed on this chain's PaymentChannels contract.`,
        )
      }
      if (lower(channel.payee) !== lower(payee)) {
        throw refuse(
          'WRONG_PAYEE',
          `Channel ${id} pays ${channel.payee}, not this miner (${payee}). Open a channel to ${payee}.`,
        )
      }
      if (lower(channel.token) !== lower(token)) {
        throw refuse('WRONG_TOKEN', `Channel ${id} is in token ${channel.token}; model ${model} is priced in ${token}.`)
      }
      if (channel.closesAt !== 0n) {
        throw refuse('CHANNEL_CLOSING', `Channel ${id} is closing (its payer requested a close); open a new channel.`)
      }
      if (voucher.cumulativeAmount > channel.deposit) {
        throw refuse(
          'INSUFFICIENT_DEPOSIT',
          `Voucher amount ${voucher.cumulativeAmount} exceeds channel ${id}'s deposit ${channel.deposit}; top the channel up.`,
          { deposit: channel.deposit.toString() },
        )
      }
      checkSigner(channel, signer, voucher.cumulativeAmount)

      // From here on nothing awaits: the checks and the reservation are one step for concurrent requests.
      const key = [
        String(id),
        pad(voucher.cumulativeAmount),
        String(voucher.cumulativeRequests),
        String(voucher.cumulativeUnits),
      ] as const
      const row = rows.get(id)
      const best = row?.best
      if (best && voucher.cumulativeAmount > best.cumulativeAmount) {
        if (voucher.cumulativeRequests < best.cumulativeRequests || voucher.cumulativeUnits < best.cumulativeUnits) {
          throw new PaymentError(
            400,
            'USAGE_DECREASED',
            `The voucher raises the amount but lowers the usage counters below ${best.cumulativeRequests} requests / ${best.cumulativeUnits} units on channel ${id}.`,
          )
        }
      }
      const replayed = () =>
        refuse(
          'VOUCHER_REPLAYED',
          `This voucher was already presented on channel ${id}; every request needs a new voucher.`,
        )
      const keyText = key.join(':')
      // Every voucher seen so far is at most the best one, so only those can be replays: looked up in memory (not
      // written yet) and on disk.
      if (
        best &&
        voucher.cumulativeAmount <= best.cumulativeAmount &&
        ((best.cumulativeAmount === voucher.cumulativeAmount &&
          best.cumulativeRequests === voucher.cumulativeRequests &&
          best.cumulativeUnits === voucher.cumulativeUnits) ||
          unwritten.has(keyText) ||
          findVoucher.get(...key))
      ) {
        throw replayed()
      }
      const top =
        best && best.cumulativeAmount > voucher.cumulativeAmount ? best.cumulativeAmount : voucher.cumulativeAmount
      const excused = inTransit.excused(id)
      const needed = (row ? row.served : channel.claimed) + (inFlight.get(id) ?? 0n) + price - excused
      if (top < needed) {
        throw refuse(
          'UNDERPAID',
          `Channel ${id} must pay a cumulative ${needed} for this request (served ${row?.served ?? 0n}, in flight ${inFlight.get(id) ?? 0n}, price ${price}, metered costs of answers sent in the last ${meteredGraceMs} ms not yet due ${excused}); the voucher carries ${voucher.cumulativeAmount}.`,
          { requiredAmount: needed.toString() },
        )
      }
      const next: ChannelLedgerRow = row
        ? { ...row }
        : {
            channelId: id,
            payer: channel.payer,
            token: channel.token,
            best: voucher,
            // What was claimed before this ledger knew the channel (another database, a lost one) was served then.
            served: channel.claimed,
            servedRequests: 0,
            claimed: channel.claimed,
            unclaimedSince: undefined,
            closed: false,
          }
      const record: VoucherRecord = [...key, voucher.signature, signer, model, price.toString(), now()]
      if (!best || voucher.cumulativeAmount > best.cumulativeAmount) {
        next.best = voucher
        bestUnwritten.set(id, record)
        if (next.unclaimedSince === undefined && voucher.cumulativeAmount > next.claimed) next.unclaimedSince = now()
      }
      // Counted now, so a concurrent request cannot spend the same surplus.
      rows.set(id, next)
      if (!row) unsaved.add(id)
      dirty.add(id)
      flushTimer ??= setTimeout(flushLater, FLUSH_MS).unref()
      inFlight.set(id, (inFlight.get(id) ?? 0n) + price)
      unwritten.add(keyText)
      return { channelId: id, price, model, settled: false, record }
    },
    async settle(admission, metered) {
      if (admission.settled) return
      admission.settled = true
      const id = admission.channelId
      inFlight.set(id, (inFlight.get(id) ?? 0n) - admission.price)
      const row = rows.get(id)
      if (!row) return
      const next = { ...row, served: row.served + admission.price + metered, servedRequests: row.servedRequests + 1 }
      rows.set(id, next)
      inTransit.add(id, metered)
      servedChanged.add(id)
      await commit(admission.record)
    },
    flush,
    release(admission) {
      if (admission.settled) return
      admission.settled = true
      inFlight.set(admission.channelId, (inFlight.get(admission.channelId) ?? 0n) - admission.price)
      // Nothing was served, but the voucher is still the payer's signature: kept (it may be the best one). The
      // failure answer does not wait for it; if the write fails, the voucher stays known in memory (and, if it is
      // the best one, is written with the next batch or flush).
      if (admission.record) commit(admission.record).catch(warn)
    },
    channel: (id) => rows.get(id),
    channels: () => [...rows.values()],
    recordClaimed(id, claimed) {
      const row = rows.get(id)
      if (!row || claimed <= row.claimed) return
      const next = { ...row, claimed, unclaimedSince: row.best.cumulativeAmount > claimed ? now() : undefined }
      save(next)
      rows.set(id, next)
    },
    markClosed(id) {
      const row = rows.get(id)
      if (!row || row.closed) return
      const next = { ...row, closed: true }
      save(next)
      rows.set(id, next)
    },
  }
}
