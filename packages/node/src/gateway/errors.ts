/**
 * The gateway's errors, each a {@link NodeError} with a stable code. http/errors.ts maps the codes to HTTP statuses.
 */
import { NodeError } from '../common/errors.ts'

/** A request the gateway refuses for a reason of its own (e.g. `BUDGET_EXHAUSTED`), answered with `status`. */
export class GatewayError extends NodeError {
  override name = 'GatewayError'
  readonly status: 402 | 503
  constructor(status: 402 | 503, code: string, message: string) {
    super(code, message)
    this.status = status
  }
  /** The status http/errors.ts answers this error with. */
  get httpStatus(): 402 | 503 {
    return this.status
  }
}

/**
 * The gateway's budget (`gatewayBudget` plus what clients paid it with x402) is all deposited in channels: no channel
 * can be opened or topped up. The route answering it adds x402's `exact` when the token has EIP-3009 (charge.ts).
 */
export class BudgetExhaustedError extends GatewayError {
  override name = 'BudgetExhaustedError'
  readonly budget: bigint
  constructor(budget: bigint) {
    super(
      402,
      'BUDGET_EXHAUSTED',
      `The gateway's budget of ${budget} token units is committed to channels; raise gatewayBudget or close channels.`,
    )
    this.budget = budget
  }
}

/** A payment asked of a channel the gateway's ledger does not hold. */
export class UnknownGatewayChannelError extends NodeError {
  override name = 'UnknownGatewayChannelError'
  readonly channelId: bigint
  constructor(channelId: bigint) {
    super('UNKNOWN_GATEWAY_CHANNEL', `unknown gateway channel ${channelId}`)
    this.channelId = channelId
  }
}

/** A miner did not start answering (no response headers) within the time allowed. */
export class MinerAnswerTimeoutError extends NodeError {
  override name = 'MinerAnswerTimeoutError'
  constructor() {
    super('MINER_ANSWER_TIMEOUT', 'no answer in time')
  }
}

/** A charge computed from a negative cost or a markup that is not a whole number of basis points ≥ 0. */
export class InvalidChargeError extends NodeError {
  override name = 'InvalidChargeError'
  constructor(message: string) {
    super('INVALID_CHARGE', message)
  }
}
