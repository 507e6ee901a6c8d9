/**
 * The errors of the inference layer (models, upstreams, tensors, offers), each a {@link NodeError} with a stable
 * code. A request a model cannot take is a {@link ModelInputError} (backend.ts), answered with a 400.
 */
import { NodeError } from '../common/errors.ts'

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
