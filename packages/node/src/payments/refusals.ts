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
  // Models with license terms (docs/models-market-node.md): a model channel pays exactly one model, and every
  // voucher on it carries the split [{modelId, cumulativeAmount = the voucher's amount}].
  /** A request for a model with terms came with a plain voucher. */
  'MODEL_SPLIT_REQUIRED',
  /** The split does not add up: ids not ascending, an amount of 0, or not equal to the voucher's amount. */
  'MODEL_SPLIT_INVALID',
  /** The split names a model the registry does not know, or one without terms. */
  'MODEL_SPLIT_UNKNOWN_MODEL',
  /** The split pays the channel's model less than the best voucher accepted before. */
  'MODEL_SPLIT_DECREASED',
  /** The channel is bound to another model (or to none), or the split names another model than the request's. */
  'MODEL_CHANNEL_MISMATCH',
  /** The miner holds no valid license for the model (503: it is not serving it for money; `reason` says why). */
  'LICENSE_INVALID',
] as const

export type PaymentRefusalCode = (typeof paymentRefusalCodes)[number]

/** Whether `code` (read from a miner's answer) is a payment refusal code. */
export const isPaymentRefusalCode = (code: unknown): code is PaymentRefusalCode =>
  typeof code === 'string' && (paymentRefusalCodes as readonly string[]).includes(code)

/** The statuses a payment refusal is answered with. */
export type PaymentRefusalStatus = 400 | 402 | 503

/**
 * A voucher that does not pay: `status` 402 (pay differently), 400 (malformed) or 503 (the miner cannot take money
 * for this model now: no valid license). `payment` holds what the refusal
 * adds to the answer's payment requirements (e.g. `requiredAmount`, `deposit`).
 */
export class PaymentError extends NodeError {
  override name = 'PaymentError'
  override readonly code: PaymentRefusalCode
  readonly status: PaymentRefusalStatus
  readonly payment: Record<string, string>
  constructor(
    status: PaymentRefusalStatus,
    code: PaymentRefusalCode,
    message: string,
    payment: Record<string, string> = {},
  ) {
    super(code, message)
    this.code = code
    this.status = status
    this.payment = payment
  }
  /** The status http/errors.ts answers this error with. */
  get httpStatus(): PaymentRefusalStatus {
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
