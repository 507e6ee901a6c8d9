/** Action: the pending weights commit of a hotkey. */
import type { Address, Client, Hex, ReadContractErrorType } from 'viem'
import { readContract } from 'viem/actions'
import { weightsAbi } from '../../contracts.ts'

export type WeightsCommit = {
  hash: Hex
  commitBlock: bigint
  /** The uids the commit covers (the subnet's count when it was made). */
  length: number
  /** The reveal window, a whole tempo period: from this block, until (excluding) that one. */
  revealFrom: bigint
  revealUntil: bigint
}

export type GetWeightsCommitParameters = { weights: Address; netuid: bigint; hotkey: Address }
export type GetWeightsCommitReturnType = WeightsCommit | null
export type GetWeightsCommitErrorType = ReadContractErrorType

/**
 * The pending commit of `hotkey` in `netuid`, or null.
 *
 * @example
 * const pending = await getWeightsCommit(client, { weights, netuid: 1n, hotkey: validator })
 */
export async function getWeightsCommit(
  client: Client,
  parameters: GetWeightsCommitParameters,
): Promise<GetWeightsCommitReturnType> {
  const c = await readContract(client, {
    address: parameters.weights,
    abi: weightsAbi,
    functionName: 'commitOf',
    args: [parameters.netuid, parameters.hotkey],
  })
  if (/^0x0*$/.test(c.hash)) return null
  return {
    hash: c.hash,
    commitBlock: BigInt(c.commitBlock),
    length: Number(c.length),
    revealFrom: BigInt(c.revealFrom),
    revealUntil: BigInt(c.revealUntil),
  }
}
