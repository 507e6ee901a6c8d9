/**
 * The miner's payment records in SQLite: its channels (`miner_channels`: best voucher, served, claimed), every
 * voucher it accepted (`miner_vouchers`: what each request cost) and its claim transactions (`miner_claims`). The
 * only place that holds this domain's SQL: the ledger (miner/ledger.ts) and the claimer write through it, and the
 * dashboard reads through it ({@link recentMinerVouchers}, {@link paidRequestsByModel}).
 */
import type { SignedVoucher } from '@mycel/sdk'
import type { Address } from 'viem'
import type { Db } from '../database.ts'

/**
 * A voucher's row in `miner_vouchers`, as the insert takes it: channel id, zero-padded cumulative amount (see
 * {@link padAmount}), cumulative requests, cumulative units, signature, signer, model, price, received at (ms).
 */
export type VoucherRecord = [string, string, string, string, string, string, string, string, number]
/** The first four fields of a {@link VoucherRecord}: what identifies a voucher on its channel. */
export type VoucherKey = readonly [string, string, string, string]

export type ChannelLedgerRow = {
  channelId: bigint
  payer: Address
  token: Address
  /**
   * The model (ModelRegistry id) this channel pays, bound by the first voucher accepted on it; undefined for a plain
   * channel. Every voucher of a model channel carries the split [{modelId, cumulativeAmount: its amount}], so the
   * best voucher's split is derived from it, not stored.
   */
  modelId: bigint | undefined
  best: SignedVoucher
  served: bigint
  servedRequests: number
  claimed: bigint
  unclaimedSince: number | undefined
  closed: boolean
}

/** Voucher amounts are stored zero-padded to uint96's 29 digits, so text order is numeric order (for the index). */
export const padAmount = (amount: bigint) => amount.toString().padStart(29, '0')

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
  model_id: string | null
}

/** A voucher of a channel bound to `modelId` (or plain) with its split, which the protocol fixes to the amount. */
export function withSplit(voucher: SignedVoucher, modelId: bigint | undefined): SignedVoucher {
  if (modelId === undefined) return voucher
  return { ...voucher, models: [{ modelId, cumulativeAmount: voucher.cumulativeAmount }] }
}

const toRow = (r: Row): ChannelLedgerRow => ({
  channelId: BigInt(r.channel_id),
  payer: r.payer as Address,
  token: r.token as Address,
  modelId: r.model_id === null ? undefined : BigInt(r.model_id),
  best: withSplit(
    {
      channelId: BigInt(r.channel_id),
      cumulativeAmount: BigInt(r.best_amount),
      cumulativeRequests: BigInt(r.best_requests),
      cumulativeUnits: BigInt(r.best_units),
      signature: r.best_signature as `0x${string}`,
    },
    r.model_id === null ? undefined : BigInt(r.model_id),
  ),
  served: BigInt(r.served_amount),
  servedRequests: r.served_requests,
  claimed: BigInt(r.claimed_amount),
  unclaimedSince: r.unclaimed_since ?? undefined,
  closed: r.closed === 1,
})

export type MinerLedgerBatch = {
  /** Vouchers to insert (one already written is ignored). */
  vouchers: Iterable<VoucherRecord>
  /** Channel rows to write whole. */
  saved: Iterable<ChannelLedgerRow>
  /** Channel rows whose served amount and count to write. */
  served: Iterable<ChannelLedgerRow>
  now: number
}

export type MinerClaimRecord = {
  hash: string
  channels: number
  paid: bigint
  gasUsed: bigint
  reason: string
  at: number
}

export type MinerLedgerStore = {
  /** Every channel row, each with its best voucher: the row's, or a better one written since (rows are lazy). */
  loadChannels: () => ChannelLedgerRow[]
  /** Whether the voucher with this key was written. */
  hasVoucher: (key: VoucherKey) => boolean
  /** Writes a channel row (insert or update), stamped `now`. */
  saveChannel: (row: ChannelLedgerRow, now: number) => void
  /** Writes these channel rows in one transaction. */
  saveChannels: (rows: Iterable<ChannelLedgerRow>, now: number) => void
  /** Writes a batch in one transaction (all of it or, on failure, none). */
  writeBatch: (batch: MinerLedgerBatch) => void
  /** Records a claim transaction. */
  recordClaim: (claim: MinerClaimRecord) => void
}

