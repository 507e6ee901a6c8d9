/** Action: vote on a model-governance proposal with the client's delegated shares. */
import type { Address } from 'viem'
import { governorCallAbi } from '../../governance/abi.ts'
import { type VoteChoice, voteSupport } from '../../governance/proposal.ts'
import { type WriteClient, type WriteContractAndWaitErrorType, writeContractAndWait } from '../write.ts'

export type CastVoteParameters = { governor: Address; proposalId: bigint; support: VoteChoice; reason?: string }
export type CastVoteReturnType = { hash: `0x${string}`; weight: bigint }
export type CastVoteErrorType = WriteContractAndWaitErrorType

/**
 * Votes `for`, `against` or `abstain` on an active proposal, with the votes delegated to the client at the
 * proposal's snapshot (shares bought or delegated later do not count). Returns the weight counted.
 *
 * @example
 * await castVote(wallet, { governor, proposalId, support: 'for', reason: 'fair price' })
 */
export async function castVote(client: WriteClient, parameters: CastVoteParameters): Promise<CastVoteReturnType> {
  const support = voteSupport[parameters.support]
  const { hash, result } =
    parameters.reason === undefined
      ? await writeContractAndWait(client, {
          address: parameters.governor,
          abi: governorCallAbi,
          functionName: 'castVote',
          args: [parameters.proposalId, support],
        })
      : await writeContractAndWait(client, {
          address: parameters.governor,
          abi: governorCallAbi,
          functionName: 'castVoteWithReason',
          args: [parameters.proposalId, support, parameters.reason],
        })
  return { hash, weight: result as bigint }
}
