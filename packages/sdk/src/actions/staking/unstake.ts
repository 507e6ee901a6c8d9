/** Action: remove part of a stake; the tokens unlock after the cooldown. */
import type { Address } from 'viem'
import { stakingAbi } from '../../contracts.ts'
import {
  type WriteClient,
  type WriteContractAndWaitErrorType,
  type WriteContractAndWaitReturnType,
  writeContractAndWait,
} from '../write.ts'

export type UnstakeParameters = { staking: Address; netuid: bigint; hotkey: Address; amount: bigint }
export type UnstakeReturnType = WriteContractAndWaitReturnType
export type UnstakeErrorType = WriteContractAndWaitErrorType

/**
 * Removes `amount` of the client's stake on `hotkey`; the tokens unlock after the cooldown (`withdrawStake`).
 *
 * @example
 * await unstake(wallet, { staking, netuid: 1n, hotkey: validator, amount: parseEther('10') })
 */
export async function unstake(client: WriteClient, parameters: UnstakeParameters): Promise<UnstakeReturnType> {
  return writeContractAndWait(client, {
    address: parameters.staking,
    abi: stakingAbi,
    functionName: 'unstake',
    args: [parameters.netuid, parameters.hotkey, parameters.amount],
  })
}
