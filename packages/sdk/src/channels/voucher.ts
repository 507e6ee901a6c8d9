/**
 * Payment-channel vouchers: EIP-712 messages `{channelId, cumulativeAmount, cumulativeRequests, cumulativeUnits}`
 * in the domain of one PaymentChannels contract on one chain. Each voucher supersedes the previous one; the payee
 * redeems only the latest. Signing and hashing here match `PaymentChannels.voucherDigest` bit for bit (tested).
 */
import { type Hex, hashTypedData, type LocalAccount, recoverTypedDataAddress } from 'viem'

export const voucherTypes = {
  Voucher: [
    { name: 'channelId', type: 'uint256' },
    { name: 'cumulativeAmount', type: 'uint96' },
    { name: 'cumulativeRequests', type: 'uint64' },
    { name: 'cumulativeUnits', type: 'uint64' },
  ],
} as const

export type Voucher = {
  channelId: bigint
  /** Total the payer owes on this channel so far, in the token's smallest unit. */
  cumulativeAmount: bigint
  /** Total requests paid for so far. */
  cumulativeRequests: bigint
  /** Total metered units (e.g. tokens generated) paid for so far. */
  cumulativeUnits: bigint
}

export type SignedVoucher = Voucher & { signature: Hex }

/** Where a voucher is valid: one PaymentChannels contract on one chain. */
export type VoucherDomain = { chainId: number; paymentChannels: `0x${string}` }

export const voucherDomain = ({ chainId, paymentChannels }: VoucherDomain) =>
  ({ name: 'MycelPaymentChannels', version: '1', chainId, verifyingContract: paymentChannels }) as const

/** The EIP-712 digest of `voucher`, as the contract computes it. */
export function hashVoucher(domain: VoucherDomain, voucher: Voucher): Hex {
  return hashTypedData({ domain: voucherDomain(domain), types: voucherTypes, primaryType: 'Voucher', message: voucher })
}

/**
 * Signs `voucher` with a local account (the payer, or its session key).
 *
 * @example
 * const signature = await signVoucher(sessionKey, { chainId: 31337, paymentChannels }, { channelId: 1n, cumulativeAmount: 1000n, cumulativeRequests: 1n, cumulativeUnits: 12n })
 */
export async function signVoucher(account: LocalAccount, domain: VoucherDomain, voucher: Voucher): Promise<Hex> {
  return account.signTypedData({
    domain: voucherDomain(domain),
    types: voucherTypes,
    primaryType: 'Voucher',
    message: voucher,
  })
}

/** The address that signed `voucher` (no chain call). */
export async function recoverVoucherSigner(domain: VoucherDomain, voucher: SignedVoucher): Promise<`0x${string}`> {
  const { signature, ...message } = voucher
  return recoverTypedDataAddress({
    domain: voucherDomain(domain),
    types: voucherTypes,
    primaryType: 'Voucher',
    message,
    signature,
  })
}
