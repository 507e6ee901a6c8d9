/** Action: top up a channel's deposit (the payer only), approving first when needed. */
import type { Address, Hash } from 'viem'
import { paymentChannelsAbi } from '../../contracts.ts'
import {
  ensureAllowance,
  type WriteClient,
  type WriteContractAndWaitErrorType,
  writeContractAndWait,
} from '../write.ts'
import { type GetChannelErrorType, getChannel } from './getChannel.ts'

export type DepositToChannelParameters = { paymentChannels: Address; channelId: bigint; amount: bigint }
export type DepositToChannelReturnType = { hash: Hash }
export type DepositToChannelErrorType = WriteContractAndWaitErrorType | GetChannelErrorType

/**
 * Adds `amount` to a channel's deposit (the payer only), approving first when needed.
 *
 * @example
 * await depositToChannel(payer, { paymentChannels, channelId: 1n, amount: 5_000_000n })
 */
export async function depositToChannel(
  client: WriteClient,
  { paymentChannels, channelId, amount }: DepositToChannelParameters,
): Promise<DepositToChannelReturnType> {
  const { token } = await getChannel(client, { paymentChannels, channelId })
  await ensureAllowance(client, token, paymentChannels, amount)
  const { hash } = await writeContractAndWait(client, {
    address: paymentChannels,
    abi: paymentChannelsAbi,
    functionName: 'deposit',
    args: [channelId, amount],
  })
  return { hash }
}
