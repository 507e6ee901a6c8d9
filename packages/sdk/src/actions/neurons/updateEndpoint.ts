import { subnetRegistryAbi } from '../../contracts.ts'
import { type WriteClient, writeContractAndWait } from '../write.ts'

export type UpdateEndpointParameters = { registry: `0x${string}`; netuid: number | bigint; endpoint: string }

/**
 * Moves the client account's neuron in `netuid` to a new endpoint.
 *
 * @example
 * await updateEndpoint(client, { registry, netuid: 1, endpoint: 'https://miner.example.org' })
 */
export async function updateEndpoint(
  client: WriteClient,
  { registry, netuid, endpoint }: UpdateEndpointParameters,
): Promise<{ hash: `0x${string}` }> {
  const { hash } = await writeContractAndWait(client, {
    address: registry,
    abi: subnetRegistryAbi,
    functionName: 'updateEndpoint',
    args: [BigInt(netuid), endpoint],
  })
  return { hash }
}
