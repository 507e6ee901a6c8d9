/**
 * Payment refusals: the one list of codes a miner answers a request's payment with (HTTP 402, or 400 for a voucher
 * that is malformed), and the error the miner's ledger throws with one of them. The gateway reads the same codes
 * from a miner's answer (`UNDERPAID` with `payment.requiredAmount`, `UNKNOWN_CHANNEL` and `CHANNEL_CLOSING` to
 * forget a channel), so both sides name them from this type. docs/inference.md lists what each one means.
 */
import { NodeError } from '../common/errors.ts'

/** Every code a request's payment is refused with. */
export const paymentRefusalCodes = [
  /** No voucher and the model is paid (402, with the payment requirements). */
  'PAYMENT_REQUIRED',
  /** The voucher header does not parse (400). */
  'INVALID_VOUCHER',
  /** The signature is malformed or not canonical (400). */
  'INVALID_SIGNATURE',
  /** The voucher raises the amount but lowers a usage counter (400). */
  'USAGE_DECREASED',
  'UNKNOWN_CHANNEL',
  'WRONG_PAYEE',
  'WRONG_TOKEN',
  'CHANNEL_CLOSING',
  'INSUFFICIENT_DEPOSIT',
  'SESSION_KEY_PENDING',
  'UNAUTHORIZED_SIGNER',
  'SESSION_KEY_RETIRING',
  'SESSION_CAP_EXCEEDED',
  'VOUCHER_REPLAYED',
  /** The voucher does not cover what the channel owes with this request (`payment.requiredAmount` says what does). */
  'UNDERPAID',
] as const

export type PaymentRefusalCode = (typeof paymentRefusalCodes)[number]

/** Whether `code` (read from a miner's answer) is a payment refusal code. */
export const isPaymentRefusalCode = (code: unknown): code is PaymentRefusalCode =>
  typeof code === 'string' && (paymentRefusalCodes as readonly string[]).includes(code)

/**
 * A voucher that does not pay: `status` 402 (pay differently) or 400 (malformed). `payment` holds what the refusal
 * adds to the answer's payment requirements (e.g. `requiredAmount`, `deposit`).
 */
export class PaymentError extends NodeError {
  override name = 'PaymentError'
  override readonly code: PaymentRefusalCode
  readonly status: 400 | 402
  readonly payment: Record<string, string>
  constructor(status: 400 | 402, code: PaymentRefusalCode, message: string, payment: Record<string, string> = {}) {
    super(code, message)
    this.code = code
    this.status = status
    this.payment = payment
  }
  /** The status http/errors.ts answers this error with. */
  get httpStatus(): 400 | 402 {
    return this.status
  }
}

/** A payment refusal as the payer reads it from a miner's JSON answer; anything unexpected reads as undefined. */
export type PaymentRefusal = {
  /** The code as the miner sent it (a string), for messages. */
  code: string | undefined
  /** The code when it is one of {@link paymentRefusalCodes}: what a payer acts on. */
  known: PaymentRefusalCode | undefined
  message: string | undefined
  /** For `UNDERPAID`: the cumulative amount the miner requires (a decimal of at most 30 digits), else undefined. */
  requiredAmount: bigint | undefined
}

/** Reads a miner's refusal body `{ error: { code, message, payment: { requiredAmount } } }`. */
export function readPaymentRefusal(body: unknown): PaymentRefusal {
  const error = (body as { error?: unknown } | null | undefined)?.error as
    | { code?: unknown; message?: unknown; payment?: { requiredAmount?: unknown } }
    | undefined
  const code = typeof error?.code === 'string' ? error.code : undefined
  const known = isPaymentRefusalCode(code) ? code : undefined
  const raw = error?.payment?.requiredAmount
  return {
    code,
    known,
    message: typeof error?.message === 'string' ? error.message : undefined,
    requiredAmount:
      known === 'UNDERPAID' && typeof raw === 'string' && /^\d{1,30}$/.test(raw) ? BigInt(raw) : undefined,
  }
}
