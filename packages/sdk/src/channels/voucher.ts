/**
 * Payment-channel vouchers: EIP-712 messages `{channelId, cumulativeAmount, cumulativeRequests, cumulativeUnits}`
 * in the domain of one PaymentChannels contract on one chain. Each voucher supersedes the previous one; the payee
 * redeems only the latest. Signing and hashing here match `PaymentChannels.voucherDigest` bit for bit (tested).
 *
 * A voucher paying for models with license terms carries a model split (`RoyaltyVoucher`: the same fields plus
 * `models`, the cumulative amount per model, ids ascending); it matches `royaltyVoucherDigest`. An empty split is
 * the plain `Voucher`: {signVoucher} and friends pick the type from the split, so callers need not.
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

/** EIP-712 types of a voucher with a model split (`RoyaltyVoucher`). */
export const royaltyVoucherTypes = {
  RoyaltyVoucher: [
    { name: 'channelId', type: 'uint256' },
    { name: 'cumulativeAmount', type: 'uint96' },
    { name: 'cumulativeRequests', type: 'uint64' },
    { name: 'cumulativeUnits', type: 'uint64' },
    { name: 'models', type: 'ModelAmount[]' },
  ],
  ModelAmount: [
    { name: 'modelId', type: 'uint256' },
    { name: 'cumulativeAmount', type: 'uint96' },
  ],
} as const

/** The cumulative amount a voucher pays for one model with terms. */
export type ModelAmount = { modelId: bigint; cumulativeAmount: bigint }

export type Voucher = {
  channelId: bigint
  /** Total the payer owes on this channel so far, in the token's smallest unit. */
  cumulativeAmount: bigint
  /** Total requests paid for so far. */
  cumulativeRequests: bigint
  /** Total metered units (e.g. tokens generated) paid for so far. */
  cumulativeUnits: bigint
  /**
   * Cumulative amount per model with terms, ids strictly ascending, each > 0, sum ≤ `cumulativeAmount`. Absent or
   * empty: a plain `Voucher` (models without terms only).
   */
  models?: readonly ModelAmount[]
}

export type SignedVoucher = Voucher & { signature: Hex }

/** A voucher with a non-empty model split. */
export type RoyaltyVoucher = Voucher & { models: readonly ModelAmount[] }

/** The EIP-712 type and message of `voucher`: `Voucher` for an empty split, `RoyaltyVoucher` otherwise. */
export function voucherTypedData(voucher: Voucher) {
  const { channelId, cumulativeAmount, cumulativeRequests, cumulativeUnits } = voucher
  const plain = { channelId, cumulativeAmount, cumulativeRequests, cumulativeUnits }
  if (!voucher.models || voucher.models.length === 0) {
    return { types: voucherTypes, primaryType: 'Voucher', message: plain } as const
  }
  const models = voucher.models.map(({ modelId, cumulativeAmount }) => ({ modelId, cumulativeAmount }))
  return { types: royaltyVoucherTypes, primaryType: 'RoyaltyVoucher', message: { ...plain, models } } as const
}

/** Where a voucher is valid: one PaymentChannels contract on one chain. */
export type VoucherDomain = { chainId: number; paymentChannels: `0x${string}` }

export const voucherDomain = ({ chainId, paymentChannels }: VoucherDomain) =>
  ({ name: 'MycelPaymentChannels', version: '1', chainId, verifyingContract: paymentChannels }) as const

/** The EIP-712 digest of `voucher`, as the contract computes it (`voucherDigest` or `royaltyVoucherDigest`). */
export function hashVoucher(domain: VoucherDomain, voucher: Voucher): Hex {
  return hashTypedData({ domain: voucherDomain(domain), ...voucherTypedData(voucher) } as never)
}

/**
 * Signs `voucher` with a local account (the payer, or its session key); a voucher with a model split is signed as a
 * `RoyaltyVoucher`.
 *
 * @example
 * const signature = await signVoucher(sessionKey, { chainId: 31337, paymentChannels }, { channelId: 1n, cumulativeAmount: 1000n, cumulativeRequests: 1n, cumulativeUnits: 12n })
 * const split = await signVoucher(sessionKey, { chainId: 31337, paymentChannels }, { channelId: 1n, cumulativeAmount: 1000n, cumulativeRequests: 1n, cumulativeUnits: 12n, models: [{ modelId: 2n, cumulativeAmount: 600n }] })
 */
export async function signVoucher(account: LocalAccount, domain: VoucherDomain, voucher: Voucher): Promise<Hex> {
  return account.signTypedData({ domain: voucherDomain(domain), ...voucherTypedData(voucher) } as never)
}

/** The address that signed `voucher` (no chain call). */
export async function recoverVoucherSigner(domain: VoucherDomain, voucher: SignedVoucher): Promise<`0x${string}`> {
  const { signature, ...message } = voucher
  return recoverTypedDataAddress({ domain: voucherDomain(domain), ...voucherTypedData(message), signature } as never)
}
