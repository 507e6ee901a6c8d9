/** Action: pay a miner its share of a final epoch. */
import type { Address } from 'viem'
import { epochsAbi } from '../../contracts.ts'
import { columnProof, type SettledProposal } from '../../epochs/claims.ts'
import type { BaseError } from '../../errors/base.ts'
import {
  type WriteClient,
  type WriteContractAndWaitErrorType,
  type WriteContractAndWaitReturnType,
  writeContractAndWait,
} from '../write.ts'

export type ClaimMinerEmissionParameters = SettledProposal & {
  epochs: Address
  netuid: bigint
  epoch: bigint
  uid: number
}
export type ClaimMinerEmissionReturnType = WriteContractAndWaitReturnType
/** A {@link BaseError} when `uid` is not in the epoch, before anything is sent. */
export type ClaimMinerEmissionErrorType = WriteContractAndWaitErrorType | BaseError

/**
 * Pays miner `uid` its share of a final epoch (to the hotkey that held the uid; anyone may send it).
 *
 * @example
 * await claimMinerEmission(wallet, { epochs, netuid: 1n, epoch: 0n, uid: 2, header, proposal })
 */
export function claimMinerEmission(
  client: WriteClient,
  parameters: ClaimMinerEmissionParameters,
): Promise<ClaimMinerEmissionReturnType> {
  const { rank, bondsHash, proof } = columnProof(parameters.proposal, parameters.uid)
  return writeContractAndWait(client, {
    address: parameters.epochs,
    abi: epochsAbi,
    functionName: 'claimMiner',
    args: [parameters.netuid, parameters.epoch, parameters.header, parameters.uid, BigInt(rank), bondsHash, proof],
  })
}
