/**
 * What a claim of a settled epoch restates, computed from the proposal as sent (pure): the claim roles as the
 * contract numbers them, a miner's column with its Merkle proof, a validator's index in the stated inputs.
 */
import { BaseError } from '../errors/base.ts'
import type { EpochHeader, EpochProposal } from './buildEpoch.ts'
import { columnLeaf, merkleTree, unpackColumns, unpackInputs } from './packing.ts'

/** Claim roles as the contract numbers them. */
export const CLAIM_ROLE = { owner: 0, miner: 1, validator: 2 } as const

/** What a claim restates: the epoch's header and its proposal as sent (both from `getEpochProposals`). */
export type SettledProposal = { header: EpochHeader; proposal: EpochProposal }

/**
 * Miner `uid`'s column (rank, bonds hash) and Merkle proof, from a proposal's packed columns.
 *
 * @example
 * const { rank, bondsHash, proof } = columnProof(settled.proposal, 3)
 */
export function columnProof(proposal: EpochProposal, uid: number) {
  const columns = unpackColumns(proposal.columns)
  const column = columns[uid]
  if (!column) throw new BaseError(`uid ${uid} is not in the epoch (it has ${columns.length} uids).`)
  const tree = merkleTree(columns.map((c, j) => columnLeaf(j, c.rank, c.bondsHash)))
  return { rank: column.rank, bondsHash: column.bondsHash, proof: tree.proof(uid) }
}

/** Validator `uid`'s index in a proposal's stated inputs; throws when it was not a validator of `epoch`. */
export function validatorIndex(proposal: EpochProposal, uid: number, epoch: bigint): number {
  const index = unpackInputs(proposal.inputs).findIndex((x) => x.uid === uid)
  if (index < 0) throw new BaseError(`uid ${uid} was not a validator in epoch ${epoch}.`)
  return index
}
