/**
 * The gateway's miner directory: discovery (the miners in the chain index whose offer documents, committed by CID in
 * the registry, match what their endpoints serve), their health, and selection: who serves a model, in the order to
 * try them — drawn by the weights of ranking.ts (the validators' measure in the latest final epoch, read by
 * incentives.ts, with price and latency), unhealthy ones last — and the ranking as `/api/payments` shows it.
 */
import type { Address } from 'viem'
import type { Common } from '../common/common.ts'
import type { Db } from '../db/database.ts'
import { readPublishedMiners } from '../db/stores/network.ts'
import { fetchOffer, offeredTerms } from '../inference/offer.ts'
import type { Market } from '../markets/licenses.ts'
import { meteredCost, type Price, priceJson } from '../payments/pricing.ts'
import type { IncentiveReader, SubnetStanding } from './incentives.ts'
import type { OfferedModel } from './models.ts'
import { drawOrder, qualityOf, RANKING, type RankInput, rankWeights, trafficShares } from './ranking.ts'

export type MinerEntry = {
  payee: Address
  endpoint: string
  offerCid: string
  models: Map<string, OfferedModel>
  /** Smoothed response time in ms (time to the response headers). */
  latencyMs: number
  failures: number
  lastFailureAt: number
  lastError?: string
  /** Requests it answered (HTTP 200), by model. */
  served: Map<string, number>
  /** The weights CID its offer states per model (how the model market finds a model's registry id). */
  weightsCids?: Map<string, string>
}

/**
 * A miner serving the model asked for, at its price and most units per request; for a model registered with license
 * terms, its registry id (filled by {@link licensedCandidates}).
 */
export type Candidate = { miner: MinerEntry; price: Price; maxUnits: bigint; modelId?: bigint | undefined }

/**
 * The license filter: of `list`, the miners that may be paid for `model` — those serving it outside the market
 * (no registered weights CID, or registered without terms) and those holding a valid license of its registry model
 * (read through markets/licenses.ts, cached a few seconds) — each with the registry id to pay on a model channel.
 * `refused` lists the others with the reason.
 */
export async function licensedCandidates(
  list: Candidate[],
  model: string,
  market: Market,
): Promise<{ licensed: Candidate[]; refused: { miner: MinerEntry; reason: string }[] }> {
  const licensed: Candidate[] = []
  const refused: { miner: MinerEntry; reason: string }[] = []
  for (const candidate of list) {
    const terms = await market.modelOf(candidate.miner.weightsCids?.get(model)).catch(() => undefined)
    if (!terms?.hasTerms) {
      licensed.push(candidate)
      continue
    }
    const license = await market.license(candidate.miner.payee, terms.modelId)
    if (license.valid) licensed.push({ ...candidate, modelId: terms.modelId })
    else refused.push({ miner: candidate.miner, reason: license.reason })
  }
  return { licensed, refused }
}

/** One miner of a model as the ranking sees it (`/api/payments`, `gateway.ranking`). */
export type RankingRow = {
  model: string
  payee: Address
  endpoint: string
  healthy: boolean
  price: { perRequest: string; per1kUnits: string }
  latencyMs: number
  /** What the validators measured, per subnet serving the model (empty: no final epoch measured it). */
  standings: Omit<SubnetStanding, 'taskType'>[]
  /** The quality the weight uses (relative incentive; the prior when not measured). */
  quality: number
  weight: number
  /** Expected share of the model's first attempts. */
  share: number
  served: number
}

export type MinerDirectory = ReturnType<typeof createMinerDirectory>

const RETRY_AFTER_FAILURE_MS = 15_000
/** How long a refused (or unreachable) offer is not read again: each read may take 5 s and 1 MiB. */
const RETRY_REFUSED_OFFER_MS = 30_000
/** Least time between two discoveries started by requests for a model no known miner offers. */
const ON_DEMAND_DISCOVERY_MS = 5_000

