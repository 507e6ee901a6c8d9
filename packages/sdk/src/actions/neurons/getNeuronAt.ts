/** Action: who held a uid of a subnet at a block (the registry keeps each slot's occupancy history). */
import type { Address, Client, GetBlockNumberErrorType, ReadContractErrorType } from 'viem'
import { getBlockNumber, readContract } from 'viem/actions'
import { subnetRegistryAbi } from '../../contracts.ts'

const ZERO = '0x0000000000000000000000000000000000000000'

export type GetNeuronAtParameters = {
  registry: Address
  netuid: number | bigint
  uid: number
  /** Default: the latest block. */
  blockNumber?: bigint
}
export type GetNeuronAtReturnType = {
  /** null: the slot was empty at that block. */
  hotkey: Address | null
  /** When the holder at that block registered (0 for an empty slot). */
  registeredAtBlock: bigint
}
export type GetNeuronAtErrorType = ReadContractErrorType | GetBlockNumberErrorType

/**
 * The hotkey that held `uid` of `netuid` at `blockNumber`, and when it registered.
 *
 * @example
 * const { hotkey } = await getNeuronAt(client, { registry, netuid: 1n, uid: 3, blockNumber: header.snapshotBlock })
 */
export async function getNeuronAt(client: Client, parameters: GetNeuronAtParameters): Promise<GetNeuronAtReturnType> {
  const blockNumber = parameters.blockNumber ?? (await getBlockNumber(client, { cacheTime: 0 }))
  const [hotkey, registeredAtBlock] = await readContract(client, {
    address: parameters.registry,
    abi: subnetRegistryAbi,
    functionName: 'neuronAt',
    args: [BigInt(parameters.netuid), parameters.uid, blockNumber],
  })
  return { hotkey: hotkey === ZERO ? null : hotkey, registeredAtBlock }
}
