/**
 * The gateway's SQL, and the only place holding it: its channels (`gateway_channels`) and the vouchers it signed
 * (`gateway_vouchers`). The gateway ledger (gateway/ledger.ts) keeps the accounting; this module reads and writes rows.
 */
import type { Address } from 'viem'
import type { Db } from '../database.ts'

/** A gateway channel as stored (amounts are decimal TEXT in SQLite; see the migration). */
export type GatewayChannelRecord = {
  channelId: bigint
  payee: Address
  endpoint: string
  token: Address
  deposit: bigint
  sessionSigner: Address
  committed: bigint
  signed: bigint
  requests: bigint
  units: bigint
  closed: boolean
  /** The model (ModelRegistry id) this channel pays: a model channel; undefined for a plain channel. */
  modelId?: bigint | undefined
}

/** One voucher the gateway signed, recorded before it is sent. */
export type GatewayVoucherRecord = {
  channelId: bigint
  cumulativeAmount: bigint
  cumulativeRequests: bigint
  cumulativeUnits: bigint
  signature: string
  model: string
}

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
  model_id: string | null
}

const fromRow = (r: Row): GatewayChannelRecord => ({
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
  modelId: r.model_id === null ? undefined : BigInt(r.model_id),
})

export type GatewayStore = ReturnType<typeof createGatewayStore>

export function createGatewayStore(db: Db) {
  const upsert = db.prepare(
    `INSERT INTO gateway_channels (channel_id, payee, endpoint, token, deposit, session_signer, committed_amount, signed_amount, signed_requests, units, closed, opened_at, model_id)
     VALUES (@channelId, @payee, @endpoint, @token, @deposit, @sessionSigner, @committed, @signed, @requests, @units, @closed, @now, @modelId)
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
  const saveChannel = (c: GatewayChannelRecord) =>
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
      modelId: c.modelId === undefined ? null : c.modelId.toString(),
    })

  return {
    /** The channels not closed. */
    openChannels: (): GatewayChannelRecord[] =>
      (db.prepare('SELECT * FROM gateway_channels WHERE closed = 0').all() as Row[]).map(fromRow),
    saveChannel,
    /** Records a signed voucher (status `sent`) and the channel that reserved it, in one transaction. */
    recordVoucher(voucher: GatewayVoucherRecord, channel: GatewayChannelRecord) {
      db.transaction(() => {
        insertVoucher.run(
          voucher.channelId.toString(),
          voucher.cumulativeAmount.toString(),
          voucher.cumulativeRequests.toString(),
          voucher.cumulativeUnits.toString(),
          voucher.signature,
          voucher.model,
          Date.now(),
        )
        saveChannel(channel)
      })()
    },
    /** Marks a voucher `served` or `failed` and saves its channel, in one transaction. */
    settleVoucher(
      status: 'served' | 'failed',
      voucher: { channelId: bigint; cumulativeRequests: bigint },
      channel: GatewayChannelRecord,
    ) {
      db.transaction(() => {
        setStatus.run(status, voucher.channelId.toString(), voucher.cumulativeRequests.toString())
        saveChannel(channel)
      })()
    },
  }
}
