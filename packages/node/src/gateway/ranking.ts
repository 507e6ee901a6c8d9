/**
 * How the gateway spreads a model's requests over the miners serving it (docs/inference.md, "Choosing a miner"):
 * each candidate gets a weight from what the subnet's validators measured (its consensus incentive in the latest
 * final epoch, relative to its subnet's average miner), its price (cheaper better) and its smoothed latency (faster
 * better); the miners to try are then drawn by weight, so traffic follows the weights without going all to one
 * miner, and a miner the validators rate low still gets a little (it can show it improved). Recently failed miners
 * come after every healthy one, as before. Pure: the random source is passed in, so tests are deterministic.
 */

/** The tuning of the weights; see docs/inference.md for why each value. */
export const RANKING = {
  /** Weight every candidate has at least: a miner rated zero still gets about 2% of an average miner's traffic. */
  floor: 0.02,
  /** The quality of a miner with no final epoch yet (new, or in a subnet that never settled one): average. */
  prior: 1,
  /** Quality is capped here (4× the subnet's average), so one miner cannot take nearly all the traffic. */
  maxQuality: 4,
  /** Price factor = (cheapest ÷ own)^priceExponent: twice the cheapest price, a quarter of the weight. */
  priceExponent: 2,
  /** Latency factor = (fastest + slack) ÷ (own + slack): differences of a few ms do not count. */
  latencySlackMs: 50,
  /** Resolution of the price ratio (bigint division, then to a float). */
  priceScale: 1_000_000n,
} as const

/** A miner's standing in one subnet's latest final epoch (what the validators measured). */
export type Standing = {
  /** Its share of the epoch's incentive, in [0, 1]. */
  incentive: number
  /** Its incentive relative to the subnet's average miner (incentive × miners in the epoch): 1 = average. */
  relative: number
  /** Still inside its immunity period at the epoch's snapshot: the validators may not have scored it yet. */
  immune: boolean
}

/**
 * A miner's quality from its standings in the subnets that serve the model (mean of the relative incentives),
 * `undefined` when it has none (no final epoch measured it): the ranking then uses {@link RANKING.prior}. A miner still
 * immune at the snapshot counts at least as the prior, so a new miner is tried before the validators caught up.
 */
export function qualityOf(standings: readonly Standing[]): number | undefined {
  if (standings.length === 0) return undefined
  let sum = 0
  for (const s of standings) {
    const relative = Number.isFinite(s.relative) && s.relative > 0 ? s.relative : 0
    sum += s.immune ? Math.max(relative, RANKING.prior) : relative
  }
  return sum / standings.length
}

/** What the ranking knows of a candidate. */
export type RankInput = {
  /** Typical cost of one request, in token units. */
  cost: bigint
  /** Smoothed latency in ms; 0 = not measured yet (counts as the fastest, so the miner gets measured). */
  latencyMs: number
  healthy: boolean
  /** From {@link qualityOf}; undefined = not measured (the prior). */
  quality: number | undefined
}

/** The weight of each input (same order): finite, at least {@link RANKING.floor}. */
export function rankWeights(inputs: readonly RankInput[]): number[] {
  let cheapest: bigint | undefined
  let fastest = Number.POSITIVE_INFINITY
  for (const x of inputs) {
    if (cheapest === undefined || x.cost < cheapest) cheapest = x.cost
    if (measured(x.latencyMs) && x.latencyMs < fastest) fastest = x.latencyMs
  }
  if (!Number.isFinite(fastest)) fastest = 0
  return inputs.map((x) => weightOf(x, cheapest ?? 0n, fastest))
}

const measured = (ms: number) => Number.isFinite(ms) && ms > 0

function weightOf(x: RankInput, cheapest: bigint, fastest: number): number {
  const raw = x.quality ?? RANKING.prior
  const quality = Number.isFinite(raw) ? Math.min(Math.max(raw, 0), RANKING.maxQuality) : 0
  const price = priceFactor(x.cost, cheapest)
  const latency = measured(x.latencyMs)
    ? (fastest + RANKING.latencySlackMs) / (Math.max(x.latencyMs, fastest) + RANKING.latencySlackMs)
    : 1
  return RANKING.floor + quality * price * latency
}

/** (cheapest ÷ cost)^exponent in [0, 1]; a free candidate is 1, a paid one beside a free one 0. */
function priceFactor(cost: bigint, cheapest: bigint): number {
  if (cost <= cheapest) return 1
  if (cheapest <= 0n) return 0
  const ratio = Number((cheapest * RANKING.priceScale) / cost) / Number(RANKING.priceScale)
  return ratio ** RANKING.priceExponent
}

/**
 * The order to try the inputs in (indices): `draws` healthy ones drawn one after another with probability
 * proportional to their weight (without replacement), then the other healthy ones by weight, then the unhealthy
 * ones by weight (drawn like healthy ones when none is healthy). `random` returns a float in [0, 1).
 */
export function drawOrder(
  weights: readonly number[],
  healthy: readonly boolean[],
  random: () => number,
  draws = 3,
): number[] {
  let pool: number[] = []
  let sick: number[] = []
  for (let i = 0; i < weights.length; i++) (healthy[i] ? pool : sick).push(i)
  // None healthy: they are all drawn alike (one of them may have recovered).
  if (pool.length === 0) [pool, sick] = [sick, pool]
  const byWeight = (a: number, b: number) => (weights[b] as number) - (weights[a] as number) || a - b
  const order: number[] = []
  let total = 0
  for (const i of pool) total += weights[i] as number
  for (let d = 0; d < draws && pool.length > 1; d++) {
    let target = random() * total
    let at = pool.length - 1
    for (let k = 0; k < pool.length; k++) {
      target -= weights[pool[k] as number] as number
      if (target < 0) {
        at = k
        break
      }
    }
    const [picked] = pool.splice(at, 1) as [number]
    total -= weights[picked] as number
    order.push(picked)
  }
  order.push(...pool.sort(byWeight), ...sick.sort(byWeight))
  return order
}

/** Each input's expected share of first attempts: its weight over the healthy ones' total (0 when unhealthy). */
export function trafficShares(weights: readonly number[], healthy: readonly boolean[]): number[] {
  const anyHealthy = healthy.some(Boolean)
  let total = 0
  for (let i = 0; i < weights.length; i++) if (healthy[i] || !anyHealthy) total += weights[i] as number
  return weights.map((w, i) => (total > 0 && (healthy[i] || !anyHealthy) ? w / total : 0))
}
