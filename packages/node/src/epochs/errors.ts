/** Errors of the epoch duties, each with a stable code; a failed duty is logged and retried next tick. */
import { NodeError } from '../common/errors.ts'

/** A final epoch this node must rebuild (for the next one's bonds) whose proposal is not in a transaction's calldata. */
export class FinalProposalUnreadableError extends NodeError {
  override name = 'FinalProposalUnreadableError'
  constructor({ netuid, epoch }: { netuid: bigint; epoch: bigint }) {
    super(
      'EPOCH_FINAL_PROPOSAL_UNREADABLE',
      `epoch ${epoch} of subnet ${netuid} is final but its proposal cannot be read from calldata`,
    )
  }
}
