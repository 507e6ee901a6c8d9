/** Action: set a subnet's consensus parameters (the subnet owner only). */
import type { Address } from 'viem'
import { subnetRegistryAbi } from '../../contracts.ts'
import type { SubnetParams } from '../../subnets/params.ts'
import {
  type WriteClient,
  type WriteContractAndWaitErrorType,
  type WriteContractAndWaitReturnType,
  writeContractAndWait,
} from '../write.ts'

export type SetSubnetParamsParameters = { registry: Address; netuid: bigint; params: SubnetParams }
export type SetSubnetParamsReturnType = WriteContractAndWaitReturnType
export type SetSubnetParamsErrorType = WriteContractAndWaitErrorType

/**
 * Sets a subnet's consensus parameters (the subnet owner only; the contract checks every bound).
 *
 * @example
 * await setSubnetParams(owner, { registry, netuid: 1n, params: { ...(await getSubnetParams(owner, { registry, netuid: 1n })), tempo: 20 } })
 */
export async function setSubnetParams(
  client: WriteClient,
  parameters: SetSubnetParamsParameters,
): Promise<SetSubnetParamsReturnType> {
  return writeContractAndWait(client, {
    address: parameters.registry,
    abi: subnetRegistryAbi,
    functionName: 'setSubnetParams',
    args: [parameters.netuid, parameters.params],
  })
}
