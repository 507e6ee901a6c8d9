/**
 * The validator role: every round it sends each miner of its subnets a fresh task over the signed transport
 * (`x-mycel-validator`, free for permit holders), scores the answers with the subnet's built-in scoring
 * (tasks.ts), spot-checks deterministic models by re-executing the same inputs with the weights the miner published
 * (a miner whose outputs differ loses its score), keeps per miner in SQLite a moving average (for display) and the
 * mean score of each tempo period, and sets weights by automatic commit-reveal (weightSetter.ts).
 *
 * The weights committed in a period are the miners' mean scores over the previous period: a row describes one
 * period, the same one for every honest validator, rather than a moving average whose memory depends on how many
 * rounds a validator manages. When quality moves, honest rows move together and at once, and a copy of an older
 * row disagrees with them.
 */

import { mulberry32 } from '@mycel/models'
import { heldOutDigits, heldOutText } from '@mycel/models/held-out'
import {
  cidOfBytes,
  getNeurons,
  getSubnetParams,
  getSubnets,
  type Neuron,
  signValidatorRequest,
  VALIDATOR_HEADER,
  type WriteClient,
} from '@mycel/sdk'
import type { Address } from 'viem'
import type { LocalAccount } from 'viem/accounts'
import { getBlockNumber } from 'viem/actions'
import type { Common } from '../common/common.ts'
import type { Db } from '../db/database.ts'
import type { Model } from '../inference/backend.ts'
import { fetchOffer, type MinerOffer, OFFER_TIMEOUT_MS } from '../inference/offer.ts'
import { loadOnnxBytes } from '../inference/onnx.ts'
import { digitsTask, outputOf, roundScore, type Task, textTask } from './tasks.ts'
import { createWeightSetter, type WeightSetter, type WeightSetterEvent } from './weightSetter.ts'

export type MinerScore = {
  uid: number
  hotkey: Address
  score: number
  quality: number
  latencyMs: number
  rounds: number
  failures: number
  spotChecks: number
  spotFailures: number
  lastError: string | null
  /** The tempo period being measured, its round scores so far, and whether a spot check failed in it. */
  period: number
  periodSum: number
  periodRounds: number
  periodFailed: boolean
  /** The last complete period measured and its mean round score. */
  lastPeriod: number
  lastPeriodScore: number
}

/** A miner not scored yet (or whose uid another hotkey took). */
export function newMinerScore(uid: number, hotkey: Address): MinerScore {
  return {
    uid,
    hotkey,
    score: 0,
    quality: 0,
    latencyMs: 0,
    rounds: 0,
    failures: 0,
    spotChecks: 0,
    spotFailures: 0,
    lastError: null,
    period: -1,
    periodSum: 0,
    periodRounds: 0,
    periodFailed: false,
    lastPeriod: -1,
    lastPeriodScore: 0,
  }
}

/**
 * The weight for a miner when committing in `period`: its mean score over period − 1 when it was measured then,
 * else its moving average.
 */
export function periodWeight(s: MinerScore, period: number): number {
  if (s.period === period - 1 && s.periodRounds > 0) return s.periodFailed ? 0 : s.periodSum / s.periodRounds
  if (s.lastPeriod === period - 1) return s.lastPeriodScore
  return s.score
}

/** Adds a round's score `r` measured in `period` to `s`, closing the period before when it moved on. */
export function addRound(s: MinerScore, period: number, r: number, spotFailed: boolean): void {
  if (s.period !== period) {
    if (s.periodRounds > 0) {
      s.lastPeriod = s.period
      s.lastPeriodScore = s.periodFailed ? 0 : s.periodSum / s.periodRounds
    }
    s.period = period
    s.periodSum = 0
    s.periodRounds = 0
    s.periodFailed = false
  }
  s.periodSum += r
  s.periodRounds += 1
  if (spotFailed) s.periodFailed = true
}

export type Validator = {
  hotkey: Address
  /** Runs one scoring round over every miner of every subnet it validates (`signal` stops it between requests). */
  round: (signal?: AbortSignal) => Promise<void>
  /** Advances commit-reveal in every subnet. */
  setWeights: () => Promise<WeightSetterEvent[]>
  scores: (netuid: bigint) => MinerScore[]
  netuids: bigint[]
  close: () => Promise<void>
}

