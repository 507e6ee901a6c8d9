/** Action: remove the client's neuron from a subnet, freeing its uid slot. */
import { subnetRegistryAbi } from '../../contracts.ts'
import { type WriteClient, type WriteContractAndWaitErrorType, writeContractAndWait } from '../write.ts'

export type DeregisterNeuronParameters = { registry: `0x${string}`; netuid: number | bigint }
export type DeregisterNeuronReturnType = { hash: `0x${string}` }
export type DeregisterNeuronErrorType = WriteContractAndWaitErrorType

/**
 * Removes the client account's neuron from `netuid`; its uid slot becomes free.
 *
 * @example
 * await deregisterNeuron(client, { registry, netuid: 1 })
 */
export async function deregisterNeuron(
  client: WriteClient,
  { registry, netuid }: DeregisterNeuronParameters,
): Promise<DeregisterNeuronReturnType> {
  const { hash } = await writeContractAndWait(client, {
    address: registry,
    abi: subnetRegistryAbi,
    functionName: 'deregisterNeuron',
    args: [BigInt(netuid)],
  })
  return { hash }
}
