/** Action: read a model-governance proposal: state, timing, votes and quorum. */
import type { Address, Client, ReadContractErrorType } from 'viem'
import { readContract } from 'viem/actions'
import { modelGovernorAbi } from '../../contracts.ts'
import { type ProposalState, proposalStates } from '../../governance/proposal.ts'

export type GetProposalParameters = { governor: Address; proposalId: bigint }
export type Proposal = {
  proposalId: bigint
  state: ProposalState
  proposer: Address
  /** Timestamps (the share token's clock): votes are read at `snapshot`, the vote ends at `deadline`. */
  snapshot: bigint
  deadline: bigint
  /** When a queued proposal may execute (0 before it is queued). */
  eta: bigint
  votes: { against: bigint; for: bigint; abstain: bigint }
  /** Votes (for + abstain) needed at the snapshot; known once the snapshot has passed, else undefined. */
  quorum: bigint | undefined
}
export type GetProposalReturnType = Proposal
export type GetProposalErrorType = ReadContractErrorType

/**
 * Reads proposal `proposalId` of `governor`. An unknown id reverts with `GovernorNonexistentProposal`.
 *
 * @example
 * const p = await getProposal(client, { governor, proposalId })
 * console.log(p.state, p.votes.for, p.quorum)
 */
export async function getProposal(client: Client, parameters: GetProposalParameters): Promise<GetProposalReturnType> {
  const { governor, proposalId } = parameters
  const read = (functionName: string, args: readonly unknown[]) =>
    readContract(client, { address: governor, abi: modelGovernorAbi, functionName, args } as never) as Promise<unknown>
  const [state, proposer, snapshot, deadline, eta, votes, clock] = (await Promise.all([
    read('state', [proposalId]),
    read('proposalProposer', [proposalId]),
    read('proposalSnapshot', [proposalId]),
    read('proposalDeadline', [proposalId]),
    read('proposalEta', [proposalId]),
    read('proposalVotes', [proposalId]),
    read('clock', []),
  ])) as [number, Address, bigint, bigint, bigint, readonly [bigint, bigint, bigint], number]
  const quorum = snapshot < BigInt(clock) ? ((await read('quorum', [snapshot])) as bigint) : undefined
  return {
    proposalId,
    state: proposalStates[state] as ProposalState,
    proposer,
    snapshot,
    deadline,
    eta,
    votes: { against: votes[0], for: votes[1], abstain: votes[2] },
    quorum,
  }
}
