/** Action: release a model's royalties in one token from its sources into its vault and distribute them pro rata. */
import type { Address } from 'viem'
import { royaltyVaultAbi } from '../../contracts.ts'
import { type WriteClient, type WriteContractAndWaitErrorType, writeContractAndWait } from '../write.ts'

export type CollectRoyaltiesParameters = { vault: Address; token: Address }
export type CollectRoyaltiesReturnType = { hash: `0x${string}`; arrived: bigint; gasUsed: bigint }
export type CollectRoyaltiesErrorType = WriteContractAndWaitErrorType

/**
 * Calls `RoyaltyVault.collect(token)`: every royalty source releases what it holds for the model, and everything of
 * `token` that reached the vault since the last collect is shared among the current holders. Anyone may call it.
 *
 * @example
 * const { arrived } = await collectRoyalties(wallet, { vault, token: testUsd })
 */
export async function collectRoyalties(
  client: WriteClient,
  parameters: CollectRoyaltiesParameters,
): Promise<CollectRoyaltiesReturnType> {
  const { hash, receipt, result } = await writeContractAndWait(client, {
    address: parameters.vault,
    abi: royaltyVaultAbi,
    functionName: 'collect',
    args: [parameters.token],
  })
  return { hash, arrived: result as bigint, gasUsed: receipt.gasUsed }
}
