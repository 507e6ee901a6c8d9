/**
 * The miner's claimer: redeems the best voucher of each channel on chain, many channels in one `claimBatch`
 * transaction. A channel is claimed when what it owes reaches the threshold, when its oldest unclaimed voucher is
 * older than the maximum age, and always before its payer's close window ends or before a scheduled session-key
 * change retires the key that signed it. Claims never pay twice: vouchers are cumulative and the contract pays only
 * the difference to what was claimed. Claims take turns with everything else the miner's account sends
 * (`common.txQueue`), so a second claim waits for the running one, then looks again.
 *
 * A model channel's best voucher carries its split (the channel's model, the whole amount): the contract pays the
 * model's royalty route from it. When the miner's license of it ends (expires or is revoked), the contract still
 * accepts it for a while (one challenge period after a revocation, audit P4; one hour after an expiry, audit B1):
 * such channels are claimed at once ('license ended'), and so are those whose license expires soon ('license
 * ending'). Past that, a claim paying the model more reverts, so those channels are left out of the batch (logged
 * with the reason, retried later: a new license makes them claimable again), and the rest is claimed without them.
 */
import { claimVouchers, type WriteClient } from '@mycel/sdk'
import type { Address } from 'viem'
import type { Common } from '../common/common.ts'
import type { Db } from '../db/database.ts'
import { createMinerLedgerStore } from '../db/stores/minerLedger.ts'
import { createMarket, type Market } from '../markets/licenses.ts'
import type { ChannelCache } from '../payments/channelCache.ts'
import type { ChannelLedgerRow, MinerLedger } from './ledger.ts'

/** How long a channel whose claim the contract refused waits before the next try. */
const RETRY_FAILED_MS = 60_000

export type ClaimPolicy = {
  /** Claim a channel once it owes at least this much (token units). */
  threshold: bigint
  /** Claim a channel whose oldest unclaimed voucher is this old. */
  maxAgeMs: number
  /** Claim this long before a close window ends or a session key retires. */
  safetySeconds: bigint
  /** Most channels per batch transaction. */
  maxBatch: number
}

export type ClaimResult = { hash: `0x${string}`; channels: number; paid: bigint; gasUsed: bigint; reason: string }

export type Claimer = {
  /** Claims the channels that are due (all with unclaimed vouchers when `all`); undefined when none was due. */
  claimDue: (options?: { all?: boolean }) => Promise<ClaimResult | undefined>
}

