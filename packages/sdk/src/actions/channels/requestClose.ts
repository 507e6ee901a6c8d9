/** Action: start a channel's challenge window (the payer only). */
import { type Address, type Hash, parseEventLogs } from 'viem'
import { paymentChannelsAbi } from '../../contracts.ts'
import { MissingEventError } from '../../errors/contract.ts'
import { type WriteClient, type WriteContractAndWaitErrorType, writeContractAndWait } from '../write.ts'

export type RequestCloseParameters = { paymentChannels: Address; channelId: bigint }
export type RequestCloseReturnType = { hash: Hash; closesAt: bigint }
export type RequestCloseErrorType = WriteContractAndWaitErrorType | MissingEventError

/**
 * Starts a channel's challenge window (the payer only); after `closesAt` the payer may `withdrawChannel`.
 *
 * @example
 * const { closesAt } = await requestClose(payer, { paymentChannels, channelId: 1n })
 */
export async function requestClose(
  client: WriteClient,
  { paymentChannels, channelId }: RequestCloseParameters,
): Promise<RequestCloseReturnType> {
  const { hash, receipt } = await writeContractAndWait(client, {
    address: paymentChannels,
    abi: paymentChannelsAbi,
    functionName: 'requestClose',
    args: [channelId],
  })
  const [event] = parseEventLogs({ abi: paymentChannelsAbi, eventName: 'ChannelCloseRequested', logs: receipt.logs })
  if (!event) throw new MissingEventError({ eventName: 'ChannelCloseRequested', hash })
  return { hash, closesAt: event.args.closesAt }
}
