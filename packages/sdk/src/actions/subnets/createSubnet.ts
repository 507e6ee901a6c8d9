/** Action: create a subnet owned by the client's account. */
import { parseEventLogs } from 'viem'
import { subnetRegistryAbi } from '../../contracts.ts'
import { MissingEventError } from '../../errors/contract.ts'
import { type WriteClient, type WriteContractAndWaitErrorType, writeContractAndWait } from '../write.ts'

export type CreateSubnetParameters = {
  registry: `0x${string}`
  name: string
  taskType: string
  /** CID of the scoring specification document. */
  scoringSpecCid: string
  maxNeurons: number
  /** MYC (wei) each neuron burns to register. */
  registrationCost: bigint
}

export type CreateSubnetReturnType = { netuid: bigint; hash: `0x${string}` }
export type CreateSubnetErrorType = WriteContractAndWaitErrorType | MissingEventError

/**
 * Creates a subnet owned by the client's account.
 *
 * @example
 * const { netuid } = await createSubnet(client, {
 *   registry, name: 'digits', taskType: 'image-classification',
 *   scoringSpecCid: 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy', maxNeurons: 64, registrationCost: 0n,
 * })
 */
export async function createSubnet(
  client: WriteClient,
  parameters: CreateSubnetParameters,
): Promise<CreateSubnetReturnType> {
  const { hash, receipt } = await writeContractAndWait(client, {
    address: parameters.registry,
    abi: subnetRegistryAbi,
    functionName: 'createSubnet',
    args: [
      parameters.name,
      parameters.taskType,
      parameters.scoringSpecCid,
      parameters.maxNeurons,
      parameters.registrationCost,
    ],
  })
  const [event] = parseEventLogs({ abi: subnetRegistryAbi, eventName: 'SubnetCreated', logs: receipt.logs })
  if (!event) throw new MissingEventError({ eventName: 'SubnetCreated', hash })
  return { netuid: event.args.netuid, hash }
}
