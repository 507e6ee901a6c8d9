/**
 * The gateway's side of its channels: what it has committed to pay each miner and the vouchers it signed. Every
 * voucher is written to SQLite before it is sent, so a crash never leaves the gateway unaware of what a miner can
 * claim.
 *
 * Per channel: `committed` = up-front prices of requests sent (in flight or served) + metered costs of finished
 * requests. A new request's voucher carries `committed + price`, the next request counter (so every voucher is
 * distinct, even when a failed request's price is released and the amount repeats) and the units used so far.
 */
import type { SignedVoucher, Voucher } from '@mycel/sdk'
import type { Address, Hex } from 'viem'
import type { Db } from '../db/database.ts'

export type GatewayChannel = {
  channelId: bigint
  payee: Address
  endpoint: string
  token: Address
  deposit: bigint
  sessionSigner: Address
  committed: bigint
  /** Highest amount any voucher signed so far carries (what the miner may claim at most). */
  signed: bigint
  requests: bigint
  units: bigint
  closed: boolean
}

export type Payment = { channelId: bigint; voucher: SignedVoucher; price: bigint; done: boolean }

type Row = {
  channel_id: string
  payee: string
  endpoint: string
  token: string
  deposit: string
  session_signer: string
  committed_amount: string
  signed_amount: string
  signed_requests: string
  units: string
  closed: number
}

const fromRow = (r: Row): GatewayChannel => ({
  channelId: BigInt(r.channel_id),
  payee: r.payee as Address,
  endpoint: r.endpoint,
  token: r.token as Address,
  deposit: BigInt(r.deposit),
  sessionSigner: r.session_signer as Address,
  committed: BigInt(r.committed_amount),
  signed: BigInt(r.signed_amount),
  requests: BigInt(r.signed_requests),
  units: BigInt(r.units),
  closed: r.closed === 1,
})

export type GatewayLedger = ReturnType<typeof createGatewayLedger>

export function createGatewayLedger({ db, sign }: { db: Db; sign: (voucher: Voucher) => Hex }) {
  const channels = new Map<bigint, GatewayChannel>()
  for (const r of db.prepare('SELECT * FROM gateway_channels WHERE closed = 0').all() as Row[]) {
    channels.set(BigInt(r.channel_id), fromRow(r))
  }
  const upsert = db.prepare(
    `INSERT INTO gateway_channels (channel_id, payee, endpoint, token, deposit, session_signer, committed_amount, signed_amount, signed_requests, units, closed, opened_at)
     VALUES (@channelId, @payee, @endpoint, @token, @deposit, @sessionSigner, @committed, @signed, @requests, @units, @closed, @now)
     ON CONFLICT(channel_id) DO UPDATE SET endpoint = excluded.endpoint, deposit = excluded.deposit,
       session_signer = excluded.session_signer, committed_amount = excluded.committed_amount,
       signed_amount = excluded.signed_amount, signed_requests = excluded.signed_requests, units = excluded.units,
       closed = excluded.closed`,
  )
  const insertVoucher = db.prepare(
    `INSERT INTO gateway_vouchers (channel_id, cumulative_amount, cumulative_requests, cumulative_units, signature, model, status, signed_at)
     VALUES (?, ?, ?, ?, ?, ?, 'sent', ?)`,
  )
  const setStatus = db.prepare(
    'UPDATE gateway_vouchers SET status = ? WHERE channel_id = ? AND cumulative_requests = ?',
  )
  const save = (c: GatewayChannel) =>
    upsert.run({
      channelId: c.channelId.toString(),
      payee: c.payee,
      endpoint: c.endpoint,
      token: c.token,
      deposit: c.deposit.toString(),
      sessionSigner: c.sessionSigner,
      committed: c.committed.toString(),
      signed: c.signed.toString(),
      requests: c.requests.toString(),
      units: c.units.toString(),
      closed: c.closed ? 1 : 0,
      now: Date.now(),
    })

  return {
    channels: () => [...channels.values()],
    forPayee: (payee: Address, token: Address) =>
      [...channels.values()].find(
        (c) =>
          !c.closed && c.payee.toLowerCase() === payee.toLowerCase() && c.token.toLowerCase() === token.toLowerCase(),
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
      if (!c) throw new Error(`unknown gateway channel ${channelId}`)
      const amount = c.committed + price
      const requests = c.requests + 1n
      // biome-ignore lint/complexity/useMathMinMax: bigints, which Math.max does not take.
      const reserved = { ...c, committed: amount, requests, signed: amount > c.signed ? amount : c.signed }
      channels.set(channelId, reserved)
      const voucher = { channelId, cumulativeAmount: amount, cumulativeRequests: requests, cumulativeUnits: c.units }
      const signature = sign(voucher)
      const current = channels.get(channelId) ?? reserved
      try {
        db.transaction(() => {
          insertVoucher.run(
            channelId.toString(),
            amount.toString(),
            requests.toString(),
            c.units.toString(),
            signature,
            model,
            Date.now(),
          )
          save(current)
        })()
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
      db.transaction(() => {
        setStatus.run('served', payment.channelId.toString(), payment.voucher.cumulativeRequests.toString())
        save(next)
      })()
      channels.set(payment.channelId, next)
    },
    /** The request was not served: its price is no longer committed. */
    failed(payment: Payment) {
      if (payment.done) return
      payment.done = true
      const c = channels.get(payment.channelId)
      if (!c) return
      const next = { ...c, committed: c.committed - payment.price }
      db.transaction(() => {
        setStatus.run('failed', payment.channelId.toString(), payment.voucher.cumulativeRequests.toString())
        save(next)
      })()
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
