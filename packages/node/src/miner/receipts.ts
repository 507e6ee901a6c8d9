/**
 * Provenance receipts of the miner's answers (docs/provenance.md): after an answer is paid for and before it is sent,
 * the miner signs a receipt naming the model (its weights' CID), the SHA-256 of the request and of the output, and
 * the time; the receipt rides in the answer (`mycel.provenance`, and the `x-mycel-receipt` header when not streamed)
 * and is stored to be batched and anchored (the node's provenance service, wired in app/).
 */
import type { SignedReceipt } from '@mycel/sdk'
import type { Hex } from 'viem'
import { receiptHeader, receiptJson } from '../provenance/receiptHeader.ts'
import type { ServedModel } from './served.ts'

export { RECEIPT_HEADER } from '../provenance/receiptHeader.ts'

/** Signs and stores the receipt of one answer; what the routes call (absent: no receipts). */
export type ReceiptIssuer = (fields: { model: string; request: Uint8Array; output: Uint8Array | string }) => {
  digest: Hex
  receipt: SignedReceipt
}

/** The receipt of an answer, as the routes attach it. */
export function issueReceipt(
  issue: ReceiptIssuer | undefined,
  served: ServedModel,
  request: Uint8Array,
  output: Uint8Array | string,
) {
  if (!issue) return undefined
  const { digest, receipt } = issue({ model: served.weightsCid ?? `model:${served.model.id}`, request, output })
  return { json: receiptJson(receipt, digest), header: receiptHeader(receipt, digest) }
}
