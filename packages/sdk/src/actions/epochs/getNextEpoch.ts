/** Action: the next epoch of a subnet to settle and its snapshot block. */
import type { Address, Client, ReadContractErrorType } from 'viem'
import { readContract } from 'viem/actions'
import { epochsAbi } from '../../contracts.ts'

export type GetNextEpochParameters = { epochs: Address; netuid: bigint }
export type GetNextEpochReturnType = { epoch: bigint; snapshotBlock: bigint }
export type GetNextEpochErrorType = ReadContractErrorType

/**
 * The next epoch of `netuid` to settle and its snapshot block.
 *
 * @example
 * const { epoch, snapshotBlock } = await getNextEpoch(client, { epochs, netuid: 1n })
 */
export async function getNextEpoch(
  client: Client,
  parameters: GetNextEpochParameters,
): Promise<GetNextEpochReturnType> {
  const [epoch, snapshotBlock] = await readContract(client, {
    address: parameters.epochs,
    abi: epochsAbi,
    functionName: 'nextEpoch',
    args: [parameters.netuid],
  })
  return { epoch, snapshotBlock: BigInt(snapshotBlock) }
}
