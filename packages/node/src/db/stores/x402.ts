/**
 * The x402 payments a miner accepted (`x402_payments`), and the only place holding their SQL. One row per EIP-3009
 * authorization, keyed by (asset, payer, nonce) — the token's own replay key — so the same authorization can never
 * be recorded, or served, twice. A row is reserved (`pending`) before its transaction is sent, then marked
 * `settled` with the transaction hash, or `failed` with the reason; payments/x402Settle.ts writes through it.
 */
import type { Db } from '../database.ts'

export type X402PaymentStatus = 'pending' | 'settled' | 'failed'

export type X402PaymentRow = {
  asset: string
  payer: string
  nonce: string
  payTo: string
  amount: bigint
  model: string
  status: X402PaymentStatus
  transaction: string | null
  reason: string | null
  createdAt: number
}

type Row = {
  asset: string
  payer: string
  nonce: string
  pay_to: string
  amount: string
  model: string
  status: X402PaymentStatus
  tx_hash: string | null
  reason: string | null
  created_at: number
}

const toRow = (r: Row): X402PaymentRow => ({
  asset: r.asset,
  payer: r.payer,
  nonce: r.nonce,
  payTo: r.pay_to,
  amount: BigInt(r.amount),
  model: r.model,
  status: r.status,
  transaction: r.tx_hash,
  reason: r.reason,
  createdAt: r.created_at,
})

export type X402PaymentKey = { asset: string; payer: string; nonce: string }

export type X402Store = {
  /** Reserves an authorization before it is settled; false when it was already recorded (a replay). */
  reserve: (p: X402PaymentKey & { payTo: string; amount: bigint; model: string; now: number }) => boolean
  /** Marks a reserved authorization settled by `transaction`. */
  settled: (key: X402PaymentKey, transaction: string) => void
  /** Marks a reserved authorization failed: it is never served (the payer signs a new one). */
  failed: (key: X402PaymentKey, reason: string) => void
  get: (key: X402PaymentKey) => X402PaymentRow | undefined
  /** The most recent payments first. */
  recent: (limit: number) => X402PaymentRow[]
}

/** Addresses and nonces are stored lower-case, so one authorization has one key however it was spelled. */
const norm = (k: X402PaymentKey) => [k.asset.toLowerCase(), k.payer.toLowerCase(), k.nonce.toLowerCase()] as const

export function createX402Store(db: Db): X402Store {
  const insert = db.prepare(
    `INSERT OR IGNORE INTO x402_payments (asset, payer, nonce, pay_to, amount, model, status, created_at)
     VALUES (?, ?, ?, ?, ?, ?, 'pending', ?)`,
  )
  const mark = db.prepare(
    'UPDATE x402_payments SET status = ?, tx_hash = ?, reason = ? WHERE asset = ? AND payer = ? AND nonce = ?',
  )
  const select = db.prepare('SELECT * FROM x402_payments WHERE asset = ? AND payer = ? AND nonce = ?')
  const latest = db.prepare('SELECT * FROM x402_payments ORDER BY created_at DESC, rowid DESC LIMIT ?')
  return {
    reserve: (p) => insert.run(...norm(p), p.payTo.toLowerCase(), p.amount.toString(), p.model, p.now).changes === 1,
    settled: (key, transaction) => {
      mark.run('settled', transaction, null, ...norm(key))
    },
    failed: (key, reason) => {
      mark.run('failed', null, reason, ...norm(key))
    },
    get: (key) => {
      const row = select.get(...norm(key)) as Row | undefined
      return row ? toRow(row) : undefined
    },
    recent: (limit) => (latest.all(limit) as Row[]).map(toRow),
  }
}