export function createClaimer(
  common: Common,
  {
    db,
    ledger,
    cache,
    wallet,
    paymentChannels,
    policy,
    market = createMarket({ client: wallet, paymentChannels }),
  }: {
    db: Db
    ledger: MinerLedger
    cache: ChannelCache
    wallet: WriteClient
    paymentChannels: Address
    policy: ClaimPolicy
    /** The model market's reader (default: one of its own over `wallet`). */
    market?: Market | undefined
  },
): Claimer {
  const { logger, metrics, txQueue } = common
  const store = createMinerLedgerStore(db)
  /** Channels whose claim the contract refused, and when: retried after RETRY_FAILED_MS. */
  const failures = new Map<bigint, number>()

  /** Why `row` must be claimed now, or undefined. */
  function due(row: ChannelLedgerRow, all: boolean): string | undefined {
    if (row.closed || row.best.cumulativeAmount <= row.claimed) return undefined
    const failedAt = failures.get(row.channelId)
    if (failedAt !== undefined && Date.now() - failedAt < RETRY_FAILED_MS) return undefined
    if (all) return 'requested'
    const seconds = BigInt(Math.floor(Date.now() / 1000))
    const channel = cache.get(row.channelId)
    if (channel && channel.closesAt !== 0n) return 'close window'
    if (channel?.pending && channel.pending.effectiveAt <= seconds + 2n * policy.safetySeconds)
      return 'session key change'
    if (row.best.cumulativeAmount - row.claimed >= policy.threshold) return 'threshold'
    if (row.unclaimedSince !== undefined && Date.now() - row.unclaimedSince >= policy.maxAgeMs) return 'age'
    return undefined
  }

  async function run(all: boolean): Promise<ClaimResult | undefined> {
    const picked: { row: ChannelLedgerRow; reason: string }[] = []
    const rows = ledger.channels()
    const ended = await licenseEnded(rows)
    for (const row of rows) {
      const reason = due(row, all) ?? ended.get(row.channelId)
      if (reason) picked.push({ row, reason })
      if (picked.length >= policy.maxBatch) break
    }
    if (picked.length === 0) return undefined
    await excludeUnlicensed(picked)
    if (picked.length === 0) return undefined
    // One transfer per token run: sort by token.
    picked.sort((a, b) => (a.row.token < b.row.token ? -1 : a.row.token > b.row.token ? 1 : 0))
    const reason = [...new Set(picked.map((p) => p.reason))].join(', ')
    const vouchers = picked.map((p) => p.row.best)
    let result: { hash: `0x${string}`; paid: bigint; gasUsed: bigint }
    try {
      result = await claimVouchers(wallet, { paymentChannels, vouchers })
    } catch (error) {
      // One voucher the contract refuses (a window already over, a key the payer replaced) fails the whole batch:
      // claim the channels one by one instead, so the others are paid, and set the refused ones aside for a while.
      metrics.inc('mycel_miner_claim_failures_total', 'Claim transactions that failed.')
      logger.warn({ msg: 'batch claim failed; claiming one by one', err: (error as Error).message.split('\n')[0] })
      result = { hash: '0x', paid: 0n, gasUsed: 0n }
      for (const { row } of picked) {
        try {
          const one = await claimVouchers(wallet, { paymentChannels, vouchers: [row.best] })
          result = { hash: one.hash, paid: result.paid + one.paid, gasUsed: result.gasUsed + one.gasUsed }
          failures.delete(row.channelId)
        } catch (single) {
          failures.set(row.channelId, Date.now())
          logger.warn({
            msg: 'claim refused by the contract; retrying this channel later',
            channelId: row.channelId.toString(),
            err: (single as Error).message.split('\n')[0],
          })
        }
      }
      await refresh(picked.map((p) => p.row.channelId))
      if (result.paid === 0n) throw error
    }
    await refresh(picked.map((p) => p.row.channelId))
    store.recordClaim({
      hash: result.hash,
      channels: picked.length,
      paid: result.paid,
      gasUsed: result.gasUsed,
      reason,
      at: Date.now(),
    })
    metrics.inc('mycel_miner_claims_total', 'Claim transactions sent.')
    logger.info({
      msg: 'claimed',
      channels: picked.length,
      paid: result.paid.toString(),
      gasUsed: result.gasUsed.toString(),
      reason,
      tx: result.hash,
    })
    return { ...result, channels: picked.length, reason }
  }

  /**
   * The model channels owing something whose license ended but is still accepted by claims (the grace), or ends
   * within the safety margin: claimed now, before the grace runs out (an expiry's is one hour, audit B1). Licenses
   * are read from the market's cache (refreshed every few seconds). Maps each to the claim's reason.
   */
  async function licenseEnded(rows: ChannelLedgerRow[]): Promise<Map<bigint, string>> {
    const ended = new Map<bigint, string>()
    const seconds = BigInt(Math.floor(Date.now() / 1000))
    for (const row of rows) {
      if (row.modelId === undefined || row.closed || row.best.cumulativeAmount <= row.claimed) continue
      const failedAt = failures.get(row.channelId)
      if (failedAt !== undefined && Date.now() - failedAt < RETRY_FAILED_MS) continue
      const license = await market.license(wallet.account.address, row.modelId)
      if (!license.valid && seconds < license.claimableUntil) ended.set(row.channelId, 'license ended')
      else if (license.valid && license.endsAt <= seconds + policy.safetySeconds)
        ended.set(row.channelId, 'license ending')
    }
    return ended
  }

  /**
   * Removes from `picked` the model channels whose claim would revert for want of a license the contract accepts
   * (valid, or ended less than a challenge period ago; read fresh from the chain), so they do not fail the batch;
   * each is logged with the reason and retried after RETRY_FAILED_MS.
   */
  async function excludeUnlicensed(picked: { row: ChannelLedgerRow; reason: string }[]) {
    if (!picked.some((p) => p.row.modelId !== undefined)) return
    market.invalidate()
    const payee = wallet.account.address
    for (let i = picked.length - 1; i >= 0; i--) {
      const row = picked[i]?.row
      if (row?.modelId === undefined) continue
      const license = await market.license(payee, row.modelId)
      if (license.valid || BigInt(Math.floor(Date.now() / 1000)) < license.claimableUntil) continue
      picked.splice(i, 1)
      failures.set(row.channelId, Date.now())
      metrics.inc('mycel_miner_claims_unlicensed_total', 'Channels left out of a claim for want of a valid license.')
      logger.warn({
        msg: 'channel not claimed: no valid license for its model; retrying later',
        channelId: row.channelId.toString(),
        modelId: row.modelId.toString(),
        reason: license.reason,
      })
    }
  }

  async function refresh(ids: bigint[]) {
    await Promise.all(
      ids.map(async (id) => {
        const state = await cache.load(id, { force: true })
        if (state) ledger.recordClaimed(id, state.claimed)
        else ledger.markClosed(id)
      }),
    )
  }

  return {
    // One send at a time from the miner's account: a second caller waits for the running one, then looks again.
    claimDue: ({ all = false } = {}) => txQueue.run(wallet.account.address, () => run(all)),
  }
}
