/** Action: propose calls for a model's timelock to make (e.g. a change of the model's terms) to its governor. */
import type { Address } from 'viem'
import { governorCallAbi } from '../../governance/abi.ts'
import { type ProposalAction, proposalArrays } from '../../governance/proposal.ts'
import { type WriteClient, type WriteContractAndWaitErrorType, writeContractAndWait } from '../write.ts'

export type ProposeGovernanceParameters = {
  governor: Address
  /** The calls the timelock makes if the proposal passes. */
  actions: readonly ProposalAction[]
  /** Human text; part of the proposal id, so queue and execute need it verbatim. */
  description: string
}
export type ProposeGovernanceReturnType = { hash: `0x${string}`; proposalId: bigint }
export type ProposeGovernanceErrorType = WriteContractAndWaitErrorType

/**
 * Proposes `actions` to the model's governor. The client needs at least the proposal threshold of votes (delegated
 * shares) as of one second ago. Returns the proposal id (equal to `hashProposal(actions, description)`).
 *
 * @example
 * const { proposalId } = await proposeGovernance(wallet, {
 *   governor,
 *   actions: [{ target: registry, data: encodeFunctionData({ abi, functionName: 'setTerms', args: [1n, terms] }) }],
 *   description: 'Raise the price of digits to 2 tUSD',
 * })
 */
export async function proposeGovernance(
  client: WriteClient,
  parameters: ProposeGovernanceParameters,
): Promise<ProposeGovernanceReturnType> {
  const { targets, values, calldatas } = proposalArrays(parameters.actions)
  const { hash, result } = await writeContractAndWait(client, {
    address: parameters.governor,
    abi: governorCallAbi,
    functionName: 'propose',
    args: [targets, values, calldatas, parameters.description],
  })
  return { hash, proposalId: result as bigint }
}