export function createMinerLedgerStore(db: Db): MinerLedgerStore {
  const bestVoucher = db.prepare(
    `SELECT cumulative_amount, cumulative_requests, cumulative_units, signature FROM miner_vouchers
     WHERE channel_id = ? ORDER BY cumulative_amount DESC, cumulative_requests DESC LIMIT 1`,
  )
  const allChannels = db.prepare('SELECT * FROM miner_channels')
  const insertVoucher = db.prepare(
    `INSERT OR IGNORE INTO miner_vouchers (channel_id, cumulative_amount, cumulative_requests, cumulative_units, signature, signer, model, price, received_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  )
  const findVoucher = db.prepare(
    'SELECT 1 FROM miner_vouchers WHERE channel_id = ? AND cumulative_amount = ? AND cumulative_requests = ? AND cumulative_units = ?',
  )
  const upsertChannel = db.prepare(
    `INSERT INTO miner_channels (channel_id, payer, token, best_amount, best_requests, best_units, best_signature, served_amount, served_requests, claimed_amount, unclaimed_since, closed, updated_at, model_id)
     VALUES (@channelId, @payer, @token, @bestAmount, @bestRequests, @bestUnits, @bestSignature, @served, @servedRequests, @claimed, @unclaimedSince, @closed, @now, @modelId)
     ON CONFLICT(channel_id) DO UPDATE SET best_amount = excluded.best_amount, best_requests = excluded.best_requests,
       best_units = excluded.best_units, best_signature = excluded.best_signature, served_amount = excluded.served_amount,
       served_requests = excluded.served_requests, claimed_amount = excluded.claimed_amount,
       unclaimed_since = excluded.unclaimed_since, closed = excluded.closed, updated_at = excluded.updated_at`,
  )
  const updateServed = db.prepare(
    'UPDATE miner_channels SET served_amount = ?, served_requests = ? WHERE channel_id = ?',
  )
  const insertClaim = db.prepare(
    'INSERT OR REPLACE INTO miner_claims (tx_hash, channels, amount, gas_used, reason, claimed_at) VALUES (?, ?, ?, ?, ?, ?)',
  )

  const saveChannel = (row: ChannelLedgerRow, now: number) => {
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
      now,
      modelId: row.modelId === undefined ? null : row.modelId.toString(),
    })
  }
  const saveChannels = db.transaction((rows: Iterable<ChannelLedgerRow>, now: number) => {
    for (const row of rows) saveChannel(row, now)
  })
  const writeBatch = db.transaction(({ vouchers, saved, served, now }: MinerLedgerBatch) => {
    for (const values of vouchers) insertVoucher.run(...values)
    for (const row of saved) saveChannel(row, now)
    for (const row of served) updateServed.run(row.served.toString(), row.servedRequests, String(row.channelId))
  })

  return {
    loadChannels() {
      const rows: ChannelLedgerRow[] = []
      for (const r of allChannels.all() as Row[]) {
        const row = toRow(r)
        // The channel row is written lazily; the vouchers are written before serving. The best one wins.
        const top = bestVoucher.get(r.channel_id) as
          | { cumulative_amount: string; cumulative_requests: string; cumulative_units: string; signature: string }
          | undefined
        if (top && BigInt(top.cumulative_amount) > row.best.cumulativeAmount) {
          row.best = withSplit(
            {
              channelId: row.channelId,
              cumulativeAmount: BigInt(top.cumulative_amount),
              cumulativeRequests: BigInt(top.cumulative_requests),
              cumulativeUnits: BigInt(top.cumulative_units),
              signature: top.signature as `0x${string}`,
            },
            row.modelId,
          )
        }
        rows.push(row)
      }
      return rows
    },
    hasVoucher: (key) => findVoucher.get(...key) !== undefined,
    saveChannel,
    saveChannels: (rows, now) => saveChannels(rows, now),
    writeBatch: (batch) => writeBatch(batch),
    recordClaim: ({ hash, channels, paid, gasUsed, reason, at }) => {
      insertClaim.run(hash, channels, paid.toString(), gasUsed.toString(), reason, at)
    },
  }
}

export type RecentMinerVoucher = {
  channel_id: string
  cumulative_amount: string
  model: string
  price: string
  received_at: number
}

/** The `limit` vouchers the miner received last, newest first (what the dashboard lists). */
export function recentMinerVouchers(db: Db, limit: number): RecentMinerVoucher[] {
  return db
    .prepare(
      'SELECT channel_id, cumulative_amount, model, price, received_at FROM miner_vouchers ORDER BY received_at DESC LIMIT ?',
    )
    .all(limit) as RecentMinerVoucher[]
}

/** Paid requests per model: one voucher each. */
export function paidRequestsByModel(db: Db): { model: string; n: number }[] {
  return db.prepare('SELECT model, COUNT(*) AS n FROM miner_vouchers GROUP BY model').all() as {
    model: string
    n: number
  }[]
}
