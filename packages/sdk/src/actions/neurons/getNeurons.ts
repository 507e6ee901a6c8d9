/** Action: the registered neurons of a subnet, read from the registry page by page. */
import type { Client, ReadContractErrorType } from 'viem'
import { readContract } from 'viem/actions'
import { type NeuronRole, neuronRoles, subnetRegistryAbi } from '../../contracts.ts'

export type Neuron = {
  netuid: number
  uid: number
  hotkey: `0x${string}`
  role: NeuronRole
  endpoint: string
  metadataCid: string
  registeredAtBlock: bigint
}

export type GetNeuronsParameters = { registry: `0x${string}`; netuid: number | bigint }
export type GetNeuronsReturnType = Neuron[]
export type GetNeuronsErrorType = ReadContractErrorType

const PAGE = 512n

/**
 * Reads the registered neurons of a subnet from the registry, page by page.
 *
 * @example
 * const neurons = await getNeurons(client, { registry, netuid: 1 })
 */
export async function getNeurons(
  client: Client,
  { registry, netuid }: GetNeuronsParameters,
): Promise<GetNeuronsReturnType> {
  const id = BigInt(netuid)
  const subnet = await readContract(client, {
    address: registry,
    abi: subnetRegistryAbi,
    functionName: 'getSubnet',
    args: [id],
  })
  const neurons: Neuron[] = []
  for (let offset = 0n; offset < BigInt(subnet.nextUid); offset += PAGE) {
    const [uids, page] = await readContract(client, {
      address: registry,
      abi: subnetRegistryAbi,
      functionName: 'getNeurons',
      args: [id, offset, PAGE],
    })
    page.forEach((n, i) => {
      neurons.push({
        netuid: Number(id),
        uid: uids[i] as number,
        hotkey: n.hotkey,
        role: neuronRoles[n.role] ?? 'miner',
        endpoint: n.endpoint,
        metadataCid: n.metadataCid,
        registeredAtBlock: n.registeredAtBlock,
      })
    })
  }
  return neurons
}
