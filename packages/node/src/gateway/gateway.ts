/**
 * The gateway role: what an app points the official `openai` client at. It finds miners and their prices on chain
 * (each miner's offer document is committed by CID in the registry and checked against what its endpoint serves),
 * opens and tops up a channel per miner within a budget, pays each request with a voucher signed by its session key
 * (recorded before it is sent), spreads requests over the miners by the validators' measure (the latest final
 * epoch's consensus incentive), price, latency and health, retries on another miner when one fails
 * before answering (the failed attempt's price is released, so nothing is paid twice), and streams through.
 *
 * This file composes the parts: discovery.ts (miners, health, selection by ranking.ts over incentives.ts), channels.ts (open, top-up, session cap),
 * forward.ts (payment, settlement, streaming), routes.ts (HTTP), ledger.ts (what is committed and signed).
 */
import type { WriteClient } from '@mycel/sdk'
import type { Hono } from 'hono'
import type { Address, Hex, PublicClient } from 'viem'
import type { LocalAccount } from 'viem/accounts'
import type { Common } from '../common/common.ts'
import type { Db } from '../db/database.ts'
import { createVoucherSigner } from '../payments/voucherSigner.ts'
import { createGatewayChannels } from './channels.ts'
import { createMinerDirectory, type MinerEntry, type RankingRow } from './discovery.ts'
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
  const channels = createGatewayChannels(common, {
    log,
    ledger,
    wallet: p.wallet,
    session: p.session,
    paymentChannels: p.paymentChannels,
    token: p.token,
    budget: p.budget,
    channelDeposit: p.channelDeposit,
  })
  const forwarder = createForwarder(common, { ledger, directory, channels, token: p.token })
  const app = createGatewayRoutes({ log, directory, forwarder, token: p.token })

  return {
    app,
    discover: directory.discover,
    ensureChannels: (accept) => channels.ensureChannels(directory.entries.values(), accept),
    miners: () => [...directory.entries.values()],
    ranking: directory.ranking,
    ledger,
    stats: () => ({
      paidRequests: forwarder.paidRequests(),
      failedAttempts: directory.failedAttempts(),
      deposited: channels.deposited(),
      discoveries: directory.discoveries(),
    }),
  }
}
