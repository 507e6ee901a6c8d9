/** Action: delegate the votes of the client's shares in a model (to itself to vote directly). */
import type { Address } from 'viem'
import { royaltyVaultAbi } from '../../contracts.ts'
import {
  type WriteClient,
  type WriteContractAndWaitErrorType,
  type WriteContractAndWaitReturnType,
  writeContractAndWait,
} from '../write.ts'

export type DelegateVotesParameters = { vault: Address; delegatee: Address }
export type DelegateVotesReturnType = WriteContractAndWaitReturnType
export type DelegateVotesErrorType = WriteContractAndWaitErrorType

/**
 * Delegates the votes of the client's shares to `delegatee` (shares vote only once delegated; delegate to yourself
 * to vote directly). Votes count from the next second on: a proposal's snapshot taken before does not see them.
 *
 * @example
 * await delegateVotes(wallet, { vault, delegatee: wallet.account.address })
 */
export function delegateVotes(
  client: WriteClient,
  parameters: DelegateVotesParameters,
): Promise<DelegateVotesReturnType> {
  return writeContractAndWait(client, {
    address: parameters.vault,
    abi: royaltyVaultAbi,
    functionName: 'delegate',
    args: [parameters.delegatee],
  })
}
