/** Action: how many channels were ever opened (channel ids run from 1 to this count; closed ones are deleted). */
import type { Address, Client, ReadContractErrorType } from 'viem'
import { readContract } from 'viem/actions'
import { paymentChannelsAbi } from '../../contracts.ts'

export type GetChannelCountParameters = { paymentChannels: Address }
export type GetChannelCountReturnType = bigint
export type GetChannelCountErrorType = ReadContractErrorType

/**
 * The number of channels ever opened: ids `1..count` (a closed channel's id reads as unknown).
 *
 * @example
 * const count = await getChannelCount(client, { paymentChannels })
 */
export function getChannelCount(
  client: Client,
  { paymentChannels }: GetChannelCountParameters,
): Promise<GetChannelCountReturnType> {
  return readContract(client, { address: paymentChannels, abi: paymentChannelsAbi, functionName: 'channelCount' })
}
