/**
 * The gateway's miner directory: discovery (the miners in the chain index whose offer documents, committed by CID in
 * the registry, match what their endpoints serve), their health, and selection (who serves a model, cheapest first,
 * then fastest; unhealthy ones last).
 */
import type { Address } from 'viem'
import type { Common } from '../common/common.ts'
import type { Db } from '../db/database.ts'
import { readPublishedMiners } from '../db/stores/network.ts'
import { fetchOffer, offeredTerms } from '../inference/offer.ts'
import { meteredCost, type Price } from '../payments/pricing.ts'
import type { OfferedModel } from './models.ts'

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
}

/** A miner serving the model asked for, at its price and most units per request. */
export type Candidate = { miner: MinerEntry; price: Price; maxUnits: bigint }

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
  },
) {
  const { log } = p
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
          miners.set(key, { ...entry, latencyMs: known?.latencyMs ?? 0, failures: 0, lastFailureAt: 0 })
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
    if (offer.token.toLowerCase() === p.token.toLowerCase()) {
      for (const m of offer.models) {
        models.set(m.id, {
          task: m.task,
          ...offeredTerms(m),
          contextLength: m.contextLength,
        })
      }
    }
    return { payee, endpoint: endpoint.replace(/\/+$/, ''), offerCid: cid, models }
  }

  const healthy = (m: MinerEntry) => m.failures === 0 || Date.now() - m.lastFailureAt > RETRY_AFTER_FAILURE_MS

  /** Miners serving `model`, cheapest first, then fastest; unhealthy ones last. */
  function candidates(model: string): Candidate[] {
    const list: Candidate[] = []
    for (const miner of miners.values()) {
      const offered = miner.models.get(model)
      if (offered) list.push({ miner, price: offered.price, maxUnits: offered.maxUnits })
    }
    const typical = (x: { price: Price }) => x.price.perRequest + meteredCost(x.price, 1000n)
    return list.sort(
      (a, b) =>
        Number(healthy(b.miner)) - Number(healthy(a.miner)) ||
        (typical(a) < typical(b) ? -1 : typical(a) > typical(b) ? 1 : 0) ||
        a.miner.latencyMs - b.miner.latencyMs,
    )
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
    markFailure,
    recordLatency,
    failedAttempts: () => failedAttempts,
    discoveries: () => discoveries,
  }
}
