/**
 * Provenance receipts (docs/provenance.md): what a miner signs for every answer it serves — the model (its weights'
 * CID), the request's and the output's SHA-256, the time — and what a person signs for their own work. Signed as
 * EIP-712 typed data bound to the chain and the ProvenanceAnchors contract; the receipt's EIP-712 digest is its leaf in
 * the Merkle batch the signer anchors (OpenZeppelin's SimpleMerkleTree: sorted pairs, keccak256). The source type is
 * C2PA's / IPTC's `digitalSourceType`: `trainedAlgorithmicMedia` for an AI answer, `digitalCreation` for a person's
 * work.
 */
import { type Address, type Hex, hashTypedData, type LocalAccount, recoverTypedDataAddress } from 'viem'

/** IPTC digital source types, as C2PA manifests name them. */
export const DIGITAL_SOURCE_TYPES = {
  ai: 'http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia',
  human: 'http://cv.iptc.org/newscodes/digitalsourcetype/digitalCreation',
} as const
export type ReceiptKind = keyof typeof DIGITAL_SOURCE_TYPES

/** A receipt's signed fields. */
export type Receipt = {
  kind: ReceiptKind
  /** The weights' CID of the model that produced the output ('' for human work). */
  model: string
  /** SHA-256 of the request's body (zero for human work). */
  request: Hex
  /** SHA-256 of the output (for text, its UTF-8 bytes). */
  output: Hex
  /** Unix seconds. */
  time: bigint
  signer: Address
}

export type SignedReceipt = Receipt & { signature: Hex }

export const receiptTypes = {
  Receipt: [
    { name: 'kind', type: 'uint8' },
    { name: 'model', type: 'string' },
    { name: 'request', type: 'bytes32' },
    { name: 'output', type: 'bytes32' },
    { name: 'time', type: 'uint64' },
    { name: 'signer', type: 'address' },
  ],
} as const

export const receiptDomain = (chainId: number, provenanceAnchors: Address) =>
  ({ name: 'mycel provenance', version: '1', chainId, verifyingContract: provenanceAnchors }) as const

export type ReceiptDomain = ReturnType<typeof receiptDomain>

const message = (r: Receipt) => ({
  kind: r.kind === 'ai' ? 0 : 1,
  model: r.model,
  request: r.request,
  output: r.output,
  time: r.time,
  signer: r.signer,
})

/** The receipt's EIP-712 digest: what is signed, and its leaf in the anchored batch. */
export const receiptDigest = (domain: ReceiptDomain, r: Receipt): Hex =>
  hashTypedData({ domain, types: receiptTypes, primaryType: 'Receipt', message: message(r) })

/** Signs a receipt as `account` (its `signer` must be the account). */
export async function signReceipt(account: LocalAccount, domain: ReceiptDomain, r: Receipt): Promise<SignedReceipt> {
  if (r.signer.toLowerCase() !== account.address.toLowerCase())
    throw new RangeError(`the receipt names ${r.signer} as its signer, not ${account.address}`)
  const signature = await account.signTypedData({
    domain,
    types: receiptTypes,
    primaryType: 'Receipt',
    message: message(r),
  })
  return { ...r, signature }
}

/** Whether the receipt's signature recovers to its signer (viem's reference path; the node has a native one). */
export async function verifyReceiptSignature(domain: ReceiptDomain, r: SignedReceipt): Promise<boolean> {
  try {
    const address = await recoverTypedDataAddress({
      domain,
      types: receiptTypes,
      primaryType: 'Receipt',
      message: message(r),
      signature: r.signature,
    })
    return address.toLowerCase() === r.signer.toLowerCase()
  } catch {
    return false
  }
}
