/**
 * The model market's errors on the node (markets/): a malformed or unknown model id on `/api/models`, a governance
 * request the node cannot sign or that names no proposal it knows, and a model served by CID that is not what the
 * registry says. Each is a NodeError; those meant for HTTP callers carry `httpStatus`.
 */
import { NodeError } from '../common/errors.ts'

/** `/api/models/:id` with an id that is not a whole number from 1 (400). */
export class InvalidModelIdError extends NodeError {
  override name = 'InvalidModelIdError'
  get httpStatus(): number {
    return 400
  }
  constructor(readonly value: string) {
    super('INVALID_MODEL_ID', `Model id ${JSON.stringify(value.slice(0, 80))} is not a whole number from 1.`)
  }
}

/** No model with this id in the registry (404). */
export class UnknownModelError extends NodeError {
  override name = 'UnknownModelError'
  get httpStatus(): number {
    return 404
  }
  constructor(readonly modelId: bigint) {
    super('UNKNOWN_MODEL', `No model ${modelId} in the ModelRegistry.`)
  }
}

/** A governance request for a model that is not fractionalized (409: it has no governor to act on). */
export class NotFractionalizedError extends NodeError {
  override name = 'NotFractionalizedError'
  get httpStatus(): number {
    return 409
  }
  constructor(readonly modelId: bigint) {
    super('NOT_FRACTIONALIZED', `Model ${modelId} is not fractionalized: it has no governor to vote with.`)
  }
}

/** A governance request naming a proposal the model's governor never had (404). */
export class UnknownProposalError extends NodeError {
  override name = 'UnknownProposalError'
  get httpStatus(): number {
    return 404
  }
  constructor(
    readonly modelId: bigint,
    readonly proposalId: string,
  ) {
    super('UNKNOWN_PROPOSAL', `Model ${modelId}'s governor has no proposal ${proposalId}.`)
  }
}

/** A governance request asking for a key the node does not sign with here (403). */
export class SignerNotAllowedError extends NodeError {
  override name = 'SignerNotAllowedError'
  get httpStatus(): number {
    return 403
  }
  constructor(readonly reason: string) {
    super('SIGNER_NOT_ALLOWED', reason)
  }
}

/** A governance body that does not parse (400); `issues` names the fields. */
export class InvalidGovernanceRequestError extends NodeError {
  override name = 'InvalidGovernanceRequestError'
  get httpStatus(): number {
    return 400
  }
  constructor(readonly issues: string) {
    super('INVALID_REQUEST', `Invalid governance request: ${issues}.`)
  }
}

/** The transaction the governance request sent reverted (409: the chain refused it in its current state). */
export class GovernanceRejectedError extends NodeError {
  override name = 'GovernanceRejectedError'
  get httpStatus(): number {
    return 409
  }
  constructor(
    readonly action: string,
    readonly reason: string,
  ) {
    super('GOVERNANCE_REJECTED', `The ${action} was rejected by the chain: ${reason}`)
  }
}

/** A model requested by CID (`--model <cid>`) that cannot be served: not registered, wrong format or bytes. */
export class ModelByCidError extends NodeError {
  override name = 'ModelByCidError'
  constructor(
    readonly cid: string,
    readonly reason: string,
  ) {
    super('INVALID_MODEL', `Cannot serve model ${cid}: ${reason}`, { exitCode: 2 })
  }
}
