/** Action: queue a model-governance proposal that passed, starting the timelock delay. */
import type { Address } from 'viem'
import { governorCallAbi } from '../../governance/abi.ts'
import { hashDescription, type ProposalAction, proposalArrays } from '../../governance/proposal.ts'
import { type WriteClient, type WriteContractAndWaitErrorType, writeContractAndWait } from '../write.ts'

/** The proposal as proposed: same actions, same description. */
export type QueueProposalParameters = { governor: Address; actions: readonly ProposalAction[]; description: string }
export type QueueProposalReturnType = { hash: `0x${string}`; proposalId: bigint; gasUsed: bigint }
export type QueueProposalErrorType = WriteContractAndWaitErrorType

/**
 * Queues a Succeeded proposal in the timelock (anyone may). A Defeated one (quorum missed or more against than
 * for) reverts with \`GovernorUnexpectedProposalState\`.
 *
 * @example
 * await queueProposal(wallet, { governor, actions, description: 'Raise the price of digits to 2 tUSD' })
 */
export async function queueProposal(
  client: WriteClient,
  parameters: QueueProposalParameters,
): Promise<QueueProposalReturnType> {
  const { targets, values, calldatas } = proposalArrays(parameters.actions)
  const { hash, receipt, result } = await writeContractAndWait(client, {
    address: parameters.governor,
    abi: governorCallAbi,
    functionName: 'queue',
    args: [targets, values, calldatas, hashDescription(parameters.description)],
  })
  return { hash, proposalId: result as bigint, gasUsed: receipt.gasUsed }
}
