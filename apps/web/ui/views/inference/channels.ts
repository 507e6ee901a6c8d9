/**
 * One payment channel as the dashboard shows it: a node running both a gateway and a miner holds both ends of its
 * own channel (the gateway pays, the miner is paid), and each end keeps its own books. The two ends are merged by
 * channel id into one entry, with what each end counts and why the counts can differ.
 */
import type { GatewayChannel, MinerChannel } from '../../api.ts'
import { big } from '../../format.ts'

/** A token amount in words (`0.000016 tUSD`). */
export type Amount = (units: string) => string

export type ChannelView = {
  channelId: string
  payer?: string
  payee?: string | undefined
  deposit?: string | undefined
  /** This node's gateway pays on this channel. */
  gateway?: GatewayChannel
  /** This node's miner is paid on this channel. */
  miner?: MinerChannel
  /** Sentences explaining where the two ends' figures differ (empty when they agree or one end is elsewhere). */
  differences: string[]
}

/** Why the gateway's and the miner's figures for one channel differ, in words. */
function differences(gateway: GatewayChannel, miner: MinerChannel, amount: Amount): string[] {
  const notes: string[] = []
  const signed = big(gateway.requests)
  const served = BigInt(miner.servedRequests)
  if (signed > served) {
    notes.push(
      `${signed - served} of the ${signed} requests the gateway paid for were not served: the miner refused the voucher or the request failed, and the gateway released their price.`,
    )
  } else if (served > signed) {
    notes.push(`The miner counts ${served - signed} more requests than this gateway sent: another payer's.`)
  }
  const committed = big(gateway.committed)
  const voucher = big(miner.voucher)
  if (committed > voucher) {
    notes.push(
      `The gateway owes ${amount((committed - voucher).toString())} more than its best voucher carries: metered costs of the latest answers, paid with the next voucher.`,
    )
  }
  return notes
}

/** Both ends' channels, one entry per channel id, in channel-id order. */
export function mergeChannels(
  gateway: GatewayChannel[] = [],
  miner: MinerChannel[] = [],
  payee: string | undefined,
  amount: Amount,
): ChannelView[] {
  const byId = new Map<string, ChannelView>()
  for (const g of gateway) {
    byId.set(g.channelId, { channelId: g.channelId, payee: g.payee, deposit: g.deposit, gateway: g, differences: [] })
  }
  for (const m of miner) {
    const entry = byId.get(m.channelId) ?? { channelId: m.channelId, differences: [] }
    entry.miner = m
    entry.payer = m.payer
    entry.payee ??= payee
    entry.deposit ??= m.deposit ?? undefined
    if (entry.gateway) entry.differences = differences(entry.gateway, m, amount)
    byId.set(m.channelId, entry)
  }
  return [...byId.values()].sort((a, b) => (big(a.channelId) < big(b.channelId) ? -1 : 1))
}
