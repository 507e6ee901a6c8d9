/** Action: withdraw the client's collected royalties in one token from a model's vault. */
import type { Address } from 'viem'
import { royaltyVaultAbi } from '../../contracts.ts'
import { type WriteClient, type WriteContractAndWaitErrorType, writeContractAndWait } from '../write.ts'

export type WithdrawRoyaltiesParameters = { vault: Address; token: Address }
export type WithdrawRoyaltiesReturnType = { hash: `0x${string}`; amount: bigint; gasUsed: bigint }
export type WithdrawRoyaltiesErrorType = WriteContractAndWaitErrorType

/**
 * Calls `RoyaltyVault.withdraw(token)`, paying the client everything of `token` it is owed. Reverts with
 * `RoyaltyVaultNothingToWithdraw` when nothing is (collect first: royalties count once collected).
 *
 * @example
 * const { amount } = await withdrawRoyalties(wallet, { vault, token: testUsd })
 */
export async function withdrawRoyalties(
  client: WriteClient,
  parameters: WithdrawRoyaltiesParameters,
): Promise<WithdrawRoyaltiesReturnType> {
  const { hash, receipt, result } = await writeContractAndWait(client, {
    address: parameters.vault,
    abi: royaltyVaultAbi,
    functionName: 'withdraw',
    args: [parameters.token],
  })
  return { hash, amount: result as bigint, gasUsed: receipt.gasUsed }
}
