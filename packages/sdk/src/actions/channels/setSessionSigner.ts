/**
 * Action: authorize (or remove) a channel's session signer and its cumulative cap. A change that narrows what the
 * payee can redeem is only scheduled (see `getPendingSessionSigner` and `sessionKeysInForce`).
 */
import type { Address, Hash } from 'viem'
import { paymentChannelsAbi } from '../../contracts.ts'
import { type WriteClient, type WriteContractAndWaitErrorType, writeContractAndWait } from '../write.ts'

export type SetSessionSignerParameters = { paymentChannels: Address; channelId: bigint; signer: Address; cap: bigint }
export type SetSessionSignerReturnType = { hash: Hash }
export type SetSessionSignerErrorType = WriteContractAndWaitErrorType

/**
 * Authorizes (or, with the zero address, removes) a channel's session signer and its cumulative cap.
 *
 * @example
 * await setSessionSigner(payer, { paymentChannels, channelId: 1n, signer: hot.address, cap: 10_000_000n })
 */
export async function setSessionSigner(
  client: WriteClient,
  parameters: SetSessionSignerParameters,
): Promise<SetSessionSignerReturnType> {
  const { hash } = await writeContractAndWait(client, {
    address: parameters.paymentChannels,
    abi: paymentChannelsAbi,
    functionName: 'setSessionSigner',
    args: [parameters.channelId, parameters.signer, parameters.cap],
  })
  return { hash }
}
