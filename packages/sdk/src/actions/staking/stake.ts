/** Action: stake MYC on a hotkey in a subnet, approving the Staking contract first when needed. */
import type { Address, ReadContractErrorType } from 'viem'
import { readContract } from 'viem/actions'
import { stakingAbi } from '../../contracts.ts'
import {
  ensureAllowance,
  type WriteClient,
  type WriteContractAndWaitErrorType,
  type WriteContractAndWaitReturnType,
  writeContractAndWait,
} from '../write.ts'

export type StakeParameters = { staking: Address; netuid: bigint; hotkey: Address; amount: bigint }
export type StakeReturnType = WriteContractAndWaitReturnType
export type StakeErrorType = WriteContractAndWaitErrorType | ReadContractErrorType

/**
 * Stakes `amount` MYC of the client's account on `hotkey` in `netuid` (approving the Staking contract first when the
 * allowance is short).
 *
 * @example
 * await stake(wallet, { staking, netuid: 1n, hotkey: validator, amount: parseEther('100') })
 */
export async function stake(client: WriteClient, parameters: StakeParameters): Promise<StakeReturnType> {
  const token = await readContract(client, { address: parameters.staking, abi: stakingAbi, functionName: 'token' })
  await ensureAllowance(client, token, parameters.staking, parameters.amount)
  return writeContractAndWait(client, {
    address: parameters.staking,
    abi: stakingAbi,
    functionName: 'stake',
    args: [parameters.netuid, parameters.hotkey, parameters.amount],
  })
}
