/** Action: one subnet as the registry stores it. */
import type { Address, Client, ReadContractErrorType } from 'viem'
import { readContract } from 'viem/actions'
import { subnetRegistryAbi } from '../../contracts.ts'
import { type ContractRevertError, decodeContractError } from '../../errors/contract.ts'

export type Subnet = {
  netuid: number
  owner: `0x${string}`
  name: string
  taskType: string
  scoringSpecCid: string
  maxNeurons: number
  neuronCount: number
  /** uids handed out so far (the length of a weights row). */
  nextUid: number
  registrationCost: bigint
  createdAtBlock: bigint
}

export type GetSubnetParameters = { registry: Address; netuid: number | bigint }
export type GetSubnetReturnType = Subnet
/** `SubnetRegistryUnknownSubnet` (a {@link ContractRevertError}) when there is no such subnet. */
export type GetSubnetErrorType = ContractRevertError | ReadContractErrorType

/**
 * Reads subnet `netuid` from the registry: its owner, size, registration cost and creation block.
 *
 * @example
 * const { owner, createdAtBlock, nextUid } = await getSubnet(client, { registry, netuid: 1n })
 */
export async function getSubnet(
  client: Client,
  { registry, netuid }: GetSubnetParameters,
): Promise<GetSubnetReturnType> {
  try {
    const s = await readContract(client, {
      address: registry,
      abi: subnetRegistryAbi,
      functionName: 'getSubnet',
      args: [BigInt(netuid)],
    })
    return {
      netuid: Number(netuid),
      owner: s.owner,
      name: s.name,
      taskType: s.taskType,
      scoringSpecCid: s.scoringSpecCid,
      maxNeurons: s.maxNeurons,
      neuronCount: s.neuronCount,
      nextUid: Number(s.nextUid),
      registrationCost: s.registrationCost,
      createdAtBlock: s.createdAtBlock,
    }
  } catch (error) {
    throw decodeContractError(error)
  }
}
