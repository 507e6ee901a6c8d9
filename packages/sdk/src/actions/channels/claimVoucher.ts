/** Action: redeem one voucher on its channel. */
import type { Address } from 'viem'
import type { SignedVoucher } from '../../channels/voucher.ts'
import type { WriteClient, WriteContractAndWaitErrorType } from '../write.ts'
import { type RedeemReturnType, redeem, toClaim } from './redeem.ts'

export type ClaimVoucherParameters = { paymentChannels: Address; voucher: SignedVoucher }
export type ClaimVoucherReturnType = RedeemReturnType
export type ClaimVoucherErrorType = WriteContractAndWaitErrorType

/**
 * Redeems one voucher; returns what was paid now.
 *
 * @example
 * const { paid } = await claimVoucher(payee, { paymentChannels, voucher })
 */
export function claimVoucher(
  client: WriteClient,
  { paymentChannels, voucher }: ClaimVoucherParameters,
): Promise<ClaimVoucherReturnType> {
  return redeem(client, paymentChannels, { functionName: 'claim', args: [toClaim(voucher)] })
}
