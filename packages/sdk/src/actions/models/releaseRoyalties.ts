/** Action: release a model's royalties from a royalty source to its recipient (anyone may call). */
import { type Address, parseEventLogs } from 'viem'
import { type WriteClient, type WriteContractAndWaitErrorType, writeContractAndWait } from '../write.ts'
import { royaltySourceAbi } from './royaltiesOf.ts'

export type ReleaseRoyaltiesParameters = {
  /** A royalty source: the PaymentChannels or the Licenses address. */
  source: Address
  modelId: bigint
  token: Address
}
export type ReleaseRoyaltiesReturnType = {
  amount: bigint
  /** Who was paid: the model's royalty recipient (undefined when the source emitted no release). */
  recipient: `0x${string}` | undefined
  hash: `0x${string}`
}
export type ReleaseRoyaltiesErrorType = WriteContractAndWaitErrorType

/**
 * Pays everything `source` holds for `modelId` in `token` to the model's royalty recipient (the NFT's owner, or its
 * vault once fractionalized), whoever sends it: the caller never receives anything it is not the recipient of.
 *
 * @example
 * const { amount } = await releaseRoyalties(owner, { source: addresses.paymentChannels, modelId: 1n, token: usd })
 */
export async function releaseRoyalties(
  client: WriteClient,
  { source, modelId, token }: ReleaseRoyaltiesParameters,
): Promise<ReleaseRoyaltiesReturnType> {
  const { hash, receipt } = await writeContractAndWait(client, {
    address: source,
    abi: royaltySourceAbi,
    functionName: 'releaseRoyalties',
    args: [modelId, token],
  })
  const events = parseEventLogs({ abi: royaltySourceAbi, eventName: 'RoyaltiesReleased', logs: receipt.logs })
  const amount = events.reduce((sum, e) => sum + e.args.amount, 0n)
  return { amount, recipient: events[0]?.args.recipient, hash }
}
