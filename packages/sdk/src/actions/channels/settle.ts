/** Shared by withdrawChannel and closeChannelByPayee (not exported from the package): end a channel, read the refund. */
import { type Address, type Hash, parseEventLogs } from 'viem'
import { paymentChannelsAbi } from '../../contracts.ts'
import { MissingEventError } from '../../errors/contract.ts'
import { type WriteClient, writeContractAndWait } from '../write.ts'

export type SettleReturnType = { hash: Hash; refunded: bigint }

/** Sends `withdraw` or `closeByPayee`, which both end a channel and refund the rest to the payer. */
export async function settle(
  client: WriteClient,
  functionName: 'withdraw' | 'closeByPayee',
  { paymentChannels, channelId }: { paymentChannels: Address; channelId: bigint },
): Promise<SettleReturnType> {
  const { hash, receipt } = await writeContractAndWait(client, {
    address: paymentChannels,
    abi: paymentChannelsAbi,
    functionName,
    args: [channelId],
  })
  const [event] = parseEventLogs({ abi: paymentChannelsAbi, eventName: 'ChannelClosed', logs: receipt.logs })
  if (!event) throw new MissingEventError({ eventName: 'ChannelClosed', hash })
  return { hash, refunded: event.args.refunded }
}
