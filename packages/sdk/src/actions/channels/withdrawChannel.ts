/** Action: after a channel's challenge window, return the unclaimed deposit to the payer. */
import type { Address } from 'viem'
import type { MissingEventError } from '../../errors/contract.ts'
import type { WriteClient, WriteContractAndWaitErrorType } from '../write.ts'
import { type SettleReturnType, settle } from './settle.ts'

export type WithdrawChannelParameters = { paymentChannels: Address; channelId: bigint }
export type WithdrawChannelReturnType = SettleReturnType
export type WithdrawChannelErrorType = WriteContractAndWaitErrorType | MissingEventError

/**
 * After the window, returns the unclaimed deposit to the payer.
 *
 * @example
 * const { refunded } = await withdrawChannel(payer, { paymentChannels, channelId: 1n })
 */
export function withdrawChannel(
  client: WriteClient,
  parameters: WithdrawChannelParameters,
): Promise<WithdrawChannelReturnType> {
  return settle(client, 'withdraw', parameters)
}
