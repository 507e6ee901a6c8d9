/**
 * The errors of the inference layer (models, upstreams, tensors, offers), each a {@link NodeError} with a stable
 * code. A request a model cannot take is a {@link ModelInputError} (backend.ts), answered with a 400.
 */
import { NodeError } from '../common/errors.ts'
import { ModelInputError } from './backend.ts'

/** A miner's own offer breaks the rule its readers apply: it would never be paid, so it does not start. */
export class OwnOfferInvalidError extends NodeError {
  override name = 'OwnOfferInvalidError'
  constructor(problem: string) {
    super(
      'OFFER_INVALID',
      `This miner's offer would be refused by every gateway and validator (${problem}); see docs/inference.md#the-offer for what an offer may state.`,
      { exitCode: 2 },
    )
  }
}

/** A model file that cannot be read or served (not a model, no usable inputs, bad metadata). */
export class ModelLoadError extends NodeError {
  override name = 'ModelLoadError'
  constructor(message: string) {
    super('MODEL_LOAD_FAILED', message)
  }
}

/** A GGUF model asked for where the optional node-llama-cpp is not installed. */
export class GgufUnavailableError extends NodeError {
  override name = 'GgufUnavailableError'
  constructor(message: string) {
    super('GGUF_UNAVAILABLE', message)
  }
}

/** A request whose prompt and max_tokens do not fit the model's context. */
export class ContextExceededError extends NodeError {
  override name = 'ContextExceededError'
  constructor(message: string) {
    super('CONTEXT_EXCEEDED', message)
  }
}

/** An OpenAI-compatible upstream that cannot be listed or answered with an error. */
export class UpstreamError extends NodeError {
  override name = 'UpstreamError'
  constructor(message: string) {
    super('UPSTREAM_FAILED', message)
  }
}

/** Tensor inputs that do not match what they state (value count, datatype, nesting, total size): a 400. */
export class InvalidTensorError extends ModelInputError {
  override name = 'InvalidTensorError'
  constructor(message: string) {
    super('INVALID_TENSOR', message)
  }
}
