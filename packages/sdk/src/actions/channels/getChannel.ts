/** Action: read a payment channel. */
import type { Address, Client, ReadContractErrorType } from 'viem'
import { readContract } from 'viem/actions'
import { paymentChannelsAbi } from '../../contracts.ts'
import { type ContractRevertError, decodeContractError } from '../../errors/contract.ts'

export type Channel = {
  channelId: bigint
  payer: Address
  payee: Address
  token: Address
  deposit: bigint
  claimed: bigint
  /** 0 while open; else the unix time after which the payer may withdraw. */
  closesAt: bigint
  sessionSigner: Address
  sessionCap: bigint
}

export type GetChannelParameters = { paymentChannels: Address; channelId: bigint }
export type GetChannelReturnType = Channel
/** `PaymentChannelsUnknownChannel` (a {@link ContractRevertError}) when there is no such open channel. */
export type GetChannelErrorType = ContractRevertError | ReadContractErrorType

/**
 * Reads a channel (reverts with a decoded error when it does not exist or was closed).
 *
 * @example
 * const { deposit, claimed } = await getChannel(client, { paymentChannels, channelId: 1n })
 */
export async function getChannel(
  client: Client,
  { paymentChannels, channelId }: GetChannelParameters,
): Promise<GetChannelReturnType> {
  try {
    const c = await readContract(client, {
      address: paymentChannels,
      abi: paymentChannelsAbi,
      functionName: 'getChannel',
      args: [channelId],
    })
    return { channelId, ...c }
  } catch (error) {
    throw decodeContractError(error)
  }
}
