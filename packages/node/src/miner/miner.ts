/**
 * The miner role: serves models over HTTP and is paid per request through payment channels. `startMiner` composes
 * its parts:
 *
 * - routes.ts: the HTTP API (OpenAI-compatible text routes, KServe v2 tensor routes, the offer, open weights);
 * - admission.ts: whether a request is paid for (a voucher checked and recorded by the {@link MinerLedger}, a 402
 *   with the payment requirements, or a validator's signed request served free), and what it cost once served;
 * - offerPublishing.ts: the offer (models, prices, payee, contract) whose CID is published on chain as the neuron's
 *   metadata, so a gateway can check that what the endpoint says is what the miner committed to;
 * - claims.ts: the {@link Claimer}, which redeems vouchers in batches, checked every `tickMs` with the channels'
 *   events.
 */
import type { Server } from 'node:http'
import { cidOfBytes, type WriteClient } from '@mycel/sdk'
import type { Address, PublicClient } from 'viem'
import type { Common } from '../common/common.ts'
import type { ContentStore } from '../content/contentStore.ts'
import type { Db } from '../db/database.ts'
import { listen } from '../http/server.ts'
import type { MinerOffer } from '../inference/offer.ts'
import { createMarket, type Market } from '../markets/licenses.ts'
import { type ChannelCache, createChannelCache } from '../payments/channelCache.ts'
import { createVerifierPool } from '../payments/verifierPool.ts'
import { createX402Exact } from '../payments/x402Settle.ts'
import { createMinerAdmission } from './admission.ts'
import { type Claimer, type ClaimPolicy, createClaimer } from './claims.ts'
import { createMinerLedger, type MinerLedger } from './ledger.ts'
import { ensureLicenses, type LicenseCheck } from './licensing.ts'
import { marketPriceChanged, type PreparedOffer, prepareOffer, registerInSubnets } from './offerPublishing.ts'
import type { ReceiptIssuer } from './receipts.ts'
import { createMinerApp } from './routes.ts'
import type { ServedModel } from './served.ts'

export type Miner = {
  url: string
  payee: Address
  offer: MinerOffer
  offerCid: string
  ledger: MinerLedger
  claimer: Claimer
  cache: ChannelCache
  models: ServedModel[]
  /** The subnets it is registered in. */
  netuids: bigint[]
  /** Its licenses of the served models with license terms, as checked (or bought) at start. */
  licenses: LicenseCheck[]
  stop: () => Promise<void>
}

export type StartMinerParameters = {
  db: Db
  client: PublicClient
  wallet: WriteClient
  chainId: number
  paymentChannels: Address
  registry: Address
  token: Address
  models: ServedModel[]
  host: string
  port: number
  /** Public URL published on chain; defaults to http://host:port. */
  publicUrl?: string | undefined
  /** Subnets (by name) to register in, or `auto`; those that do not exist are skipped with a warning. */
  subnets: string[]
  store: ContentStore
  policy: ClaimPolicy
  /** Milliseconds between claim checks and channel-event polls. */
  tickMs: number
  /** How long after an answer its metered cost may be missing from vouchers (default METERED_GRACE_MS). */
  meteredGraceMs?: number
  /** Buy the licenses it lacks at start (a devnet test account); otherwise it logs which to buy (miner/licensing.ts). */
  buyLicenses?: boolean
  /** Signs and stores each answer's provenance receipt (docs/provenance.md). */
  receipts?: ReceiptIssuer | undefined
}

/** How long a failed publication of a republished offer waits before the next try. */
const RETRY_PUBLISH_MS = 30_000

