/** Action: the uid a hotkey holds in a subnet, or null when it is not registered there. */
import type { Address, Client, ReadContractErrorType } from 'viem'
import { readContract } from 'viem/actions'
import { subnetRegistryAbi } from '../../contracts.ts'
import { ContractRevertError, decodeContractError } from '../../errors/contract.ts'

export type GetUidParameters = { registry: Address; netuid: number | bigint; hotkey: Address }
export type GetUidReturnType = number | null
/** `SubnetRegistryUnknownSubnet` (a {@link ContractRevertError}) when there is no such subnet. */
export type GetUidErrorType = ContractRevertError | ReadContractErrorType

/**
 * The uid `hotkey` holds in `netuid`; null when it is not registered there.
 *
 * @example
 * const uid = await getUid(client, { registry, netuid: 1n, hotkey: wallet.account.address })
 */
export async function getUid(client: Client, parameters: GetUidParameters): Promise<GetUidReturnType> {
  try {
    return await readContract(client, {
      address: parameters.registry,
      abi: subnetRegistryAbi,
      functionName: 'uidOf',
      args: [BigInt(parameters.netuid), parameters.hotkey],
    })
  } catch (error) {
    const decoded = decodeContractError(error)
    if (decoded instanceof ContractRevertError && decoded.errorName === 'SubnetRegistryNotRegistered') return null
    throw decoded
  }
}
