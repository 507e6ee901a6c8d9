/** Shared by claimVoucher and claimVouchers (not exported from the package): send the claim, add up what it paid. */
import { type Address, type Hash, parseEventLogs } from 'viem'
import type { SignedVoucher } from '../../channels/voucher.ts'
import { paymentChannelsAbi } from '../../contracts.ts'
import { type WriteClient, writeContractAndWait } from '../write.ts'

export type RedeemReturnType = {
  hash: Hash
  /** What left the channels now (the payee received `paid - royalties`). */
  paid: bigint
  /** The part of `paid` retained for models' royalty routes by the vouchers' model splits (credited at once for a
   * general split, when settled for a model channel: see `settleRoyalties`). */
  royalties: bigint
  gasUsed: bigint
}

/** The contract's `Claim`: a plain voucher has an empty `models`. */
export const toClaim = (v: SignedVoucher) => ({
  channelId: v.channelId,
  cumulativeAmount: v.cumulativeAmount,
  cumulativeRequests: v.cumulativeRequests,
  cumulativeUnits: v.cumulativeUnits,
  models: (v.models ?? []).map(({ modelId, cumulativeAmount }) => ({ modelId, cumulativeAmount })),
  signature: v.signature,
})

/** Sends `claim` or `claimBatch` and adds up what the claims paid now and the royalties in it. */
export async function redeem(
  client: WriteClient,
  paymentChannels: Address,
  call:
    | { functionName: 'claim'; args: [ReturnType<typeof toClaim>] }
    | { functionName: 'claimBatch'; args: [ReturnType<typeof toClaim>[]] },
): Promise<RedeemReturnType> {
  const { hash, receipt } = await writeContractAndWait(client, {
    address: paymentChannels,
    abi: paymentChannelsAbi,
    ...call,
  })
  const claimed = parseEventLogs({ abi: paymentChannelsAbi, eventName: 'ChannelClaimed', logs: receipt.logs })
  const paid = claimed.reduce((sum, e) => sum + e.args.amount, 0n)
  const royalties = claimed.reduce((sum, e) => sum + e.args.royalties, 0n)
  return { hash, paid, royalties, gasUsed: receipt.gasUsed }
}
