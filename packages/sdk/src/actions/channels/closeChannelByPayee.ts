/** Action: cooperative close by the payee; the rest of the deposit goes back to the payer now. */
import type { Address } from 'viem'
import type { MissingEventError } from '../../errors/contract.ts'
import type { WriteClient, WriteContractAndWaitErrorType } from '../write.ts'
import { type SettleReturnType, settle } from './settle.ts'

export type CloseChannelByPayeeParameters = { paymentChannels: Address; channelId: bigint }
export type CloseChannelByPayeeReturnType = SettleReturnType
export type CloseChannelByPayeeErrorType = WriteContractAndWaitErrorType | MissingEventError

/**
 * Cooperative close by the payee: the rest goes back to the payer now.
 *
 * @example
 * const { refunded } = await closeChannelByPayee(payee, { paymentChannels, channelId: 1n })
 */
export function closeChannelByPayee(
  client: WriteClient,
  parameters: CloseChannelByPayeeParameters,
): Promise<CloseChannelByPayeeReturnType> {
  return settle(client, 'closeByPayee', parameters)
}
