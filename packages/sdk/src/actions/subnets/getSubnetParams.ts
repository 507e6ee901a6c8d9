/** Action: a subnet's consensus parameters, as the registry stores them now. */
import type { Address, Client, ReadContractErrorType } from 'viem'
import { readContract } from 'viem/actions'
import { subnetRegistryAbi } from '../../contracts.ts'
import type { SubnetParams } from '../../subnets/params.ts'

export type GetSubnetParamsParameters = { registry: Address; netuid: bigint }
export type GetSubnetParamsReturnType = SubnetParams
export type GetSubnetParamsErrorType = ReadContractErrorType

/**
 * A subnet's consensus parameters.
 *
 * @example
 * const { tempo, kappa } = await getSubnetParams(client, { registry, netuid: 1n })
 */
export async function getSubnetParams(
  client: Client,
  parameters: GetSubnetParamsParameters,
): Promise<GetSubnetParamsReturnType> {
  return readContract(client, {
    address: parameters.registry,
    abi: subnetRegistryAbi,
    functionName: 'getSubnetParams',
    args: [parameters.netuid],
  })
}
