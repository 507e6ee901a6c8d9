/** Action: what an account can withdraw of one token from a model's vault now. */
import type { Address, Client, ReadContractErrorType } from 'viem'
import { readContract } from 'viem/actions'
import { royaltyVaultAbi } from '../../contracts.ts'

export type GetWithdrawableParameters = { vault: Address; token: Address; account: Address }
export type GetWithdrawableReturnType = bigint
export type GetWithdrawableErrorType = ReadContractErrorType

/**
 * What `account` can withdraw of `token` from `vault` (collected royalties only; see `collectRoyalties`).
 *
 * @example
 * const owed = await getWithdrawable(client, { vault, token: testUsd, account: me })
 */
export function getWithdrawable(
  client: Client,
  parameters: GetWithdrawableParameters,
): Promise<GetWithdrawableReturnType> {
  return readContract(client, {
    address: parameters.vault,
    abi: royaltyVaultAbi,
    functionName: 'withdrawable',
    args: [parameters.token, parameters.account],
  })
}
