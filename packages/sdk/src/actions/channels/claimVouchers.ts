/** Action: redeem many vouchers in one transaction. */
import type { Address } from 'viem'
import type { SignedVoucher } from '../../channels/voucher.ts'
import type { WriteClient, WriteContractAndWaitErrorType } from '../write.ts'
import { type RedeemReturnType, redeem, toClaim } from './redeem.ts'

export type ClaimVouchersParameters = {
  paymentChannels: Address
  vouchers: SignedVoucher[]
  /** Each channel's token: when given, vouchers are sorted by token so each token is paid with one transfer. */
  tokens?: Map<bigint, Address>
}
export type ClaimVouchersReturnType = RedeemReturnType
export type ClaimVouchersErrorType = WriteContractAndWaitErrorType

/**
 * Redeems many vouchers in one transaction; the client must be the payee of every channel. Sorted by token here,
 * so each token is paid with one transfer.
 *
 * @example
 * const { paid, gasUsed } = await claimVouchers(payee, { paymentChannels, vouchers: [a, b] })
 */
export function claimVouchers(
  client: WriteClient,
  { paymentChannels, vouchers, tokens }: ClaimVouchersParameters,
): Promise<ClaimVouchersReturnType> {
  const sorted = tokens
    ? [...vouchers].sort((a, b) => (tokens.get(a.channelId) ?? '').localeCompare(tokens.get(b.channelId) ?? ''))
    : vouchers
  return redeem(client, paymentChannels, { functionName: 'claimBatch', args: [sorted.map(toClaim)] })
}
