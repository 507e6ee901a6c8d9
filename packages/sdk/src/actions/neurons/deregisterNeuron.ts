import { subnetRegistryAbi } from '../../contracts.ts'
import { type WriteClient, writeContractAndWait } from '../write.ts'

export type DeregisterNeuronParameters = { registry: `0x${string}`; netuid: number | bigint }

/**
 * Removes the client account's neuron from `netuid`; its uid slot becomes free.
 *
 * @example
 * await deregisterNeuron(client, { registry, netuid: 1 })
 */
export async function deregisterNeuron(
  client: WriteClient,
  { registry, netuid }: DeregisterNeuronParameters,
): Promise<{ hash: `0x${string}` }> {
  const { hash } = await writeContractAndWait(client, {
    address: registry,
    abi: subnetRegistryAbi,
    functionName: 'deregisterNeuron',
    args: [BigInt(netuid)],
  })
  return { hash }
}
