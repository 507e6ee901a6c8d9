/**
 * The node's provenance service (docs/provenance.md): signs a receipt for every answer (stored before the answer is
 * sent), batches pending receipts per signer — a full batch of `batchSize`, or whatever waited `maxAgeMs` —
 * publishes each batch's receipts in the content store, records it, and anchors its Merkle root on chain from the
 * signer's account (retrying batches whose anchor failed). Lookups by output, request or receipt hash return each
 * receipt with its batch, its Merkle proof and where it is anchored.
 */
import type { Receipt, ReceiptKind, SignedReceipt } from '@mycel/sdk'
import { SimpleMerkleTree } from '@openzeppelin/merkle-tree'
import type { Logger } from 'pino'
import type { Hex } from 'viem'
import type { ContentStore } from '../content/contentStore.ts'
import type { ProvenanceStore } from '../db/stores/provenance.ts'
import type { ReceiptCodec } from './receiptCodec.ts'

export type ReceiptSigner = { address: Hex; privateKey: Uint8Array }
export type Anchorer = (signer: Hex, root: Hex, count: number, cid: string) => Promise<{ hash: Hex; block: bigint }>

export type ReceiptAnswer = {
  digest: Hex
  receipt: SignedReceipt
  batch: {
    root: Hex
    cid: string
    proof: Hex[]
    txHash: Hex | null
    block: number | null
    anchoredAt: number | null
  } | null
}

export type Provenance = ReturnType<typeof createProvenance>

export function createProvenance(p: {
  store: ProvenanceStore
  codec: ReceiptCodec
  content: ContentStore
  anchor: Anchorer
  log: Logger
  batchSize?: number
  maxAgeMs?: number
  now?: () => number
}) {
  const batchSize = p.batchSize ?? 100
  const maxAgeMs = p.maxAgeMs ?? 10_000
  const now = p.now ?? Date.now
  const oldest = new Map<string, number>()
  let flushing: Promise<void> | undefined

  function sign(
    signer: ReceiptSigner,
    fields: { kind?: ReceiptKind; model: string; request: Hex; output: Hex },
  ): { digest: Hex; receipt: SignedReceipt } {
    const receipt: Receipt = {
      kind: fields.kind ?? 'ai',
      model: fields.model,
      request: fields.request,
      output: fields.output,
      time: BigInt(Math.floor(now() / 1000)),
      signer: signer.address,
    }
    const signed = p.codec.sign(receipt, signer.privateKey)
    const digest = p.codec.digest(receipt)
    p.store.put(digest, signed)
    if (!oldest.has(signer.address)) oldest.set(signer.address, now())
    return { digest, receipt: signed }
  }

  /**
   * A receipt signed elsewhere (a person's own work), already anchored by its signer: kept with its batch when its
   * signature holds (the caller checked the anchor on chain).
   */
  function accept(receipt: SignedReceipt, anchor: { root: Hex; cid?: string }): Hex | undefined {
    const signer = p.codec.recover(receipt)
    if (!signer || signer.toLowerCase() !== receipt.signer.toLowerCase()) return undefined
    const digest = p.codec.digest(receipt)
    p.store.put(digest, receipt)
    p.store.addBatch(anchor.root, receipt.signer, anchor.cid ?? '', [digest])
    p.store.anchored(anchor.root, '0x', 0n)
    return digest
  }

  function lookup(hash: Hex): ReceiptAnswer[] {
    return p.store.find(hash.toLowerCase() as Hex).map(({ digest, receipt, batchRoot }) => {
      if (!batchRoot) return { digest, receipt, batch: null }
      const batch = p.store.batch(batchRoot)
      const leaves = p.store.inBatch(batchRoot).map((r) => r.digest)
      const tree = SimpleMerkleTree.of(leaves)
      return {
        digest,
        receipt,
        batch: batch
          ? {
              root: batch.root,
              cid: batch.cid,
              proof: tree.getProof(digest) as Hex[],
              txHash: batch.txHash,
              block: batch.block,
              anchoredAt: batch.anchoredAt,
            }
          : null,
      }
    })
  }

  /** Forms the batches that are due and anchors every batch not anchored yet. */
  async function flushOnce(force = false) {
    for (const signer of p.store.pendingSigners()) {
      for (;;) {
        const pending = p.store.pending(signer, batchSize)
        if (pending.length === 0) break
        const due = force || pending.length >= batchSize || now() - (oldest.get(signer) ?? 0) >= maxAgeMs
        if (!due) break
        const digests = pending.map((r) => r.digest)
        const tree = SimpleMerkleTree.of(digests)
        const root = tree.root as Hex
        const file = { batch: 'mycel.receipts/1', root, receipts: pending.map((r) => r.receipt) }
        const { cid } = await p.content.addBytes(
          Buffer.from(JSON.stringify(file, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))),
          { cidVersion: 1 },
        )
        p.store.addBatch(root, signer, cid, digests)
        oldest.set(signer, now())
        if (pending.length < batchSize) break
      }
    }
    for (const batch of p.store.unanchored()) {
      try {
        const { hash, block } = await p.anchor(batch.signer, batch.root, batch.count, batch.cid)
        p.store.anchored(batch.root, hash, block)
        p.log.info({ msg: 'receipts anchored', root: batch.root, receipts: batch.count, tx: hash })
      } catch (error) {
        p.log.warn({ msg: 'anchoring receipts failed (retried)', root: batch.root, err: (error as Error).message })
      }
    }
  }

  /** Runs one flush at a time (callers share the running one). */
  const flush = (force = false) => {
    flushing ??= flushOnce(force).finally(() => {
      flushing = undefined
    })
    return flushing
  }

  return { sign, accept, lookup, flush, counts: () => p.store.counts(), recentBatches: p.store.recentBatches }
}
