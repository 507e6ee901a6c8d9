/**
 * How a receipt travels with an answer (docs/provenance.md "Receipts in answers"): as JSON in the answer's
 * `mycel.provenance` (the time a number, the digest beside it) and, for an answer that is not streamed, base64url of
 * that JSON in the `x-mycel-receipt` header, which the gateway passes on.
 */
import type { SignedReceipt } from '@mycel/sdk'
import type { Hex } from 'viem'

export const RECEIPT_HEADER = 'x-mycel-receipt'

/** The receipt as JSON (the time as a number). */
export const receiptJson = (r: SignedReceipt, digest: Hex) => ({ ...r, time: Number(r.time), digest })

/** The header form: base64url of the receipt's JSON. */
export const receiptHeader = (r: SignedReceipt, digest: Hex) =>
  Buffer.from(JSON.stringify(receiptJson(r, digest))).toString('base64url')

/** A receipt from its header form; undefined when it is not one. */
export function parseReceiptHeader(value: string): (SignedReceipt & { digest?: Hex }) | undefined {
  try {
    const r = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as SignedReceipt & { time: number }
    return { ...r, time: BigInt(r.time) }
  } catch {
    return undefined
  }
}
