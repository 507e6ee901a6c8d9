/** Action: point the client's neuron in a subnet at a new metadata document (CID). */
import { subnetRegistryAbi } from '../../contracts.ts'
import { type WriteClient, type WriteContractAndWaitErrorType, writeContractAndWait } from '../write.ts'

export type UpdateMetadataParameters = { registry: `0x${string}`; netuid: number | bigint; metadataCid: string }
export type UpdateMetadataReturnType = { hash: `0x${string}` }
export type UpdateMetadataErrorType = WriteContractAndWaitErrorType

/**
 * Publishes a new metadata document CID for the client account's neuron in `netuid` (a miner's models and prices).
 *
 * @example
 * await updateMetadata(client, { registry, netuid: 1, metadataCid: 'bafkrei…' })
 */
export async function updateMetadata(
  client: WriteClient,
  { registry, netuid, metadataCid }: UpdateMetadataParameters,
): Promise<UpdateMetadataReturnType> {
  const { hash } = await writeContractAndWait(client, {
    address: registry,
    abi: subnetRegistryAbi,
    functionName: 'updateMetadata',
    args: [BigInt(netuid), metadataCid],
  })
  return { hash }
}
