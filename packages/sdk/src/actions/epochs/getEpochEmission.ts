/** Action: the emission of a settled epoch, before the owner / miners / validators split. */
import type { Address, Client, ReadContractErrorType } from 'viem'
import { readContract } from 'viem/actions'
import { epochsAbi } from '../../contracts.ts'
import type { EpochHeader } from '../../epochs/buildEpoch.ts'

export type GetEpochEmissionParameters = { epochs: Address; netuid: bigint; header: EpochHeader }
export type GetEpochEmissionReturnType = bigint
export type GetEpochEmissionErrorType = ReadContractErrorType

/**
 * The emission of a settled epoch (before the owner / miners / validators split).
 *
 * @example
 * const emission = await getEpochEmission(client, { epochs, netuid: 1n, header: pending.header })
 */
export function getEpochEmission(
  client: Client,
  parameters: GetEpochEmissionParameters,
): Promise<GetEpochEmissionReturnType> {
  return readContract(client, {
    address: parameters.epochs,
    abi: epochsAbi,
    functionName: 'emissionOf',
    args: [parameters.netuid, parameters.header],
  })
}
