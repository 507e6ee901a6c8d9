/** Action: every subnet of the registry. */
import type { Client, ReadContractErrorType } from 'viem'
import { readContract } from 'viem/actions'
import { subnetRegistryAbi } from '../../contracts.ts'
import { type GetSubnetErrorType, getSubnet, type Subnet } from './getSubnet.ts'

export type { Subnet } from './getSubnet.ts'

export type GetSubnetsParameters = { registry: `0x${string}` }
export type GetSubnetsReturnType = Subnet[]
export type GetSubnetsErrorType = ReadContractErrorType | GetSubnetErrorType

/**
 * Reads every subnet straight from the registry (one call per subnet).
 *
 * @example
 * const subnets = await getSubnets(client, { registry })
 */
export async function getSubnets(client: Client, { registry }: GetSubnetsParameters): Promise<GetSubnetsReturnType> {
  const count = await readContract(client, { address: registry, abi: subnetRegistryAbi, functionName: 'subnetCount' })
  const subnets: Subnet[] = []
  for (let netuid = 1n; netuid <= count; netuid++) subnets.push(await getSubnet(client, { registry, netuid }))
  return subnets
}
