/** Action: what a staker can claim from its stake on a hotkey (dividends distributed through Staking). */
import type { Address, Client, ReadContractErrorType } from 'viem'
import { readContract } from 'viem/actions'
import { stakingAbi } from '../../contracts.ts'

export type GetPendingRewardsParameters = { staking: Address; netuid: bigint; hotkey: Address; staker: Address }
export type GetPendingRewardsReturnType = bigint
export type GetPendingRewardsErrorType = ReadContractErrorType

/**
 * What `staker` can claim from its stake on `hotkey` (dividends distributed through Staking).
 *
 * @example
 * const rewards = await getPendingRewards(client, { staking, netuid: 1n, hotkey: validator, staker: me })
 */
export function getPendingRewards(
  client: Client,
  parameters: GetPendingRewardsParameters,
): Promise<GetPendingRewardsReturnType> {
  return readContract(client, {
    address: parameters.staking,
    abi: stakingAbi,
    functionName: 'pendingRewards',
    args: [parameters.netuid, parameters.hotkey, parameters.staker],
  })
}
