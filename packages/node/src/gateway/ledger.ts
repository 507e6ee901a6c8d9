/**
 * The gateway's side of its channels: what it has committed to pay each miner and the vouchers it signed. Every
 * voucher is written to SQLite before it is sent, so a crash never leaves the gateway unaware of what a miner can
 * claim.
 *
 * Per channel: `committed` = up-front prices of requests sent (in flight or served) + metered costs of finished
 * requests. A new request's voucher carries `committed + price`, the next request counter (so every voucher is
 * distinct, even when a failed request's price is released and the amount repeats) and the units used so far.
 *
 * Channels are keyed by (payee, token, model): a *model channel* pays one model with license terms (its ModelRegistry
 * id in `modelId`), and every voucher on it carries the split [{modelId, cumulativeAmount: the voucher's amount}];
 * a plain channel (no `modelId`) pays models without terms with plain vouchers (docs/models-market-node.md).
 */
import type { SignedVoucher, Voucher } from '@mycel/sdk'
import type { Address, Hex } from 'viem'
import type { Db } from '../db/database.ts'
import { createGatewayStore, type GatewayChannelRecord } from '../db/stores/gateway.ts'
import { UnknownGatewayChannelError } from './errors.ts'

export type GatewayChannel = GatewayChannelRecord

export type Payment = { channelId: bigint; voucher: SignedVoucher; price: bigint; done: boolean }

export type GatewayLedger = ReturnType<typeof createGatewayLedger>

export function createGatewayLedger({ db, sign }: { db: Db; sign: (voucher: Voucher) => Hex }) {
  const store = createGatewayStore(db)
  const channels = new Map<bigint, GatewayChannel>()
  for (const c of store.openChannels()) channels.set(c.channelId, c)
  const save = store.saveChannel

  return {
    channels: () => [...channels.values()],
    /** The open channel to `payee` in `token` for `modelId` (a model channel), or the plain one when undefined. */
    forPayee: (payee: Address, token: Address, modelId?: bigint) =>
      [...channels.values()].find(
        (c) =>
          !c.closed &&
          c.modelId === modelId &&
          c.payee.toLowerCase() === payee.toLowerCase() &&
          c.token.toLowerCase() === token.toLowerCase(),
      ),
    get: (channelId: bigint) => channels.get(channelId),
    add(channel: GatewayChannel) {
      save(channel)
      channels.set(channel.channelId, channel)
    },
    update(channelId: bigint, change: Partial<GatewayChannel>) {
      const c = channels.get(channelId)
      if (!c) return
      const next = { ...c, ...change }
      save(next)
      channels.set(channelId, next)
    },
    /**
     * Signs and records the voucher for a request costing `price` up front. The record is committed before this
     * returns; the caller sends the voucher only then.
     */
    pay(channelId: bigint, price: bigint, model: string): Payment {
      const c = channels.get(channelId)
      if (!c) throw new UnknownGatewayChannelError(channelId)
      const amount = c.committed + price
      const requests = c.requests + 1n
      // biome-ignore lint/complexity/useMathMinMax: bigints, which Math.max does not take.
      const reserved = { ...c, committed: amount, requests, signed: amount > c.signed ? amount : c.signed }
      channels.set(channelId, reserved)
      const voucher: Voucher = {
        channelId,
        cumulativeAmount: amount,
        cumulativeRequests: requests,
        cumulativeUnits: c.units,
        ...(c.modelId === undefined ? {} : { models: [{ modelId: c.modelId, cumulativeAmount: amount }] }),
      }
      const signature = sign(voucher)
      const current = channels.get(channelId) ?? reserved
      try {
        store.recordVoucher({ ...voucher, signature, model }, current)
      } catch (error) {
        // Not recorded, so never sent: undo the reservation (the counter stays, so no voucher repeats).
        channels.set(channelId, { ...current, committed: current.committed - price })
        throw error
      }
      return { channelId, voucher: { ...voucher, signature }, price, done: false }
    },
    /** The request was served: adds its metered cost and units. */
    served(payment: Payment, metered: bigint, units: bigint) {
      if (payment.done) return
      payment.done = true
      const c = channels.get(payment.channelId)
      if (!c) return
      const next = { ...c, committed: c.committed + metered, units: c.units + units }
      store.settleVoucher('served', payment.voucher, next)
      channels.set(payment.channelId, next)
    },
    /** The request was not served: its price is no longer committed. */
    failed(payment: Payment) {
      if (payment.done) return
      payment.done = true
      const c = channels.get(payment.channelId)
      if (!c) return
      const next = { ...c, committed: c.committed - payment.price }
      store.settleVoucher('failed', payment.voucher, next)
      channels.set(payment.channelId, next)
    },
    /**
     * The miner refused `payment` as short of `required`: commit the shortfall, when it is at most `tolerance` (the
     * caller trusts the miner that far, for an answer whose usage it lost). Measured against the refused voucher
     * rather than against what is committed now, so requests in flight on the channel do not hide it.
     */
    reconcile(payment: Payment, required: bigint, tolerance: bigint): boolean {
      const c = channels.get(payment.channelId)
      const shortfall = required - payment.voucher.cumulativeAmount
      if (!c || shortfall <= 0n || shortfall > tolerance) return false
      const next = { ...c, committed: c.committed + shortfall }
      save(next)
      channels.set(payment.channelId, next)
      return true
    },
  }
}
