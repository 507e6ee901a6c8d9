/** Action: withdraw every unstaked amount whose cooldown has passed. */
import type { Address } from 'viem'
import { stakingAbi } from '../../contracts.ts'
import {
  type WriteClient,
  type WriteContractAndWaitErrorType,
  type WriteContractAndWaitReturnType,
  writeContractAndWait,
} from '../write.ts'

export type WithdrawStakeParameters = { staking: Address }
export type WithdrawStakeReturnType = WriteContractAndWaitReturnType
export type WithdrawStakeErrorType = WriteContractAndWaitErrorType

/**
 * Sends the client every unstaked amount whose cooldown has passed.
 *
 * @example
 * await withdrawStake(wallet, { staking })
 */
export async function withdrawStake(
  client: WriteClient,
  parameters: WithdrawStakeParameters,
): Promise<WithdrawStakeReturnType> {
  return writeContractAndWait(client, {
    address: parameters.staking,
    abi: stakingAbi,
    functionName: 'withdraw',
    args: [],
  })
}
