/**
 * The gateway role: what an app points the official `openai` client at. It finds miners and their prices on chain
 * (each miner's offer document is committed by CID in the registry and checked against what its endpoint serves),
 * opens and tops up a channel per miner within a budget, pays each request with a voucher signed by its session key
 * (recorded before it is sent), spreads requests over the miners by the validators' measure (the latest final
 * epoch's consensus incentive), price, latency and health, retries on another miner when one fails
 * before answering (the failed attempt's price is released, so nothing is paid twice), and streams through.
 *
 * This file composes the parts: discovery.ts (miners, health, selection by ranking.ts over incentives.ts), channels.ts (open, top-up, session cap),
 * forward.ts (payment, settlement, streaming), routes.ts (HTTP), ledger.ts (what is committed and signed), charge.ts
 * (what clients pay the gateway: nothing, or x402 `exact` per request; docs/x402.md).
 *
 * The channels' budget is `budget` plus what clients paid with x402 (a getter, read at each open or top-up). Inside a
 * request its client paid for, a channel that the budget cannot top up by `channelDeposit` is topped up by just what
 * the request needs instead (a second channels instance with no minimum deposit), so a paid request is served even
 * when the budget is spent.
 */
import type { WriteClient } from '@mycel/sdk'
import type { Hono } from 'hono'
import type { Address, Hex, PublicClient } from 'viem'
import type { LocalAccount } from 'viem/accounts'
import type { Common } from '../common/common.ts'
import type { Db } from '../db/database.ts'
import { createVoucherSigner } from '../payments/voucherSigner.ts'
import { createX402Exact } from '../payments/x402Settle.ts'
import { createGatewayChannels, type GatewayChannels } from './channels.ts'
import { createGatewayCharge, type GatewayCharge, type GatewayChargeMode } from './charge.ts'
import { createMinerDirectory, type MinerEntry, type RankingRow } from './discovery.ts'
import { BudgetExhaustedError } from './errors.ts'
import { createForwarder } from './forward.ts'
import { createIncentiveReader } from './incentives.ts'
import { createGatewayLedger, type GatewayChannel, type GatewayLedger } from './ledger.ts'
import { createGatewayRoutes } from './routes.ts'

export type GatewayParameters = {
  db: Db
  client: PublicClient
  /** The payer: opens channels and deposits. */
  wallet: WriteClient
  /** The hot key that signs vouchers. */
  session: { account: LocalAccount; privateKey: Hex }
  chainId: number
  paymentChannels: Address
  token: Address
  /** Most the gateway deposits in all channels together (token units). */
  budget: bigint
  /** Deposit of each new channel, and of each top-up (token units). */
  channelDeposit: bigint
  /** The Epochs contract: miners are ranked by their incentive in its latest final epochs (none: all unmeasured). */
  epochs?: Address | undefined
  /** The random source of the weighted choice of miners (tests pass a seeded one; default Math.random). */
  random?: (() => number) | undefined
  /** What clients pay (charge.ts); default the node's `gatewayCharge` option. */
  charge?: GatewayChargeMode | undefined
  /** Markup on x402 charges in basis points; default the node's `gatewayMarkupBps` option. */
  markupBps?: number | undefined
}

export type Gateway = {
  app: Hono
  discover: () => Promise<MinerEntry[]>
  /** Opens a channel to every discovered miner that has none (within the budget), or to those `accept` picks. */
  ensureChannels: (accept?: (miner: MinerEntry) => boolean) => Promise<GatewayChannel[]>
  miners: () => MinerEntry[]
  /** Every model's miners with their incentive, latency, weight and expected share of traffic. */
  ranking: () => RankingRow[]
  ledger: GatewayLedger
  /** What clients pay the gateway (x402), and what they paid. */
  charge: GatewayCharge
  /** `discoveries`: how many times the index's miners were gone through (shared calls count once). */
  stats: () => { paidRequests: number; failedAttempts: number; deposited: bigint; discoveries: number }
}

export function createGateway(common: Common, p: GatewayParameters): Gateway {
  const log = common.logger.child({ role: 'gateway' })
  const ledger = createGatewayLedger({
    db: p.db,
    sign: createVoucherSigner({ chainId: p.chainId, paymentChannels: p.paymentChannels }, p.session.privateKey),
  })
  const directory = createMinerDirectory(common, {
    db: p.db,
    log,
    chainId: p.chainId,
    paymentChannels: p.paymentChannels,
    token: p.token,
    incentives: p.epochs && createIncentiveReader({ db: p.db, client: p.client, epochs: p.epochs, log }),
    random: p.random,
  })
  const charge = createGatewayCharge(common, {
    log,
    mode: p.charge ?? common.options.gatewayCharge,
    markupBps: p.markupBps ?? common.options.gatewayMarkupBps,
    directory,
    chainId: p.chainId,
    payTo: p.wallet.account.address,
    exact: createX402Exact({
      client: p.client,
      wallet: p.wallet,
      db: p.db,
      txQueue: common.txQueue,
      chainId: p.chainId,
      token: p.token,
    }),
  })
  const channelsWith = (channelDeposit: bigint) =>
    createGatewayChannels(common, {
      log,
      ledger,
      wallet: p.wallet,
      session: p.session,
      paymentChannels: p.paymentChannels,
      token: p.token,
      // The budget rule of docs/x402.md: deposits ≤ gatewayBudget + what clients paid with x402.
      get budget() {
        return p.budget + charge.received()
      },
      channelDeposit,
    })
  const channels = channelsWith(p.channelDeposit)
  const paidTopUps = channelsWith(0n)
  const routed: GatewayChannels = {
    ...channels,
    channelFor: (miner, need) =>
      channels.channelFor(miner, need).catch((error: unknown) => {
        if (error instanceof BudgetExhaustedError && charge.paying()) return paidTopUps.channelFor(miner, need)
        throw error
      }),
  }
  const forwarder = createForwarder(common, { ledger, directory, channels: routed, token: p.token })
  const app = createGatewayRoutes({ log, directory, forwarder, charge, token: p.token })

  return {
    app,
    discover: directory.discover,
    ensureChannels: (accept) => channels.ensureChannels(directory.entries.values(), accept),
    miners: () => [...directory.entries.values()],
    ranking: directory.ranking,
    ledger,
    charge,
    stats: () => ({
      paidRequests: forwarder.paidRequests(),
      failedAttempts: directory.failedAttempts(),
      deposited: channels.deposited(),
      discoveries: directory.discoveries(),
    }),
  }
}
