/**
 * Action: the epoch that follows a snapshot in a subnet, as the registry pins it: its snapshot block, the uid count
 * and the consensus parameters in force for it (a parameter change applies from the next epoch on).
 */
import type { Address, Client, ReadContractErrorType } from 'viem'
import { readContract } from 'viem/actions'
import { subnetRegistryAbi } from '../../contracts.ts'
import { type ContractRevertError, decodeContractError } from '../../errors/contract.ts'
import type { SubnetParams } from '../../subnets/params.ts'

export type GetSubnetEpochSettingsParameters = {
  registry: Address
  netuid: bigint
  /** The previous epoch's snapshot block (the subnet's creation block for a first epoch). */
  previousSnapshot: bigint
}
export type GetSubnetEpochSettingsReturnType = { snapshot: bigint; neurons: number; params: SubnetParams }
/** `SubnetRegistryUnknownSubnet` (a {@link ContractRevertError}) when there is no such subnet. */
export type GetSubnetEpochSettingsErrorType = ContractRevertError | ReadContractErrorType

/**
 * The snapshot block, uid count and parameters of the epoch after the one whose snapshot is `previousSnapshot`.
 *
 * @example
 * const { snapshot } = await getSubnetEpochSettings(client, { registry, netuid: 1n, previousSnapshot: header.snapshotBlock })
 */
export async function getSubnetEpochSettings(
  client: Client,
  parameters: GetSubnetEpochSettingsParameters,
): Promise<GetSubnetEpochSettingsReturnType> {
  try {
    const [snapshot, neurons, params] = await readContract(client, {
      address: parameters.registry,
      abi: subnetRegistryAbi,
      functionName: 'epochSettings',
      args: [parameters.netuid, parameters.previousSnapshot],
    })
    return { snapshot: BigInt(snapshot), neurons: Number(neurons), params }
  } catch (error) {
    throw decodeContractError(error)
  }
}
