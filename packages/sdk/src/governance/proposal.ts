/**
 * Pure helpers for OpenZeppelin Governor proposals, computed exactly as `Governor` and `GovernorTimelockControl` do
 * on chain: the description hash, the proposal id, the timelock salt and operation id, and the names of states and
 * vote choices. No I/O: the governance actions and the node use these to name a proposal before (or without) sending.
 */
import { type Address, encodeAbiParameters, type Hex, keccak256, pad, stringToHex, toHex } from 'viem'

/** One call a proposal makes through the timelock. */
export type ProposalAction = { target: Address; value?: bigint; data: Hex }

/** Governor.ProposalState, in the contract's order. */
export const proposalStates = [
  'Pending',
  'Active',
  'Canceled',
  'Defeated',
  'Succeeded',
  'Queued',
  'Expired',
  'Executed',
] as const
export type ProposalState = (typeof proposalStates)[number]

/** GovernorCountingSimple's vote choices. */
export const voteSupport = { against: 0, for: 1, abstain: 2 } as const
export type VoteChoice = keyof typeof voteSupport

/** `keccak256(bytes(description))`, the hash queue and execute take. */
export function hashDescription(description: string): Hex {
  return keccak256(stringToHex(description))
}

/** The proposal's arrays as the Governor takes them. */
export function proposalArrays(actions: readonly ProposalAction[]): {
  targets: Address[]
  values: bigint[]
  calldatas: Hex[]
} {
  return {
    targets: actions.map((a) => a.target),
    values: actions.map((a) => a.value ?? 0n),
    calldatas: actions.map((a) => a.data),
  }
}

/** `Governor.hashProposal`: `uint256(keccak256(abi.encode(targets, values, calldatas, descriptionHash)))`. */
export function hashProposal(actions: readonly ProposalAction[], description: string): bigint {
  const { targets, values, calldatas } = proposalArrays(actions)
  return BigInt(
    keccak256(
      encodeAbiParameters(
        [{ type: 'address[]' }, { type: 'uint256[]' }, { type: 'bytes[]' }, { type: 'bytes32' }],
        [targets, values, calldatas, hashDescription(description)],
      ),
    ),
  )
}

/** `GovernorTimelockControl._timelockSalt`: `bytes20(governor) ^ descriptionHash`. */
export function timelockSalt(governor: Address, description: string): Hex {
  const salt = BigInt(pad(governor, { dir: 'right', size: 32 })) ^ BigInt(hashDescription(description))
  return toHex(salt, { size: 32 })
}

/** `TimelockController.hashOperationBatch` of the proposal as the governor queues it (no predecessor). */
export function timelockOperationId(governor: Address, actions: readonly ProposalAction[], description: string): Hex {
  const { targets, values, calldatas } = proposalArrays(actions)
  return keccak256(
    encodeAbiParameters(
      [{ type: 'address[]' }, { type: 'uint256[]' }, { type: 'bytes[]' }, { type: 'bytes32' }, { type: 'bytes32' }],
      [targets, values, calldatas, pad('0x00', { size: 32 }), timelockSalt(governor, description)],
    ),
  )
}
