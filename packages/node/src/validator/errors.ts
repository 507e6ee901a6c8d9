/**
 * Why a validator could not score a miner this round. Each is caught by the round and stored as the miner's
 * `lastError` (its message, first line) while the miner scores zero for the round; the code is stable for tools.
 */
import { NodeError } from '../common/errors.ts'

/** A miner answered a task request with an HTTP error (its status, and its JSON error code and message if any). */
export class MinerRequestFailedError extends NodeError {
  override name = 'MinerRequestFailedError'
  readonly status: number
  constructor({ status, code, message }: { status: number; code?: string | undefined; message?: string | undefined }) {
    super('VALIDATOR_MINER_REQUEST_FAILED', `HTTP ${status} ${code ?? ''} ${message ?? ''}`.trim())
    this.status = status
  }
}

/** A miner serves no model for the subnet's task. */
export class NoModelForTaskError extends NodeError {
  override name = 'NoModelForTaskError'
  constructor(task: string) {
    super('VALIDATOR_NO_MODEL_FOR_TASK', `it serves no ${task} model`)
  }
}

/** A miner's answer does not have the shape the task needs (`what` says what was wrong). */
export class MalformedAnswerError extends NodeError {
  override name = 'MalformedAnswerError'
  constructor(what: string) {
    super('VALIDATOR_MALFORMED_ANSWER', what)
  }
}

/** The weights a miner published for a deterministic model could not be fetched, so they cannot be spot-checked. */
export class ReferenceWeightsUnavailableError extends NodeError {
  override name = 'ReferenceWeightsUnavailableError'
  constructor({ cid, status }: { cid: string; status: number }) {
    super('VALIDATOR_WEIGHTS_UNAVAILABLE', `its weights ${cid} answered HTTP ${status}`)
  }
}

/** The weights a miner served do not hash to the CID it published. */
export class ReferenceWeightsMismatchError extends NodeError {
  override name = 'ReferenceWeightsMismatchError'
  constructor(cid: string) {
    super('VALIDATOR_WEIGHTS_CID_MISMATCH', `its weights do not hash to ${cid}`)
  }
}
