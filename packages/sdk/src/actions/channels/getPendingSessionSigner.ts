/** Action: a channel's scheduled session-key change (the contract honours both keys until `effectiveAt`). */
import type { Address, Client, ReadContractErrorType } from 'viem'
import { readContract } from 'viem/actions'
import type { PendingSessionKey } from '../../channels/sessionKey.ts'
import { paymentChannelsAbi } from '../../contracts.ts'
import { decodeContractError } from '../../errors/contract.ts'

export type GetPendingSessionSignerParameters = { paymentChannels: Address; channelId: bigint }
/** null when no change is scheduled. */
export type GetPendingSessionSignerReturnType = PendingSessionKey | null
export type GetPendingSessionSignerErrorType = ReadContractErrorType

/**
 * The session-key change scheduled on a channel by a narrowing `setSessionSigner`, or null. Pass it with the
 * channel to `sessionKeysInForce` for the keys the contract honours at a given time.
 *
 * @example
 * const pending = await getPendingSessionSigner(client, { paymentChannels, channelId: 1n })
 */
export async function getPendingSessionSigner(
  client: Client,
  { paymentChannels, channelId }: GetPendingSessionSignerParameters,
): Promise<GetPendingSessionSignerReturnType> {
  try {
    const p = await readContract(client, {
      address: paymentChannels,
      abi: paymentChannelsAbi,
      functionName: 'getPendingSessionSigner',
      args: [channelId],
    })
    return p.effectiveAt > 0n ? { signer: p.signer, cap: p.cap, effectiveAt: p.effectiveAt } : null
  } catch (error) {
    throw decodeContractError(error)
  }
}
