/** Action: move the client's neuron in a subnet to a new endpoint. */
import { subnetRegistryAbi } from '../../contracts.ts'
import { type WriteClient, type WriteContractAndWaitErrorType, writeContractAndWait } from '../write.ts'

export type UpdateEndpointParameters = { registry: `0x${string}`; netuid: number | bigint; endpoint: string }
export type UpdateEndpointReturnType = { hash: `0x${string}` }
export type UpdateEndpointErrorType = WriteContractAndWaitErrorType

/**
 * Moves the client account's neuron in `netuid` to a new endpoint.
 *
 * @example
 * await updateEndpoint(client, { registry, netuid: 1, endpoint: 'https://miner.example.org' })
 */
export async function updateEndpoint(
  client: WriteClient,
  { registry, netuid, endpoint }: UpdateEndpointParameters,
): Promise<UpdateEndpointReturnType> {
  const { hash } = await writeContractAndWait(client, {
    address: registry,
    abi: subnetRegistryAbi,
    functionName: 'updateEndpoint',
    args: [BigInt(netuid), endpoint],
  })
  return { hash }
}