export async function startMiner(common: Common, p: StartMinerParameters): Promise<Miner> {
  const { logger, metrics } = common
  const log = logger.child({ role: 'miner' })
  const payee = p.wallet.account.address
  const verifier = createVerifierPool({ chainId: p.chainId, paymentChannels: p.paymentChannels })
  const cache = await createChannelCache(p.client, p.paymentChannels)
  // One reader of the model market (terms, licenses) for admission, claims and the offer.
  const market: Market = createMarket({ client: p.client, paymentChannels: p.paymentChannels })
  const ledger = createMinerLedger({
    db: p.db,
    payee,
    verifier,
    cache,
    safetySeconds: p.policy.safetySeconds,
    ...(p.meteredGraceMs === undefined ? {} : { meteredGraceMs: p.meteredGraceMs }),
    log,
  })
  const claimer = createClaimer(common, {
    db: p.db,
    ledger,
    cache,
    wallet: p.wallet,
    paymentChannels: p.paymentChannels,
    policy: p.policy,
    market,
  })
  // Watch every channel that still owes something from before a restart: a close request or a key change there
  // must be seen even if no new voucher arrives.
  await Promise.all(
    ledger
      .channels()
      .filter((row) => !row.closed && row.best.cumulativeAmount > row.claimed)
      .map((row) => cache.load(row.channelId).catch(() => undefined)),
  )
  const stopping = new AbortController()
  const admission = createMinerAdmission({
    client: p.client,
    registry: p.registry,
    chainId: p.chainId,
    paymentChannels: p.paymentChannels,
    payee,
    token: p.token,
    ledger,
    metrics,
    market,
    // x402 `exact`, settled by the miner itself when its token has EIP-3009 (docs/x402.md).
    x402: await createX402Exact({
      client: p.client,
      wallet: p.wallet,
      db: p.db,
      txQueue: common.txQueue,
      chainId: p.chainId,
      token: p.token,
    }),
  })
  let published: PreparedOffer | undefined
  const weightCids = new Map<string, Uint8Array>()
  const app = createMinerApp({
    store: p.store,
    payee,
    token: p.token,
    models: p.models,
    admission,
    ledger,
    metrics,
    log,
    stopping: stopping.signal,
    offerBytes: () => published?.bytes,
    content: (cid) => weightCids.get(cid),
    receipts: p.receipts,
  })

  const { server, port } = await listen(app, p.host, p.port, {
    what: 'miner port',
    setting: '--miner-port / MYCEL_MINER_PORT',
  })
  const url = p.publicUrl ?? `http://${p.host}:${port}`
  const closeServer = () =>
    new Promise<void>((r) => {
      ;(server as Server).close(() => r())
      ;(server as Server).closeAllConnections()
    })

  let offerCid: string
  let licenses: LicenseCheck[]
  const publishWeights = (cid: string, bytes: Uint8Array) => weightCids.set(cid, bytes)
  try {
    const prepared = await prepareOffer({ ...p, payee, market }, url, publishWeights)
    // Served from here on: a gateway reading the offer while the miner registers finds it.
    published = prepared
    offerCid = await cidOfBytes(prepared.bytes)
    const buy = p.buyLicenses ?? false
    licenses = await ensureLicenses({ offer: prepared.offer, market, wallet: p.wallet, buy }, log)
    admission.netuids.push(...(await registerInSubnets(p, url, prepared.cid, log)))
  } catch (error) {
    await closeServer()
    await verifier.close()
    throw error
  }

  /**
   * A governance vote moved a served model's min price: the offer states the new price (served at once: admission
   * already charges it), then its CID goes on chain. A failed registration is retried from the prepared offer (no
   * second hashing of the weights) after RETRY_PUBLISH_MS.
   */
  let unpublished: { prepared: PreparedOffer; retryAt: number } | undefined
  async function republishOnPriceChange() {
    if (!unpublished) {
      if (!published || !(await marketPriceChanged(p.models, market, published.offer))) return
      const prepared = await prepareOffer({ ...p, payee, market }, url, publishWeights)
      published = prepared
      offerCid = await cidOfBytes(prepared.bytes)
      unpublished = { prepared, retryAt: 0 }
    }
    if (Date.now() < unpublished.retryAt) return
    try {
      await registerInSubnets(p, url, unpublished.prepared.cid, log)
    } catch (error) {
      unpublished.retryAt = Date.now() + RETRY_PUBLISH_MS
      throw error
    }
    unpublished = undefined
    log.info({
      msg: 'offer republished: a model market price changed',
      offer: offerCid,
      prices: p.models.map((m) => ({ model: m.model.id, perRequest: m.price.perRequest.toString() })),
    })
  }

  let stopped = false
  let timer: NodeJS.Timeout | undefined
  const tick = async () => {
    try {
      await cache.poll()
      await claimer.claimDue()
      await republishOnPriceChange()
    } catch (error) {
      log.warn({ msg: 'miner tick failed', err: (error as Error).message.split('\n')[0] })
    } finally {
      if (!stopped) timer = setTimeout(tick, p.tickMs)
    }
  }
  timer = setTimeout(tick, p.tickMs)
  log.info({ msg: 'miner listening', url, payee, models: p.models.map((m) => m.model.id), offer: offerCid })

  return {
    url,
    payee,
    get offer() {
      return (published as PreparedOffer).offer
    },
    get offerCid() {
      return offerCid
    },
    ledger,
    claimer,
    cache,
    models: p.models,
    netuids: admission.netuids,
    licenses,
    stop: async () => {
      stopped = true
      stopping.abort()
      if (timer) clearTimeout(timer)
      await closeServer()
      ledger.flush()
      await verifier.close()
      await Promise.all(p.models.map((m) => m.model.close()))
    },
  }
}