/** Digits per task and text prompts per task. */
export const DIGITS_PER_TASK = 64
export const PROMPTS_PER_TASK = 8
/** How much a new round moves a miner's score. */
export const SCORE_EMA = 0.3
/** Largest difference between a miner's output and the re-executed one that still passes a spot check. */
export const SPOT_TOLERANCE = 1e-4

const LATENCY_WEIGHT: Record<string, number> = { 'image-classification': 0.1, 'text-generation': 0.2 }

export async function startValidator(
  common: Common,
  p: {
    db: Db
    wallet: WriteClient & { account: LocalAccount }
    chainId: number
    registry: Address
    weights: Address
    /** The subnets to validate (the validator must be registered there with a permit). */
    netuids: bigint[]
    /** Seed of the task PRNG; random by default (miners must not predict tasks). */
    seed?: number
    requestTimeoutMs?: number
  },
): Promise<Validator> {
  const log = common.logger.child({ role: 'validator', hotkey: p.wallet.account.address })
  const hotkey = p.wallet.account.address
  const random = mulberry32(p.seed ?? crypto.getRandomValues(new Uint32Array(1))[0] ?? 1)
  const setters = new Map<bigint, WeightSetter>(
    p.netuids.map((netuid) => [
      netuid,
      createWeightSetter({ db: p.db, wallet: p.wallet, weights: p.weights, registry: p.registry, netuid }),
    ]),
  )
  const offers = new Map<string, MinerOffer>()
  /** The last commit-reveal failure per subnet, to log each kind once. */
  const weightFailures = new Map<bigint, string>()
  const references = new Map<string, Promise<Model>>()
  /** Subnets scored at least once (weights are committed only after a round). */
  const scored = new Set<bigint>()
  const timeout = p.requestTimeoutMs ?? 10_000

  const loadScores = (netuid: bigint): MinerScore[] =>
    (
      p.db
        .prepare(
          `SELECT uid, hotkey, score, quality, latency_ms, rounds, failures, spot_checks, spot_failures, last_error,
             period, period_sum, period_rounds, period_failed, last_period, last_period_score
           FROM validator_scores WHERE validator = ? AND netuid = ? ORDER BY uid`,
        )
        .all(hotkey.toLowerCase(), Number(netuid)) as {
        uid: number
        hotkey: Address
        score: number
        quality: number
        latency_ms: number
        rounds: number
        failures: number
        spot_checks: number
        spot_failures: number
        last_error: string | null
        period: number
        period_sum: number
        period_rounds: number
        period_failed: number
        last_period: number
        last_period_score: number
      }[]
    ).map((r) => ({
      uid: r.uid,
      hotkey: r.hotkey,
      score: r.score,
      quality: r.quality,
      latencyMs: r.latency_ms,
      rounds: r.rounds,
      failures: r.failures,
      spotChecks: r.spot_checks,
      spotFailures: r.spot_failures,
      lastError: r.last_error,
      period: r.period,
      periodSum: r.period_sum,
      periodRounds: r.period_rounds,
      periodFailed: r.period_failed === 1,
      lastPeriod: r.last_period,
      lastPeriodScore: r.last_period_score,
    }))

  const save = (netuid: bigint, s: MinerScore) =>
    p.db
      .prepare(
        `INSERT INTO validator_scores (validator, netuid, uid, hotkey, score, quality, latency_ms, rounds, failures,
           spot_checks, spot_failures, last_error, period, period_sum, period_rounds, period_failed, last_period,
           last_period_score, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (validator, netuid, uid) DO UPDATE SET hotkey = excluded.hotkey, score = excluded.score,
           quality = excluded.quality, latency_ms = excluded.latency_ms, rounds = excluded.rounds,
           failures = excluded.failures, spot_checks = excluded.spot_checks, spot_failures = excluded.spot_failures,
           last_error = excluded.last_error, period = excluded.period, period_sum = excluded.period_sum,
           period_rounds = excluded.period_rounds, period_failed = excluded.period_failed,
           last_period = excluded.last_period, last_period_score = excluded.last_period_score,
           updated_at = excluded.updated_at`,
      )
      .run(
        hotkey.toLowerCase(),
        Number(netuid),
        s.uid,
        s.hotkey,
        s.score,
        s.quality,
        s.latencyMs,
        s.rounds,
        s.failures,
        s.spotChecks,
        s.spotFailures,
        s.lastError,
        s.period,
        s.periodSum,
        s.periodRounds,
        s.periodFailed ? 1 : 0,
        s.lastPeriod,
        s.lastPeriodScore,
        Date.now(),
      )

  let roundSignal: AbortSignal | undefined
  const timeoutSignal = () =>
    roundSignal ? AbortSignal.any([roundSignal, AbortSignal.timeout(timeout)]) : AbortSignal.timeout(timeout)

  async function signedFetch(netuid: bigint, miner: Address, url: string, path: string, body: unknown) {
    const bytes = new TextEncoder().encode(JSON.stringify(body))
    const header = await signValidatorRequest(
      p.wallet.account,
      { chainId: p.chainId, registry: p.registry },
      { netuid, miner, method: 'POST', path, body: bytes },
    )
    const response = await fetch(new URL(path, url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', [VALIDATOR_HEADER]: header },
      body: bytes,
      signal: timeoutSignal(),
    })
    const parsed = (await response.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null
    if (!response.ok) {
      throw new Error(`HTTP ${response.status} ${parsed?.error?.code ?? ''} ${parsed?.error?.message ?? ''}`.trim())
    }
    return parsed
  }

  /** The miner's offer, checked against the CID it published on chain and validated (throws OfferError). */
  async function offerOf(neuron: Neuron): Promise<MinerOffer> {
    const cached = offers.get(neuron.metadataCid)
    if (cached) return cached
    const offer = await fetchOffer({
      endpoint: neuron.endpoint,
      cid: neuron.metadataCid,
      timeoutMs: Math.min(timeout, OFFER_TIMEOUT_MS),
      signal: roundSignal,
    })
    offers.set(neuron.metadataCid, offer)
    return offer
  }

  /** The published weights of a deterministic model, loaded to re-execute requests (by CID, checked). */
  function reference(cid: string, endpoint: string): Promise<Model> {
    let loading = references.get(cid)
    if (!loading) {
      loading = (async () => {
        const response = await fetch(new URL(`/v1/mycel/content/${cid}`, endpoint), {
          signal: timeoutSignal(),
        })
        if (!response.ok) throw new Error(`its weights ${cid} answered HTTP ${response.status}`)
        const bytes = new Uint8Array(await response.arrayBuffer())
        if ((await cidOfBytes(bytes)) !== cid) throw new Error(`its weights do not hash to ${cid}`)
        return loadOnnxBytes(bytes, cid, `weights ${cid}`)
      })()
      loading.catch(() => references.delete(cid))
      references.set(cid, loading)
    }
    return loading
  }

  async function evaluate(
    netuid: bigint,
    taskType: string,
    neuron: Neuron,
    previous: MinerScore | undefined,
    period: () => Promise<number>,
  ) {
    const s: MinerScore =
      previous && previous.hotkey.toLowerCase() === neuron.hotkey.toLowerCase()
        ? { ...previous }
        : newMinerScore(neuron.uid, neuron.hotkey)
    let r = 0
    let spotFailed = false
    try {
      const offer = await offerOf(neuron)
      const wanted = taskType === 'text-generation' ? 'text-generation' : 'tensor'
      const model = offer.models.find((m) => m.task === wanted)
      if (!model) throw new Error(`it serves no ${wanted} model`)
      const task: Task =
        wanted === 'tensor'
          ? digitsTask(heldOutDigits(), model.id, DIGITS_PER_TASK, random) // read on first use (cached)
          : textTask(heldOutText(), model.id, PROMPTS_PER_TASK, random)
      const started = performance.now()
      const responses: unknown[] = []
      for (const request of task.requests) {
        responses.push(await signedFetch(netuid, neuron.hotkey, neuron.endpoint, request.path, request.body))
      }
      const latency = (performance.now() - started) / task.requests.length
      const quality = task.quality(responses)
      if (model.weightsCid && task.tensors) {
        const local = await reference(model.weightsCid, neuron.endpoint)
        const expected = outputOf({ outputs: await local.tensor?.infer(task.tensors, undefined) })
        const got = outputOf(responses[0])
        s.spotChecks += 1
        spotFailed =
          expected.length !== got.length || expected.some((x, i) => Math.abs(x - (got[i] as number)) > SPOT_TOLERANCE)
        if (spotFailed) {
          s.spotFailures += 1
          // Logged when a miner starts failing, not every round it keeps failing.
          if (!s.lastError?.startsWith('spot check failed')) {
            log.warn({ msg: 'spot check failed', netuid: Number(netuid), uid: neuron.uid, miner: neuron.hotkey })
          }
          s.lastError = `spot check failed: outputs differ from its published weights ${model.weightsCid}`
        }
      }
      r = spotFailed ? 0 : roundScore(quality, task.chance, latency, LATENCY_WEIGHT[taskType] ?? 0.1)
      s.quality = s.rounds === 0 ? quality : (1 - SCORE_EMA) * s.quality + SCORE_EMA * quality
      s.latencyMs = s.rounds === 0 ? latency : (1 - SCORE_EMA) * s.latencyMs + SCORE_EMA * latency
      if (!spotFailed) s.lastError = null
      // A failed spot check wipes what the miner had earned, not just this round.
      s.score = spotFailed ? 0 : s.rounds === 0 ? r : (1 - SCORE_EMA) * s.score + SCORE_EMA * r
    } catch (error) {
      s.failures += 1
      s.lastError = (error as Error).message.split('\n')[0] ?? 'failed'
      s.score = (1 - SCORE_EMA) * s.score
    }
    s.rounds += 1
    // The round counts in the period it ended in (a failed request scores 0 there too).
    addRound(s, await period(), r, spotFailed)
    save(netuid, s)
  }

  return {
    hotkey,
    netuids: p.netuids,
    scores: loadScores,
    async round(signal) {
      roundSignal = signal
      const subnets = await getSubnets(p.wallet, { registry: p.registry })
      for (const netuid of p.netuids) {
        const subnet = subnets.find((x) => BigInt(x.netuid) === netuid)
        if (!subnet) continue
        const neurons = await getNeurons(p.wallet, { registry: p.registry, netuid })
        const { tempo } = await getSubnetParams(p.wallet, { registry: p.registry, netuid })
        const period = async () =>
          Number(((await getBlockNumber(p.wallet, { cacheTime: 0 })) - subnet.createdAtBlock) / BigInt(tempo))
        scored.add(netuid)
        const known = new Map(loadScores(netuid).map((s) => [s.uid, s]))
        for (const neuron of neurons) {
          if (signal?.aborted) return
          if (neuron.role !== 'miner' || neuron.hotkey.toLowerCase() === hotkey.toLowerCase()) continue
          await evaluate(netuid, subnet.taskType, neuron, known.get(neuron.uid), period)
        }
      }
    },
    async setWeights() {
      const events: WeightSetterEvent[] = []
      for (const [netuid, setter] of setters) {
        try {
          const event = await setter.tick((n, period) => {
            if (!scored.has(netuid)) return null
            const vector = new Array<number>(n).fill(0)
            for (const s of loadScores(netuid)) if (s.uid < n) vector[s.uid] = periodWeight(s, period)
            return vector
          })
          if (event) {
            events.push(event)
            weightFailures.delete(netuid)
            log.info({ msg: `weights ${event.kind}`, netuid: Number(netuid) })
          }
        } catch (error) {
          // Logged when it starts failing or fails differently, not every tick (no permit yet repeats for a while).
          const err = (error as Error).message.split('\n')[0] ?? 'failed'
          if (weightFailures.get(netuid) !== err)
            log.warn({ msg: 'setting weights failed', netuid: Number(netuid), err })
          weightFailures.set(netuid, err)
        }
      }
      return events
    },
    async close() {
      for (const loading of references.values()) await loading.then((m) => m.close()).catch(() => {})
    },
  }
}
