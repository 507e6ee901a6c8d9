/**
 * Starts the node's paid-inference roles after the chain and the index are ready: a miner (models, prices, claims)
 * and a gateway (discovery, channels, routing). With `auto` both run on the devnet, so `npm start` is a working
 * market; on an external chain each is turned on explicitly with its key.
 *
 * The gateway discovers miners only when `openGateway` is called: the node calls it once every miner it runs (the
 * demo subnet's too) listens at the endpoint it published, so the first discovery meets no stale endpoint.
 */
import type { Address } from 'viem'
import type { Common, RoleContext } from '../common/common.ts'
import { NodeError } from '../common/errors.ts'
import { keptPorts } from '../common/ports.ts'
import { roleEnabled } from '../config/options.ts'
import type { Db } from '../db/database.ts'
import { paidRequestsByModel, recentMinerVouchers } from '../db/stores/minerLedger.ts'
import { createGateway, type Gateway } from '../gateway/gateway.ts'
import type { Model } from '../inference/backend.ts'
import { loadModels } from '../inference/models.ts'
import { loadSessionKey } from '../keys/nodeKey.ts'
import { ModelByCidError } from '../markets/errors.ts'
import { isModelCid, loadModelsByCid } from '../markets/modelByCid.ts'
import { type Miner, startMiner } from '../miner/miner.ts'
import type { ReceiptIssuer } from '../miner/receipts.ts'
import { type Price, parsePrice, priceJson } from '../payments/pricing.ts'
import { type AccountOf, walletFor } from './accounts.ts'
import type { KeyUse } from './keysInUse.ts'

/** Prices of the built-in models unless configured: digits per image, text per request plus per 1,000 characters. */
export const DEFAULT_PRICES: Record<string, Price> = {
  digits: { perRequest: 1_000n, per1kUnits: 0n },
  text: { perRequest: 100n, per1kUnits: 1_000n },
  '*': { perRequest: 1_000n, per1kUnits: 0n },
}

export type Roles = {
  miner?: Miner
  gateway?: Gateway
  /** The keys the roles sign with (published in node.json, so no other process takes them over). */
  keys: KeyUse[]
  view: () => unknown
  /**
   * Discovers the miners in the index (bring it up to date first), opens channels to them and rediscovers every 10 s;
   * returns the stop of that loop.
   */
  openGateway: () => Promise<() => Promise<void>>
  stop: () => Promise<void>
}

export async function startRoles(
  common: Common,
  ctx: RoleContext & {
    addresses: {
      paymentChannels: Address
      subnetRegistry: Address
      epochs: Address
      testUsd?: Address | undefined
      modelRegistry?: Address | undefined
    }
    /** The miner's models when the node began loading them already (it then owns them). */
    minerModels?: Promise<Model[]> | undefined
    /** The roles' accounts, resolved by the wiring from their options (asked for only for roles that are on). */
    accountOf: AccountOf
    /** The miner's receipt issuer for its key (app/startProvenance.ts); without it the miner signs no receipts. */
    receiptsFor?: ((setting: 'minerKey') => ReceiptIssuer) | undefined
  },
): Promise<Roles> {
  const { options, logger } = common
  const on = (value: 'auto' | 'on' | 'off') => roleEnabled(value, ctx.devnet)
  const roles: Roles = {
    keys: [],
    view: () => paymentsView(ctx.db, roles),
    openGateway: async () => async () => {},
    stop: async () => {},
  }
  if (!on(options.miner) && !on(options.gateway)) return roles
  const token = (options.paymentToken ?? ctx.addresses.testUsd) as Address | undefined
  if (!token) {
    throw new NodeError(
      'NO_PAYMENT_TOKEN',
      'Set paymentToken (--payment-token / MYCEL_PAYMENT_TOKEN) to the ERC-20 the market is paid in.',
      { exitCode: 2 },
    )
  }
  const stops: (() => Promise<void>)[] = []
  roles.stop = async () => {
    for (const stop of stops.reverse()) await stop()
  }
  // Unlocked while the miner starts (scrypt on the thread pool); a failure is reported when the gateway needs it.
  const session = on(options.gateway) ? loadSessionKey(options.dataDir) : undefined
  const ports = keptPorts(options.dataDir)
  session?.catch(() => {})
  try {
    if (on(options.miner)) {
      const account = ctx.accountOf('minerKey')
      roles.keys.push({ role: 'miner', address: account.address })
      const local = await (ctx.minerModels ?? loadModels(options.minerModels.filter((spec) => !isModelCid(spec))))
      const cids = options.minerModels.filter(isModelCid)
      let models = local
      if (cids.length > 0) {
        const modelRegistry = ctx.addresses.modelRegistry
        try {
          if (!modelRegistry) throw new ModelByCidError(cids[0] as string, 'this chain has no ModelRegistry')
          models = [...local, ...(await loadModelsByCid(cids, { client: ctx.client, store: ctx.store, modelRegistry }))]
        } catch (error) {
          await Promise.all(local.map((m) => m.close()))
          throw error
        }
      }
      const priceOf = (id: string): Price => {
        const configured = options.minerPrices[id] ?? options.minerPrices['*']
        if (configured) return parsePrice(configured, `minerPrices.${id}`)
        return DEFAULT_PRICES[id] ?? (DEFAULT_PRICES['*'] as Price)
      }
      let served: { model: (typeof models)[number]; price: Price }[]
      try {
        served = models.map((model) => ({ model, price: priceOf(model.id) }))
      } catch (error) {
        await Promise.all(models.map((m) => m.close()))
        throw new NodeError('INVALID_CONFIG', `Invalid config: ${(error as Error).message}.`, { exitCode: 2 })
      }
      roles.miner = await startMiner(common, {
        db: ctx.db,
        client: ctx.client,
        wallet: walletFor(account, ctx.chain, ctx.rpcUrl, options.pollIntervalMs),
        chainId: ctx.chainId,
        paymentChannels: ctx.addresses.paymentChannels,
        registry: ctx.addresses.subnetRegistry,
        token,
        models: served,
        host: options.host,
        // Port 0: any free port, the one it had last time when that is free (its endpoint on chain stays right).
        port: options.minerPort === 0 ? await ports.take('miner', options.host) : options.minerPort,
        publicUrl: options.minerPublicUrl,
        subnets: options.minerSubnets,
        store: ctx.store,
        policy: {
          threshold: BigInt(options.claimThreshold),
          maxAgeMs: options.claimMaxAgeSeconds * 1000,
          safetySeconds: 300n,
          maxBatch: 100,
        },
        tickMs: Math.max(options.pollIntervalMs, 200),
        // A devnet test account (only accepted on the devnet) buys the licenses it lacks with test money.
        buyLicenses: options.minerKey.startsWith('dev:'),
        receipts: ctx.receiptsFor?.('minerKey'),
      })
      stops.push(() => (roles.miner as Miner).stop())
      if (options.minerPort === 0 && !options.minerPublicUrl) ports.keep('miner', roles.miner.url)
    }
    if (on(options.gateway)) {
      const payer = ctx.accountOf('gatewayKey')
      roles.keys.push({ role: 'gateway', address: payer.address })
      const gateway = createGateway(common, {
        db: ctx.db,
        client: ctx.client,
        wallet: walletFor(payer, ctx.chain, ctx.rpcUrl, options.pollIntervalMs),
        session: await (session as ReturnType<typeof loadSessionKey>),
        chainId: ctx.chainId,
        paymentChannels: ctx.addresses.paymentChannels,
        token,
        budget: BigInt(options.gatewayBudget),
        channelDeposit: BigInt(options.gatewayChannelDeposit),
        epochs: ctx.addresses.epochs,
      })
      roles.gateway = gateway
      roles.openGateway = async () => {
        await gateway.discover()
        // A channel to this node's own miner now, so its first request does not wait for one (with no miner of its
        // own, to every miner); other miners get theirs with their first request.
        const own = roles.miner?.payee.toLowerCase()
        const opened = await gateway.ensureChannels((m) => own === undefined || m.payee.toLowerCase() === own)
        logger.info({ msg: 'gateway ready', miners: gateway.miners().length, channels: opened.length })
        let stopped = false
        let timer: NodeJS.Timeout | undefined
        const rediscover = async () => {
          try {
            await gateway.discover()
          } catch (error) {
            logger.warn({ msg: 'gateway discovery failed', err: (error as Error).message })
          } finally {
            if (!stopped) timer = setTimeout(rediscover, 10_000)
          }
        }
        timer = setTimeout(rediscover, 10_000)
        return async () => {
          stopped = true
          if (timer) clearTimeout(timer)
        }
      }
    }
  } catch (error) {
    await roles.stop()
    throw error
  }
  return roles
}

