/**
 * Reads for the dashboard's payments view (`/api/payments`): the miner's most recent paid requests and how many
 * paid requests each model served, from the miner's voucher log (`miner_vouchers`).
 */
import type { Db } from '../database.ts'

export type RecentPaidRequest = {
  channel_id: string
  cumulative_amount: string
  model: string
  price: string
  received_at: number
}

/** The `limit` most recent vouchers the miner accepted, newest first. */
export function readRecentPaidRequests(db: Db, limit = 20): RecentPaidRequest[] {
  return db
    .prepare(
      'SELECT channel_id, cumulative_amount, model, price, received_at FROM miner_vouchers ORDER BY received_at DESC LIMIT ?',
    )
    .all(limit) as RecentPaidRequest[]
}

/** Paid requests per model (vouchers accepted). */
export function readPaidRequestsByModel(db: Db): { model: string; n: number }[] {
  return db.prepare('SELECT model, COUNT(*) AS n FROM miner_vouchers GROUP BY model').all() as {
    model: string
    n: number
  }[]
}
