/**
 * Actions: the royalties model channels retained and have not settled yet. A model channel (every voucher pays one
 * model the whole amount) retains its route's royalty at each claim but credits it only when settled: at its close,
 * when the payee's license changes, or by `settleRoyalties`, which anyone may send. Until then `royaltiesOf` does
 * not count it; `getUnsettledRoyalties` and `findUnsettledChannels` do.
 */
import { type Address, type Client, type Hash, parseEventLogs, type ReadContractErrorType } from 'viem'
import { getContractEvents, readContract } from 'viem/actions'
import { paymentChannelsAbi } from '../../contracts.ts'
import { decodeContractError } from '../../errors/contract.ts'
import { type WriteClient, type WriteContractAndWaitErrorType, writeContractAndWait } from '../write.ts'

export type UnsettledRoyalties = {
  channelId: bigint
  /** The payee's license the channel is bound to; 0 when none (not a model channel, or closed). */
  licenseId: bigint
  /** The channel's token (the zero address when not bound). */
  token: Address
  /** Paid for the model since the last settlement. */
  amount: bigint
  /** What settling credits each model of the route (`[0]` is the channel's model, then its ancestors). */
  royalties: { modelId: bigint; amount: bigint }[]
}
export type GetUnsettledRoyaltiesErrorType = ReadContractErrorType

/**
 * Reads what model channel `channelId` retained for royalties since it was last settled.
 *
 * @example
 * const { royalties } = await getUnsettledRoyalties(client, { paymentChannels, channelId: 7n })
 */
export async function getUnsettledRoyalties(
  client: Client,
  { paymentChannels, channelId }: { paymentChannels: Address; channelId: bigint },
): Promise<UnsettledRoyalties> {
  try {
    const [licenseId, token, amount, modelIds, royalties] = await readContract(client, {
      address: paymentChannels,
      abi: paymentChannelsAbi,
      functionName: 'unsettledRoyalties',
      args: [channelId],
    })
    return {
      channelId,
      licenseId,
      token,
      amount,
      royalties: modelIds.map((modelId, i) => ({ modelId, amount: royalties[i] ?? 0n })),
    }
  } catch (error) {
    throw decodeContractError(error)
  }
}

export type FindUnsettledChannelsParameters = {
  paymentChannels: Address
  /** Only channels whose unsettled royalties owe this model something (its own channels and its descendants'). */
  modelId?: bigint
  /** Only channels in this token. */
  token?: Address
  /** Where to start reading `ChannelLicenseBound` events: the PaymentChannels deployment block. */
  fromBlock: bigint
}

/**
 * The open model channels with royalties to settle, found from their `ChannelLicenseBound` events and checked
 * against the contract now (closed or settled channels drop out).
 *
 * @example
 * const due = await findUnsettledChannels(client, { paymentChannels, modelId: 1n, fromBlock: 0n })
 * await settleRoyalties(wallet, { paymentChannels, channelIds: due.map((c) => c.channelId) })
 */
export async function findUnsettledChannels(
  client: Client,
  { paymentChannels, modelId, token, fromBlock }: FindUnsettledChannelsParameters,
): Promise<UnsettledRoyalties[]> {
  const logs = await getContractEvents(client, {
    address: paymentChannels,
    abi: paymentChannelsAbi,
    eventName: 'ChannelLicenseBound',
    fromBlock,
    toBlock: 'latest',
  })
  const ids = [...new Set(logs.map((log) => log.args.channelId).filter((id): id is bigint => id !== undefined))]
  const read = await Promise.all(ids.map((channelId) => getUnsettledRoyalties(client, { paymentChannels, channelId })))
  return read.filter(
    (c) =>
      c.licenseId !== 0n &&
      (token === undefined || c.token.toLowerCase() === token.toLowerCase()) &&
      c.royalties.some((r) => r.amount > 0n && (modelId === undefined || r.modelId === modelId)),
  )
}

export type SettleRoyaltiesReturnType = {
  hash: Hash
  /** One entry per channel that had something to settle. */
  settled: { channelId: bigint; modelId: bigint; amount: bigint; royalties: bigint }[]
}
export type SettleRoyaltiesErrorType = WriteContractAndWaitErrorType

/**
 * Credits what model channels retained for royalties to their routes (anyone may send it; it moves no tokens), so
 * that `releaseRoyalties` and a vault's `collect` pay it out. Closed or settled channels are skipped.
 *
 * @example
 * await settleRoyalties(wallet, { paymentChannels, channelIds: [7n, 9n] })
 */
export async function settleRoyalties(
  client: WriteClient,
  { paymentChannels, channelIds }: { paymentChannels: Address; channelIds: readonly bigint[] },
): Promise<SettleRoyaltiesReturnType> {
  const { hash, receipt } = await writeContractAndWait(client, {
    address: paymentChannels,
    abi: paymentChannelsAbi,
    functionName: 'settleRoyalties',
    args: [channelIds],
  })
  const settled = parseEventLogs({
    abi: paymentChannelsAbi,
    eventName: 'ChannelRoyaltiesSettled',
    logs: receipt.logs,
  }).map((e) => ({
    channelId: e.args.channelId,
    modelId: e.args.modelId,
    amount: e.args.amount,
    royalties: e.args.royalties,
  }))
  return { hash, settled }
}
