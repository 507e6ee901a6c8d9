/**
 * The miner's ledger: decides whether a voucher pays for a request, and records it in SQLite (through
 * db/stores/minerLedger.ts, which holds the SQL), with what the request cost, before the request is answered. Per
 * channel it keeps the best voucher (highest cumulative amount: the one it will claim), what it has served (up-front
 * prices plus metered costs of finished requests) and, in memory, the prices of requests in flight.
 *
 * A request is admitted when its voucher
 * - is signed by the channel's payer, or by its session key within the cap (or by a scheduled key within its cap);
 * - belongs to an open channel that pays this miner in the model's token, and stays within the deposit;
 * - was never presented before (each voucher pays for one request: replays are refused);
 * - does not lower the usage counters when it raises the amount;
 * - leaves the best voucher covering everything served, everything in flight, and this request's price, except the
 *   metered costs of answers sent in the last few seconds, which the payer may not have received yet
 *   (see meteredInTransit.ts).
 * - on a model channel (a model with license terms, docs/models-market-node.md): carries the split
 *   [{modelId: the channel's model, cumulativeAmount: its own amount}], never lower than the best one's; the
 *   channel is bound to its model (or to none) by the first voucher accepted on it.
 * A voucher below the best one is still accepted if the best one already covers the request, so concurrent requests
 * on one channel may arrive in any order. All checks and the reservation run without awaiting, so they are atomic in
 * the event loop; only a first-seen channel costs an RPC read before them.
 *
 * Just over 400 lines: the admission rules (model channels included) are one atomic step and stay in one place.
 */
import type { SignedVoucher } from '@mycel/sdk'
import type { Address } from 'viem'
import type { Db } from '../db/database.ts'
import {
  type ChannelLedgerRow,
  createMinerLedgerStore,
  padAmount,
  type VoucherKey,
  type VoucherRecord,
  withSplit,
} from '../db/stores/minerLedger.ts'
import type { ChannelCache } from '../payments/channelCache.ts'
import { createMeteredInTransit, METERED_GRACE_MS } from '../payments/meteredInTransit.ts'
import { PaymentError, type PaymentRefusalCode } from '../payments/refusals.ts'
import type { VerifierPool } from '../payments/verifierPool.ts'
import { checkSigner } from './signerCheck.ts'

/** Signer refusals the chain may already have lifted (a key just authorized, a cap just raised). */
const REREAD_ON = new Set(['SESSION_CAP_EXCEEDED', 'UNAUTHORIZED_SIGNER', 'SESSION_KEY_PENDING'])

export type { ChannelLedgerRow } from '../db/stores/minerLedger.ts'

export type Admission = {
  channelId: bigint
  price: bigint
  model: string
  settled: boolean
  /** The voucher that paid for it, written with what the request cost (none for a validator's free request). */
  record?: VoucherRecord
  /** A model with license terms: its registry id and the royalty route's total share the claim pays out of it. */
  royalty?: { modelId: bigint; totalBps: number; route: { modelId: bigint; bps: number }[] }
}

