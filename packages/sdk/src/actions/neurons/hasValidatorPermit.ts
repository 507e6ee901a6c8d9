/**
 * Action: whether a neuron holds a validator permit in a subnet (by uid, or by hotkey). Until a subnet's first epoch
 * is settled every registered validator holds one; after, the uids the last settled epoch selected, registered by
 * its snapshot.
 */
import type { Address, Client, ReadContractErrorType } from 'viem'
import { readContract } from 'viem/actions'
import { subnetRegistryAbi } from '../../contracts.ts'
import type { ContractRevertError } from '../../errors/contract.ts'
import { getUid } from './getUid.ts'

export type HasValidatorPermitParameters = { registry: Address; netuid: number | bigint } & (
  | { uid: number; hotkey?: undefined }
  /** A hotkey not registered in the subnet holds no permit. */
  | { hotkey: Address; uid?: undefined }
)
export type HasValidatorPermitReturnType = boolean
/** `SubnetRegistryUnknownSubnet` (a {@link ContractRevertError}) when asking by hotkey in a subnet that does not exist. */
export type HasValidatorPermitErrorType = ContractRevertError | ReadContractErrorType

/**
 * Whether uid `uid` (or the uid `hotkey` holds) of `netuid` has a validator permit now.
 *
 * @example
 * const permitted = await hasValidatorPermit(client, { registry, netuid: 1n, hotkey: request.hotkey })
 */
export async function hasValidatorPermit(
  client: Client,
  parameters: HasValidatorPermitParameters,
): Promise<HasValidatorPermitReturnType> {
  const uid =
    parameters.uid ??
    (await getUid(client, { registry: parameters.registry, netuid: parameters.netuid, hotkey: parameters.hotkey }))
  if (uid === null) return false
  return readContract(client, {
    address: parameters.registry,
    abi: subnetRegistryAbi,
    functionName: 'hasValidatorPermit',
    args: [BigInt(parameters.netuid), uid],
  })
}