/** What `/api/payments` and the dashboard show. */
function paymentsView(db: Db, roles: Roles) {
  const miner = roles.miner
  const gateway = roles.gateway
  const recent = recentMinerVouchers(db, 20)
  const paid = paidRequestsByModel(db)
  return {
    miner: miner && {
      url: miner.url,
      payee: miner.payee,
      offerCid: miner.offerCid,
      token: miner.offer.token,
      models: miner.models.map((m) => ({
        id: m.model.id,
        task: m.model.text ? 'text-generation' : 'tensor',
        backend: m.model.backend,
        price: priceJson(m.price),
        paidRequests: paid.find((p) => p.model === m.model.id)?.n ?? 0,
      })),
      channels: miner.ledger.channels().map((c) => ({
        channelId: c.channelId.toString(),
        payer: c.payer,
        modelId: c.modelId?.toString() ?? null,
        deposit: miner.cache.get(c.channelId)?.deposit.toString() ?? null,
        served: c.served.toString(),
        servedRequests: c.servedRequests,
        voucher: c.best.cumulativeAmount.toString(),
        claimed: c.claimed.toString(),
        pending: (c.best.cumulativeAmount - c.claimed).toString(),
        closed: c.closed,
      })),
      recentRequests: recent.map((r) => ({
        channelId: r.channel_id,
        model: r.model,
        price: r.price,
        cumulativeAmount: BigInt(r.cumulative_amount).toString(),
        at: new Date(r.received_at).toISOString(),
      })),
    },
    gateway: gateway && {
      ...(() => {
        const s = gateway.stats()
        return { paidRequests: s.paidRequests, failedAttempts: s.failedAttempts, deposited: s.deposited.toString() }
      })(),
      miners: gateway.miners().map((m) => ({
        payee: m.payee,
        endpoint: m.endpoint,
        offerCid: m.offerCid,
        latencyMs: Math.round(m.latencyMs * 10) / 10,
        healthy: m.failures === 0,
        models: [...m.models].map(([id, o]) => ({ id, task: o.task, price: priceJson(o.price) })),
      })),
      ranking: gateway.ranking(),
      channels: gateway.ledger.channels().map((c) => ({
        channelId: c.channelId.toString(),
        payee: c.payee,
        modelId: c.modelId?.toString() ?? null,
        deposit: c.deposit.toString(),
        committed: c.committed.toString(),
        requests: c.requests.toString(),
        units: c.units.toString(),
        remaining: (c.deposit - c.committed).toString(),
      })),
    },
  }
}