export type MinerLedger = {
  /**
   * Checks `voucher` for a request costing `price` up front in `token` and reserves it; throws {@link PaymentError}.
   * `modelId`: the ModelRegistry id of the requested model when it has license terms (its split was checked for
   * shape and known models by the admission already; the channel binding and amounts are checked here).
   */
  admit: (
    voucher: SignedVoucher,
    request: { price: bigint; token: Address; model: string; modelId?: bigint | undefined },
  ) => Promise<Admission>
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

const lower = (a: string) => a.toLowerCase() as Address
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
  const store = createMinerLedgerStore(db)
  for (const row of store.loadChannels()) rows.set(row.channelId, row)
  const inFlight = new Map<bigint, bigint>()
  const dirty = new Set<bigint>()
  let flushTimer: NodeJS.Timeout | undefined

  const save = (row: ChannelLedgerRow) => store.saveChannel(row, now())

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
  function writeBatch(items: typeof batch) {
    const vouchers: VoucherRecord[] = []
    for (const item of items) if (item.values) vouchers.push(item.values)
    const written = new Set(vouchers)
    for (const values of bestUnwritten.values()) if (!written.has(values)) vouchers.push(values)
    const saved: ChannelLedgerRow[] = []
    for (const id of unsaved) {
      const row = rows.get(id)
      if (row) saved.push(row)
    }
    const served: ChannelLedgerRow[] = []
    for (const id of servedChanged) {
      const row = rows.get(id)
      if (row && !unsaved.has(id)) served.push(row)
    }
    store.writeBatch({ vouchers, saved, served, now: now() })
  }
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
    const changed: ChannelLedgerRow[] = []
    for (const id of dirty) {
      const row = rows.get(id)
      if (row) changed.push(row)
    }
    store.saveChannels(changed, now())
    dirty.clear()
  }

  const refuse = (code: PaymentRefusalCode, message: string, details: Record<string, string> = {}) =>
    new PaymentError(402, code, message, details)

  /** A channel pays the model it was bound to by its first voucher, or (plain) models without terms only. */
  function checkBinding(row: ChannelLedgerRow, modelId: bigint | undefined) {
    if (row.modelId === modelId) return
    const bound = row.modelId === undefined ? 'models without terms (plain vouchers)' : `model ${row.modelId}`
    const asked = modelId === undefined ? 'a model without terms' : `model ${modelId}`
    throw refuse(
      'MODEL_CHANNEL_MISMATCH',
      `Channel ${row.channelId} pays ${bound}; this request is for ${asked}. Open one channel per model with terms (and one for the rest).`,
      { channelModelId: row.modelId === undefined ? '' : row.modelId.toString() },
    )
  }

  /** The split of a voucher on a model channel: never lower than the best one's, and exactly its own amount. */
  function checkModelAmount(voucher: SignedVoucher, modelId: bigint, best: SignedVoucher | undefined) {
    const paid = voucher.models?.[0]?.cumulativeAmount ?? 0n
    const before = best?.models?.[0]?.cumulativeAmount ?? 0n
    if (best && voucher.cumulativeAmount > best.cumulativeAmount && paid < before) {
      throw refuse(
        'MODEL_SPLIT_DECREASED',
        `The split pays model ${modelId} a cumulative ${paid} on channel ${voucher.channelId}, lower than the ${before} of the best voucher accepted before.`,
        { previous: before.toString() },
      )
    }
    if (paid !== voucher.cumulativeAmount) {
      throw refuse(
        'MODEL_SPLIT_INVALID',
        `The split pays model ${modelId} ${paid} of the voucher's ${voucher.cumulativeAmount} on channel ${voucher.channelId}: on a model channel it must pay the whole amount.`,
      )
    }
  }

  return {
    async admit(voucher, { price, token, model, modelId }) {
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
      const seconds = BigInt(Math.floor(now() / 1000))
      try {
        checkSigner(channel, signer, voucher.cumulativeAmount, { seconds, safetySeconds })
      } catch (error) {
        // The payer may have authorized this key or raised its cap moments ago, before the cache's next poll of the
        // channel's events: read the channel from the chain once before refusing.
        if (!(error instanceof PaymentError) || !REREAD_ON.has(error.code)) throw error
        const fresh = await cache.load(id, { force: true })
        if (!fresh) throw error
        channel = fresh
        checkSigner(channel, signer, voucher.cumulativeAmount, { seconds, safetySeconds })
      }

      // From here on nothing awaits: the checks and the reservation are one step for concurrent requests.
      const key: VoucherKey = [
        String(id),
        padAmount(voucher.cumulativeAmount),
        String(voucher.cumulativeRequests),
        String(voucher.cumulativeUnits),
      ]
      const row = rows.get(id)
      const best = row?.best
      if (row) checkBinding(row, modelId)
      if (modelId !== undefined) checkModelAmount(voucher, modelId, best)
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
          store.hasVoucher(key))
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
            // Bound by this first voucher: a model channel for a model with terms, else a plain one.
            modelId,
            best: withSplit(voucher, modelId),
            // What was claimed before this ledger knew the channel (another database, a lost one) was served then.
            served: channel.claimed,
            servedRequests: 0,
            claimed: channel.claimed,
            unclaimedSince: undefined,
            closed: false,
          }
      const record: VoucherRecord = [...key, voucher.signature, signer, model, price.toString(), now()]
      if (!best || voucher.cumulativeAmount > best.cumulativeAmount) {
        next.best = withSplit(voucher, modelId)
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
