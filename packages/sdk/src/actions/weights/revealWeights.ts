/** Action: reveal a weights commit within its window (the packed row and the salt). */
import type { Address, Hex } from 'viem'
import { weightsAbi } from '../../contracts.ts'
import { type WriteClient, type WriteContractAndWaitErrorType, writeContractAndWait } from '../write.ts'

export type RevealWeightsParameters = { weights: Address; netuid: bigint; packed: Hex; salt: Hex }
export type RevealWeightsReturnType = { hash: Hex; revealBlock: bigint }
export type RevealWeightsErrorType = WriteContractAndWaitErrorType

/**
 * Reveals a commit made with `commitWeights`: the packed weights and the salt.
 *
 * @example
 * await revealWeights(wallet, { weights, netuid: 1n, packed: commit.packed, salt: commit.salt })
 */
export async function revealWeights(
  client: WriteClient,
  parameters: RevealWeightsParameters,
): Promise<RevealWeightsReturnType> {
  const { hash, receipt } = await writeContractAndWait(client, {
    address: parameters.weights,
    abi: weightsAbi,
    functionName: 'revealWeights',
    args: [parameters.netuid, parameters.packed, parameters.salt],
  })
  return { hash, revealBlock: receipt.blockNumber }
}
