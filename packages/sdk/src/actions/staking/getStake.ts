/** Action: a hotkey's total stake in a subnet, and one staker's part of it. */
import type { Address, Client, ReadContractErrorType } from 'viem'
import { readContract } from 'viem/actions'
import { stakingAbi } from '../../contracts.ts'

export type GetStakeParameters = { staking: Address; netuid: bigint; hotkey: Address; staker?: Address }
export type GetStakeReturnType = { total: bigint; own: bigint }
export type GetStakeErrorType = ReadContractErrorType

/**
 * A hotkey's total stake in a subnet, and `staker`'s part of it (0 without a staker).
 *
 * @example
 * const { total, own } = await getStake(client, { staking, netuid: 1n, hotkey: validator, staker: me })
 */
export async function getStake(client: Client, parameters: GetStakeParameters): Promise<GetStakeReturnType> {
  const total = await readContract(client, {
    address: parameters.staking,
    abi: stakingAbi,
    functionName: 'stakeOf',
    args: [parameters.netuid, parameters.hotkey],
  })
  const own = parameters.staker
    ? await readContract(client, {
        address: parameters.staking,
        abi: stakingAbi,
        functionName: 'positionOf',
        args: [parameters.netuid, parameters.hotkey, parameters.staker],
      })
    : 0n
  return { total, own }
}
