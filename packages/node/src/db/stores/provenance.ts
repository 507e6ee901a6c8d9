/**
 * Provenance receipts and their batches in the node's database (docs/provenance.md): the only place holding that
 * SQL. A receipt is stored before the answer it covers is sent; a batch takes the oldest pending receipts of one
 * signer, is published and recorded, then anchored (its transaction hash and block filled in once mined).
 */
import type { ReceiptKind, SignedReceipt } from '@mycel/sdk'
import type { Hex } from 'viem'
import type { Db } from '../database.ts'

type Row = {
  digest: string
  kind: ReceiptKind
  model: string
  request: string
  output: string
  time: number
  signer: string
  signature: string
  batch_root: string | null
}

export type StoredReceipt = { digest: Hex; receipt: SignedReceipt; batchRoot: Hex | null }

const toStored = (r: Row): StoredReceipt => ({
  digest: r.digest as Hex,
  batchRoot: r.batch_root as Hex | null,
  receipt: {
    kind: r.kind,
    model: r.model,
    request: r.request as Hex,
    output: r.output as Hex,
    time: BigInt(r.time),
    signer: r.signer as Hex,
    signature: r.signature as Hex,
  },
})

export function createProvenanceStore(db: Db) {
  const insert = db.prepare(
    `INSERT INTO receipts (digest, kind, model, request, output, time, signer, signature, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(digest) DO NOTHING`,
  )
  const byHash = db.prepare(
    'SELECT * FROM receipts WHERE output = ? OR request = ? OR digest = ? ORDER BY created_at DESC LIMIT 20',
  )
  const pending = db.prepare(
    'SELECT * FROM receipts WHERE signer = ? AND batch_root IS NULL ORDER BY created_at, digest LIMIT ?',
  )
  const byModel = db.prepare('SELECT * FROM receipts WHERE model = ? ORDER BY created_at DESC LIMIT ?')
  const pendingSigners = db.prepare('SELECT DISTINCT signer FROM receipts WHERE batch_root IS NULL')
  const inBatch = db.prepare('SELECT * FROM receipts WHERE batch_root = ? ORDER BY created_at, digest')
  const assign = db.prepare('UPDATE receipts SET batch_root = ? WHERE digest = ? AND batch_root IS NULL')
  const addBatch = db.prepare(
    'INSERT INTO receipt_batches (root, signer, count, cid, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
  )
  const anchored = db.prepare('UPDATE receipt_batches SET tx_hash = ?, block = ?, anchored_at = ? WHERE root = ?')
  const batch = db.prepare('SELECT * FROM receipt_batches WHERE root = ?')
  const unanchored = db.prepare('SELECT * FROM receipt_batches WHERE tx_hash IS NULL ORDER BY created_at')
  const counts = db.prepare(
    `SELECT (SELECT COUNT(*) FROM receipts) AS receipts, (SELECT COUNT(*) FROM receipts WHERE batch_root IS NULL) AS pending,
       (SELECT COUNT(*) FROM receipt_batches WHERE tx_hash IS NOT NULL) AS anchored`,
  )
  const recentBatches = db.prepare('SELECT * FROM receipt_batches ORDER BY created_at DESC LIMIT ?')
  type BatchRow = {
    root: string
    signer: string
    count: number
    cid: string
    tx_hash: string | null
    block: number | null
    anchored_at: number | null
  }
  const toBatch = (b: BatchRow) => ({
    root: b.root as Hex,
    signer: b.signer as Hex,
    count: b.count,
    cid: b.cid,
    txHash: b.tx_hash as Hex | null,
    block: b.block,
    anchoredAt: b.anchored_at,
  })
  return {
    put(digest: Hex, r: SignedReceipt) {
      insert.run(digest, r.kind, r.model, r.request, r.output, Number(r.time), r.signer, r.signature, Date.now())
    },
    find: (hash: Hex) => (byHash.all(hash, hash, hash) as Row[]).map(toStored),
    /** The newest receipts of outputs of `model` (its CID). */
    ofModel: (model: string, limit: number) => (byModel.all(model, limit) as Row[]).map(toStored),
    pendingSigners: () => (pendingSigners.all() as { signer: string }[]).map((r) => r.signer as Hex),
    pending: (signer: Hex, limit: number) => (pending.all(signer, limit) as Row[]).map(toStored),
    inBatch: (root: Hex) => (inBatch.all(root) as Row[]).map(toStored),
    /** Records a batch and assigns its receipts to it, in one transaction. */
    addBatch: db.transaction((root: Hex, signer: Hex, cid: string, digests: Hex[]) => {
      addBatch.run(root, signer, digests.length, cid, Date.now())
      for (const d of digests) assign.run(root, d)
    }),
    anchored: (root: Hex, txHash: Hex, block: bigint) => anchored.run(txHash, Number(block), Date.now(), root),
    batch: (root: Hex) => {
      const b = batch.get(root) as BatchRow | undefined
      return b ? toBatch(b) : undefined
    },
    unanchored: () => (unanchored.all() as BatchRow[]).map(toBatch),
    recentBatches: (limit: number) => (recentBatches.all(limit) as BatchRow[]).map(toBatch),
    counts: () => counts.get() as { receipts: number; pending: number; anchored: number },
  }
}
export type ProvenanceStore = ReturnType<typeof createProvenanceStore>