export function createMinerDirectory(
  common: Common,
  p: {
    db: Db
    log: Common['logger']
    chainId: number
    paymentChannels: Address
    /** Only models priced in this token are taken from offers. */
    token: Address
    /** The validators' measure (none: every miner counts as unmeasured, the prior). */
    incentives?: IncentiveReader | undefined
    /** The random source of the weighted draw (tests pass a seeded one). */
    random?: (() => number) | undefined
  },
) {
  const { log } = p
  const random = p.random ?? Math.random
  const { metrics } = common
  const miners = new Map<string, MinerEntry>()
  let failedAttempts = 0
  /** The discovery running, shared by every caller meanwhile. */
  let discovering: Promise<MinerEntry[]> | undefined
  let discoveries = 0
  let lastOnDemand = Number.NEGATIVE_INFINITY
  /** Offers refused (by endpoint and CID): not read again before the time stored. */
  const refused = new Map<string, number>()

  /** Reads the offers of the miners in the index that are new or changed; concurrent calls share one discovery. */
  function discover(): Promise<MinerEntry[]> {
    discovering ??= discoverOnce().finally(() => {
      discovering = undefined
    })
    return discovering
  }

  /** A discovery for a request naming a model no known miner offers: at most one every ON_DEMAND_DISCOVERY_MS. */
  async function discoverOnDemand(): Promise<void> {
    if (discovering) {
      await discovering
      return
    }
    if (Date.now() - lastOnDemand < ON_DEMAND_DISCOVERY_MS) return
    lastOnDemand = Date.now()
    await discover()
  }

  async function discoverOnce(): Promise<MinerEntry[]> {
    discoveries += 1
    // The validators' latest measure, beside the offers (a failure keeps the one read before; it logs why).
    const measuring = p.incentives
      ?.refresh()
      .catch((error: Error) => log.warn({ msg: 'validators measure unreadable', err: error.message.split('\n')[0] }))
    const rows = readPublishedMiners(p.db)
    const now = Date.now()
    for (const [key, retryAt] of refused) if (retryAt <= now) refused.delete(key)
    await Promise.all(
      rows.map(async (row) => {
        const key = row.hotkey.toLowerCase()
        const known = miners.get(key)
        if (known && known.offerCid === row.metadata_cid && known.endpoint === row.endpoint) return
        const offerKey = `${row.endpoint}\n${row.metadata_cid}`
        if (refused.has(offerKey)) return
        try {
          const entry = await readOffer(row.hotkey as Address, row.endpoint, row.metadata_cid)
          miners.set(key, {
            ...entry,
            latencyMs: known?.latencyMs ?? 0,
            failures: 0,
            lastFailureAt: 0,
            served: known?.served ?? new Map(),
          })
        } catch (error) {
          refused.set(offerKey, Date.now() + RETRY_REFUSED_OFFER_MS)
          log.warn({
            msg: 'miner offer rejected',
            miner: row.hotkey,
            endpoint: row.endpoint,
            code: (error as { code?: string }).code,
            err: (error as Error).message.split('\n')[0],
          })
        }
      }),
    )
    await measuring
    return [...miners.values()]
  }

  async function readOffer(payee: Address, endpoint: string, cid: string) {
    const offer = await fetchOffer({
      endpoint,
      cid,
      network: { chainId: p.chainId, paymentChannels: p.paymentChannels },
      payee,
    })
    const models = new Map<string, OfferedModel>()
    const weightsCids = new Map<string, string>()
    if (offer.token.toLowerCase() === p.token.toLowerCase()) {
      for (const m of offer.models) {
        if (m.weightsCid) weightsCids.set(m.id, m.weightsCid)
        models.set(m.id, {
          task: m.task,
          ...offeredTerms(m),
          contextLength: m.contextLength,
        })
      }
    }
    return { payee, endpoint: endpoint.replace(/\/+$/, ''), offerCid: cid, models, weightsCids }
  }

  const healthy = (m: MinerEntry) => m.failures === 0 || Date.now() - m.lastFailureAt > RETRY_AFTER_FAILURE_MS

  /** The miners serving `model`, each with its ranking input and weight (in the directory's order). */
  function ranked(model: string) {
    const list: (Candidate & { standings: SubnetStanding[]; input: RankInput })[] = []
    for (const miner of miners.values()) {
      const offered = miner.models.get(model)
      if (!offered) continue
      const standings = p.incentives?.standingsOf(miner.payee, model, offered.task) ?? []
      const input: RankInput = {
        cost: offered.price.perRequest + meteredCost(offered.price, 1000n),
        latencyMs: miner.latencyMs,
        healthy: healthy(miner),
        quality: qualityOf(standings),
      }
      list.push({ miner, price: offered.price, maxUnits: offered.maxUnits, standings, input })
    }
    return { list, weights: rankWeights(list.map((x) => x.input)) }
  }

  /**
   * Miners serving `model` in the order to try them: healthy ones drawn by weight (ranking.ts), so traffic spreads
   * in proportion to the weights; unhealthy ones last.
   */
  function candidates(model: string): Candidate[] {
    const { list, weights } = ranked(model)
    const order = drawOrder(
      weights,
      list.map((x) => x.input.healthy),
      random,
    )
    return order.map((i) => {
      const { miner, price, maxUnits } = list[i] as Candidate
      return { miner, price, maxUnits }
    })
  }

  /** Every model's miners with what their weight is made of and their expected share of its traffic. */
  function ranking(): RankingRow[] {
    const models = new Set<string>()
    for (const miner of miners.values()) for (const id of miner.models.keys()) models.add(id)
    const rows: RankingRow[] = []
    for (const model of [...models].sort()) {
      const { list, weights } = ranked(model)
      const shares = trafficShares(
        weights,
        list.map((x) => x.input.healthy),
      )
      list.forEach((x, i) => {
        rows.push({
          model,
          payee: x.miner.payee,
          endpoint: x.miner.endpoint,
          healthy: x.input.healthy,
          price: priceJson(x.price),
          latencyMs: Math.round(x.miner.latencyMs * 10) / 10,
          standings: x.standings.map(({ taskType: _, ...s }) => s),
          quality: x.input.quality ?? RANKING.prior,
          weight: weights[i] as number,
          share: shares[i] as number,
          served: x.miner.served.get(model) ?? 0,
        })
      })
    }
    return rows
  }

  /** `miner` answered a request for `model` (HTTP 200). */
  function recordServed(miner: MinerEntry, model: string) {
    miner.served.set(model, (miner.served.get(model) ?? 0) + 1)
  }

  /** An attempt at `miner` failed: it goes last for a while (see {@link RETRY_AFTER_FAILURE_MS}). */
  function markFailure(miner: MinerEntry, reason: string) {
    miner.failures += 1
    miner.lastFailureAt = Date.now()
    miner.lastError = reason
    failedAttempts += 1
    metrics.inc('mycel_gateway_failed_attempts_total', 'Attempts a miner failed (retried elsewhere).')
    log.warn({ msg: 'miner attempt failed', miner: miner.payee, reason })
  }

  /** A miner answered after `ms` (to the response headers): smooths its latency. */
  function recordLatency(miner: MinerEntry, ms: number) {
    miner.latencyMs = miner.latencyMs === 0 ? ms : miner.latencyMs * 0.8 + ms * 0.2
  }

  return {
    /** The miners known, by lower-case payee. */
    entries: miners,
    discover,
    discoverOnDemand,
    candidates,
    ranking,
    recordServed,
    markFailure,
    recordLatency,
    failedAttempts: () => failedAttempts,
    discoveries: () => discoveries,
  }
}
