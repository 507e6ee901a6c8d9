/** Action: open a payment channel to a payee, approving the deposit first when needed. */
import { type Address, type Hash, parseEventLogs } from 'viem'
import { paymentChannelsAbi } from '../../contracts.ts'
import { MissingEventError } from '../../errors/contract.ts'
import {
  ensureAllowance,
  type WriteClient,
  type WriteContractAndWaitErrorType,
  writeContractAndWait,
} from '../write.ts'

export type OpenChannelParameters = {
  paymentChannels: Address
  payee: Address
  /** ERC-20 the channel pays in. */
  token: Address
  /** Deposit in the token's smallest unit. */
  amount: bigint
  /** A hot key allowed to sign vouchers up to `sessionCap` (omit for none). */
  sessionSigner?: Address
  sessionCap?: bigint
}
export type OpenChannelReturnType = { channelId: bigint; hash: Hash }
export type OpenChannelErrorType = WriteContractAndWaitErrorType | MissingEventError

/**
 * Opens a channel from the client's account to `payee`, approving the deposit first when needed.
 *
 * @example
 * const { channelId } = await openChannel(payer, { paymentChannels, payee, token: testUsd, amount: 10_000_000n, sessionSigner: hot.address, sessionCap: 10_000_000n })
 */
export async function openChannel(
  client: WriteClient,
  parameters: OpenChannelParameters,
): Promise<OpenChannelReturnType> {
  await ensureAllowance(client, parameters.token, parameters.paymentChannels, parameters.amount)
  const { hash, receipt } = await writeContractAndWait(client, {
    address: parameters.paymentChannels,
    abi: paymentChannelsAbi,
    functionName: 'open',
    args: [
      parameters.payee,
      parameters.token,
      parameters.amount,
      parameters.sessionSigner ?? '0x0000000000000000000000000000000000000000',
      parameters.sessionCap ?? 0n,
    ],
  })
  const [event] = parseEventLogs({ abi: paymentChannelsAbi, eventName: 'ChannelOpened', logs: receipt.logs })
  if (!event) throw new MissingEventError({ eventName: 'ChannelOpened', hash })
  return { channelId: event.args.channelId, hash }
}
