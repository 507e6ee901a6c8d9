/**
 * Verifying a receipt (docs/provenance.md "Verifying"): its signature recovers to its signer, its digest is a leaf of
 * the batch root by the Merkle proof, and that root is anchored on chain by the signer (a copy anchored by anyone
 * else proves nothing). Each failure has a name and a
 * sentence; a receipt whose batch is not anchored yet verifies as signed but pending.
 */
import { type MycelAddresses, provenanceAnchorsAbi, type SignedReceipt } from '@mycel/sdk'
import type { Client, Hex } from 'viem'
import { readContract } from 'viem/actions'
import type { ReceiptCodec } from './receiptCodec.ts'

export type Verdict =
  | { ok: true; anchored: true; digest: Hex; root: Hex; anchoredAt: number; anchorer: Hex }
  | { ok: true; anchored: false; digest: Hex; reason: 'PENDING'; message: string }
  | {
      ok: false
      digest: Hex
      reason: 'BAD_SIGNATURE' | 'PROOF_MISMATCH' | 'NOT_ANCHORED'
      message: string
    }

export async function verifyReceipt(
  p: { client: Client; addresses: Pick<MycelAddresses, 'provenanceAnchors'>; codec: ReceiptCodec },
  receipt: SignedReceipt,
  anchor?: { root: Hex; proof: readonly Hex[] },
): Promise<Verdict> {
  const digest = p.codec.digest(receipt)
  const signer = p.codec.recover(receipt)
  if (!signer || signer.toLowerCase() !== receipt.signer.toLowerCase()) {
    return {
      ok: false,
      digest,
      reason: 'BAD_SIGNATURE',
      message: `The signature does not recover to the receipt's signer ${receipt.signer}${signer ? ` (it recovers to ${signer})` : ''}: the receipt was changed or forged.`,
    }
  }
  if (!anchor)
    return { ok: true, anchored: false, digest, reason: 'PENDING', message: 'Signed; its batch is not anchored yet.' }
  if (!p.codec.verifyProof(anchor.root, digest, anchor.proof)) {
    return {
      ok: false,
      digest,
      reason: 'PROOF_MISMATCH',
      message: `The Merkle proof does not lead from this receipt to root ${anchor.root}: it is a proof for another root or another receipt.`,
    }
  }
  const a = await readContract(p.client, {
    address: p.addresses.provenanceAnchors,
    abi: provenanceAnchorsAbi,
    functionName: 'anchorOf',
    args: [anchor.root, receipt.signer],
  })
  // Only the signer's own anchor counts: anyone may anchor a copy of a root, which proves nothing (audit D2, D15).
  if (a.time === 0n) {
    return {
      ok: false,
      digest,
      reason: 'NOT_ANCHORED',
      message: `Root ${anchor.root} is not anchored on chain by the receipt's signer ${receipt.signer}.`,
    }
  }
  return { ok: true, anchored: true, digest, root: anchor.root, anchoredAt: Number(a.time), anchorer: a.anchorer }
}
