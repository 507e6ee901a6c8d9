import { subnetRegistryAbi } from '../../contracts.ts'
import { type WriteClient, writeContractAndWait } from '../write.ts'

export type UpdateMetadataParameters = { registry: `0x${string}`; netuid: number | bigint; metadataCid: string }

/**
 * Publishes a new metadata document CID for the client account's neuron in `netuid` (a miner's models and prices).
 *
 * @example
 * await updateMetadata(client, { registry, netuid: 1, metadataCid: 'bafkrei…' })
 */
export async function updateMetadata(
  client: WriteClient,
  { registry, netuid, metadataCid }: UpdateMetadataParameters,
): Promise<{ hash: `0x${string}` }> {
  const { hash } = await writeContractAndWait(client, {
    address: registry,
    abi: subnetRegistryAbi,
    functionName: 'updateMetadata',
    args: [BigInt(netuid), metadataCid],
  })
  return { hash }
}
