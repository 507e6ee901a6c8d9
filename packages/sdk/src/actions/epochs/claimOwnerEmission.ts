/** Action: pay the subnet owner its share of a final epoch. */
import type { Address } from 'viem'
import { epochsAbi } from '../../contracts.ts'
import type { EpochHeader } from '../../epochs/buildEpoch.ts'
import {
  type WriteClient,
  type WriteContractAndWaitErrorType,
  type WriteContractAndWaitReturnType,
  writeContractAndWait,
} from '../write.ts'

export type ClaimOwnerEmissionParameters = { epochs: Address; netuid: bigint; epoch: bigint; header: EpochHeader }
export type ClaimOwnerEmissionReturnType = WriteContractAndWaitReturnType
export type ClaimOwnerEmissionErrorType = WriteContractAndWaitErrorType

/**
 * Pays the subnet owner its share of a final epoch.
 *
 * @example
 * await claimOwnerEmission(wallet, { epochs, netuid: 1n, epoch: 0n, header })
 */
export function claimOwnerEmission(
  client: WriteClient,
  parameters: ClaimOwnerEmissionParameters,
): Promise<ClaimOwnerEmissionReturnType> {
  return writeContractAndWait(client, {
    address: parameters.epochs,
    abi: epochsAbi,
    functionName: 'claimOwner',
    args: [parameters.netuid, parameters.epoch, parameters.header],
  })
}
