/**
 * The errors of the payments layer, each a {@link NodeError} with a stable code. A request's payment refused is a
 * `PaymentError` with a `PaymentRefusalCode` (refusals.ts).
 */
import { NodeError } from '../common/errors.ts'

/** A price in the configuration is not a whole number of token units. */
export class InvalidPriceError extends NodeError {
  override name = 'InvalidPriceError'
  constructor(message: string) {
    super('INVALID_PRICE', message)
  }
}

/** The voucher verifier's worker thread is gone (it exited, or the pool was closed): recovery runs in-thread. */
export class VerifierWorkerStoppedError extends NodeError {
  override name = 'VerifierWorkerStoppedError'
  constructor(message: string) {
    super('VERIFIER_WORKER_STOPPED', message)
  }
}
