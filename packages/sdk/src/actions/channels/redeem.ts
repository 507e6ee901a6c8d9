/** Shared by claimVoucher and claimVouchers (not exported from the package): send the claim, add up what it paid. */
import { type Address, type Hash, parseEventLogs } from 'viem'
import type { SignedVoucher } from '../../channels/voucher.ts'
import { paymentChannelsAbi } from '../../contracts.ts'
import { type WriteClient, writeContractAndWait } from '../write.ts'

export type RedeemReturnType = { hash: Hash; paid: bigint; gasUsed: bigint }

export const toClaim = (v: SignedVoucher) => ({
  channelId: v.channelId,
  cumulativeAmount: v.cumulativeAmount,
  cumulativeRequests: v.cumulativeRequests,
  cumulativeUnits: v.cumulativeUnits,
  signature: v.signature,
})

/** Sends `claim` or `claimBatch` and adds up what the claims paid now. */
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
  const paid = parseEventLogs({ abi: paymentChannelsAbi, eventName: 'ChannelClaimed', logs: receipt.logs }).reduce(
    (sum, e) => sum + e.args.amount,
    0n,
  )
  return { hash, paid, gasUsed: receipt.gasUsed }
}
