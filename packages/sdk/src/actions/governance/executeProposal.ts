/** Action: execute a model-governance proposal whose timelock delay has passed, making its calls. */
import type { Address } from 'viem'
import { governorCallAbi } from '../../governance/abi.ts'
import { hashDescription, type ProposalAction, proposalArrays } from '../../governance/proposal.ts'
import { type WriteClient, type WriteContractAndWaitErrorType, writeContractAndWait } from '../write.ts'

/** The proposal as proposed: same actions, same description. */
export type ExecuteProposalParameters = { governor: Address; actions: readonly ProposalAction[]; description: string }
export type ExecuteProposalReturnType = { hash: `0x${string}`; proposalId: bigint; gasUsed: bigint }
export type ExecuteProposalErrorType = WriteContractAndWaitErrorType

/**
 * Executes a Queued proposal once its timelock delay has passed (anyone may); the timelock makes the calls. Too
 * early reverts with \`TimelockUnexpectedOperationState\`; a proposal never queued with \`GovernorUnexpectedProposalState\`.
 *
 * @example
 * await executeProposal(wallet, { governor, actions, description: 'Raise the price of digits to 2 tUSD' })
 */
export async function executeProposal(
  client: WriteClient,
  parameters: ExecuteProposalParameters,
): Promise<ExecuteProposalReturnType> {
  const { targets, values, calldatas } = proposalArrays(parameters.actions)
  const { hash, receipt, result } = await writeContractAndWait(client, {
    address: parameters.governor,
    abi: governorCallAbi,
    functionName: 'execute',
    args: [targets, values, calldatas, hashDescription(parameters.description)],
  })
  return { hash, proposalId: result as bigint, gasUsed: receipt.gasUsed }
}
