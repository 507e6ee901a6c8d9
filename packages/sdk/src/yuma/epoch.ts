/**
 * Yuma consensus for one epoch, as one pure and deterministic function in Q32 fixed point (see fixedPoint.ts and
 * docs/yuma.md for the equations). It mirrors subtensor's `epoch` (run_epoch.rs): stake normalization, row-normalized
 * weights, stake-weighted median consensus with kappa, clipping, validator trust, incentive, the bonds penalty, the
 * bonds EMA (Yuma3 with optional liquid alpha, or the original Yuma path) and dividends.
 *
 * The function works on what the chain holds: weights are u16 per (validator, miner) with masking already applied by
 * the caller (non-permitted validators, self-weights and outdated weights are zero), stakes are raw token amounts
 * (zero for an inactive or non-permitted validator), bonds are Q32. `contracts/src/yuma/YumaMath.sol` computes the
 * same numbers; the differential tests hold the two to the same bits.
 */
import { BaseError } from '../errors/base.ts'
import { divQ32, divQ32Big, mulQ32, ONE, sigmoidQ32 } from './fixedPoint.ts'

export type YumaVersion = 'yuma3' | 'yuma'

export type LiquidAlpha = {
  /** Q32, the smallest per-bond EMA rate. */
  low: number
  /** Q32, the largest per-bond EMA rate. */
  high: number
  /** subtensor's `AlphaSigmoidSteepness`: the logistic's slope is steepness / 100 (default 1000). */
  steepness: number
}

export type YumaParams = {
  /** Q32, the stake share that must support a weight for it to count (0.5). */
  kappa: number
  /** Q32 in [0, 1]: 0 bonds follow the raw weights, 1 the weights clipped at consensus. */
  bondsPenalty: number
  /** Q32 in [0, 1], the bonds EMA rate (1 − bonds moving average). */
  alpha: number
  /** Yuma3 only: a per-bond alpha between low and high, by how far the weight is from consensus. */
  liquidAlpha: LiquidAlpha | null
  version: YumaVersion
}

export type YumaInput = YumaParams & {
  /** validators × miners, integers in [0, 65535], masked by the caller. */
  weights: readonly (readonly number[])[]
  /** One raw amount per validator; zero removes the validator from the epoch. */
  stake: readonly bigint[]
  /** validators × miners, Q32; all zeros when omitted. Yuma3: each in [0, 1]; yuma: column-normalized. */
  bonds?: readonly (readonly number[])[] | undefined
}

export type YumaResult = {
  /** Per validator, Q32: stake share among validators with stake. */
  stake: number[]
  /** Per miner, Q32: the stake-weighted kappa-median of the weights. */
  consensus: number[]
  /** Per miner, Q32, unnormalized: the stake-weighted sum of clipped weights. */
  ranks: number[]
  /** Per miner, Q32, sums to 1 (or all zero). */
  incentive: number[]
  /** Per validator, Q32: the sum of its weights after clipping at consensus. */
  validatorTrust: number[]
  /** Per validator, Q32, sums to 1 (or all zero). */
  dividends: number[]
  /** validators × miners, Q32: the bonds to carry into the next epoch. */
  bonds: number[][]
}

export class YumaInputError extends BaseError {
  override name = 'YumaInputError' as const
  readonly field: string
  constructor({ field, message }: { field: string; message: string }) {
    super(`${field}: ${message}`, { docsPath: 'yuma.md' })
    this.field = field
  }
}

/** The largest miner count: keeps every row sum of u16 weights below 2^28, so normalizing never rounds a double. */
export const MAX_YUMA_MINERS = 4096
/** The largest validator count: keeps column sums of bonds below 2^45. */
export const MAX_YUMA_VALIDATORS = 4096
const MAX_STEEPNESS = 10_000
const MAX_TOTAL_STAKE = 1n << 224n

function isQ32(value: number, max = ONE): boolean {
  return Number.isInteger(value) && value >= 0 && value <= max
}

function fail(field: string, message: string): never {
  throw new YumaInputError({ field, message })
}

function check(condition: boolean, field: string, message: string): asserts condition {
  if (!condition) fail(field, message)
}

/** Validates the shapes and ranges; throws {@link YumaInputError} naming the field. */
export function assertYumaInput(input: YumaInput): void {
  const v = input.stake.length
  check(input.weights.length === v, 'weights', `has ${input.weights.length} rows but stake has ${v} entries`)
  check(v <= MAX_YUMA_VALIDATORS, 'stake', `at most ${MAX_YUMA_VALIDATORS} validators`)
  const n = input.weights[0]?.length ?? 0
  check(n <= MAX_YUMA_MINERS, 'weights', `at most ${MAX_YUMA_MINERS} miners`)
  input.weights.forEach((row, i) => {
    check(row.length === n, `weights[${i}]`, `has ${row.length} entries, expected ${n} like weights[0]`)
    for (const [j, w] of row.entries())
      check(isQ32(w, 65_535), `weights[${i}][${j}]`, 'must be an integer in [0, 65535]')
  })
  for (const [i, s] of input.stake.entries()) check(s >= 0n, `stake[${i}]`, 'must not be negative')
  // The contract shifts the total left by 32 bits in a uint256.
  check(
    input.stake.reduce((a, b) => a + b, 0n) < MAX_TOTAL_STAKE,
    'stake',
    'the total must be below 2^224 (scale the amounts down)',
  )
  if (input.bonds !== undefined) {
    check(input.bonds.length === v, 'bonds', `has ${input.bonds.length} rows, expected ${v} (one per validator)`)
    input.bonds.forEach((row, i) => {
      check(row.length === n, `bonds[${i}]`, `has ${row.length} entries, expected ${n} (one per miner)`)
      for (let j = 0; j < n; j++) if (!isQ32(row[j] as number)) fail(`bonds[${i}][${j}]`, 'must be in [0, 1]')
    })
  }
  check(isQ32(input.kappa), 'kappa', 'must be in [0, 1]')
  check(isQ32(input.bondsPenalty), 'bondsPenalty', 'must be in [0, 1]')
  check(isQ32(input.alpha), 'alpha', 'must be in [0, 1]')
  check(input.version === 'yuma3' || input.version === 'yuma', 'version', 'must be "yuma3" or "yuma"')
  const la = input.liquidAlpha
  if (la !== null) {
    check(input.version === 'yuma3', 'liquidAlpha', 'applies to version "yuma3" only; set it to null for "yuma"')
    check(isQ32(la.low), 'liquidAlpha.low', 'must be in [0, 1]')
    check(isQ32(la.high), 'liquidAlpha.high', 'must be in [0, 1]')
    check(la.low <= la.high, 'liquidAlpha', 'low must not exceed high')
    check(
      Number.isInteger(la.steepness) && la.steepness >= 0 && la.steepness <= MAX_STEEPNESS,
      'liquidAlpha.steepness',
      `must be an integer in [0, ${MAX_STEEPNESS}]`,
    )
  }
}

/** s_i = stake_i / Σ stake, in Q32. */
export function normalizeStake(stake: readonly bigint[]): number[] {
  let total = 0n
  for (const s of stake) total += s
  return stake.map((s) => (total === 0n ? 0 : divQ32Big(s, total)))
}

/** x_i / Σ x, in Q32; all zero when the sum is zero. */
export function normalize(values: readonly number[]): number[] {
  let total = 0
  for (const x of values) total += x
  return values.map((x) => (total === 0 ? 0 : divQ32(x, total)))
}

/**
 * The stake-weighted kappa-median of one column: the largest value v among validators with stake such that the stake
 * of those weighting at least v reaches kappa · (their total stake). Zero when no validator has stake.
 */
export function weightedMedian(
  stake: ArrayLike<number>,
  values: ArrayLike<number>,
  kappa: number,
  scratch?: { order: Int32Array },
): number {
  const count = stake.length
  const order = scratch?.order ?? new Int32Array(count)
  let m = 0
  let total = 0
  for (let i = 0; i < count; i++) {
    const s = stake[i] as number
    if (s === 0) continue
    total += s
    // Insertion by value, descending: at most a few dozen validators, so this beats a generic sort.
    const v = values[i] as number
    let k = m++
    while (k > 0 && (values[order[k - 1] as number] as number) < v) {
      order[k] = order[k - 1] as number
      k--
    }
    order[k] = i
  }
  if (m === 0) return 0
  const needed = mulQ32(kappa, total)
  let acc = 0
  for (let k = 0; k < m; k++) {
    const i = order[k] as number
    acc += stake[i] as number
    if (acc >= needed) return values[i] as number
  }
  return values[order[m - 1] as number] as number
}

/**
 * One Yuma epoch. Throws {@link YumaInputError} for malformed input; any well-formed input has a result.
 *
 * @example
 * const result = yumaEpoch({
 *   weights: [[65535, 0], [0, 65535]], stake: [3n, 1n], kappa: ONE / 2, bondsPenalty: ONE,
 *   alpha: toQ32(0.1), liquidAlpha: null, version: 'yuma3',
 * })
 * result.incentive // [ONE, 0]: only the first miner has the support of half the stake
 */
export function yumaEpoch(input: YumaInput): YumaResult {
  assertYumaInput(input)
  const v = input.stake.length
  const n = input.weights[0]?.length ?? 0
  const s = normalizeStake(input.stake)

  // W: row-normalized weights, flat row-major.
  const w = new Float64Array(v * n)
  for (let i = 0; i < v; i++) {
    const row = input.weights[i] as readonly number[]
    let sum = 0
    for (let j = 0; j < n; j++) sum += row[j] as number
    if (sum === 0) continue
    for (let j = 0; j < n; j++) w[i * n + j] = divQ32(row[j] as number, sum)
  }

  // Consensus, clipping, validator trust, ranks.
  const consensus = new Array<number>(n).fill(0)
  const ranks = new Array<number>(n).fill(0)
  const column = new Float64Array(v)
  const scratch = { order: new Int32Array(v) }
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < v; i++) column[i] = w[i * n + j] as number
    consensus[j] = weightedMedian(s, column, input.kappa, scratch)
  }
  const clipped = new Float64Array(v * n)
  const validatorTrust = new Array<number>(v).fill(0)
  for (let i = 0; i < v; i++) {
    const si = s[i] as number
    let trust = 0
    for (let j = 0; j < n; j++) {
      const x = w[i * n + j] as number
      const c = consensus[j] as number
      const clip = Math.min(x, c)
      clipped[i * n + j] = clip
      trust += clip
      ranks[j] = (ranks[j] as number) + mulQ32(si, clip)
    }
    validatorTrust[i] = trust
  }
  const incentive = normalize(ranks)

  // Weights for bonds: W − bondsPenalty · (W − clipped W).
  const wb = new Float64Array(v * n)
  for (let k = 0; k < v * n; k++) {
    const x = w[k] as number
    wb[k] = x - mulQ32(input.bondsPenalty, x - (clipped[k] as number))
  }

  const bonds = Array.from({ length: v }, () => new Array<number>(n).fill(0))
  const oldBond = (i: number, j: number): number => (input.bonds?.[i]?.[j] as number | undefined) ?? 0
  const dividendsRaw = new Array<number>(v).fill(0)
  if (input.version === 'yuma3') {
    // Unlike subtensor, liquid alpha does not depend on whether any consensus is nonzero: that condition looks at
    // every column, and each column must be checkable on chain by itself (docs/yuma.md).
    const la = input.liquidAlpha
    const colSum = new Array<number>(n).fill(0)
    for (let i = 0; i < v; i++) {
      const row = bonds[i] as number[]
      for (let j = 0; j < n; j++) {
        const x = wb[i * n + j] as number
        const b = oldBond(i, j)
        const a = la === null ? input.alpha : liquidAlphaOf(la, x, b, consensus[j] as number)
        const next = mulQ32(ONE - a, b) + mulQ32(a, x)
        const capped = Math.min(next, ONE)
        row[j] = capped
        colSum[j] = (colSum[j] as number) + capped
      }
    }
    for (let i = 0; i < v; i++) {
      const row = bonds[i] as number[]
      let total = 0
      for (let j = 0; j < n; j++) {
        const sum = colSum[j] as number
        if (sum !== 0) total += mulQ32(divQ32(row[j] as number, sum), incentive[j] as number)
      }
      dividendsRaw[i] = mulQ32(total, s[i] as number)
    }
  } else {
    // Original Yuma: column-normalized bonds, ΔB = W∘S column-normalized, EMA, column-normalized again.
    const old = columnNormalize(v, n, (i, j) => oldBond(i, j))
    const delta = columnNormalize(v, n, (i, j) => mulQ32(wb[i * n + j] as number, s[i] as number))
    const ema = columnNormalize(
      v,
      n,
      (i, j) => mulQ32(input.alpha, delta[i * n + j] as number) + mulQ32(ONE - input.alpha, old[i * n + j] as number),
    )
    for (let i = 0; i < v; i++) {
      const row = bonds[i] as number[]
      let total = 0
      for (let j = 0; j < n; j++) {
        const b = ema[i * n + j] as number
        row[j] = b
        total += mulQ32(b, incentive[j] as number)
      }
      dividendsRaw[i] = total
    }
  }

  return {
    stake: s,
    consensus,
    ranks,
    incentive,
    validatorTrust,
    dividends: normalize(dividendsRaw),
    bonds,
  }
}

/** subtensor's `alpha_sigmoid`: a faster EMA for bonds far from where consensus (buying) or the weight (selling) is. */
export function liquidAlphaOf(la: LiquidAlpha, weight: number, bond: number, consensus: number): number {
  const diff = weight >= bond ? (weight > consensus ? weight - consensus : 0) : bond - weight
  return la.low + mulQ32(sigmoidQ32(diff, la.steepness), la.high - la.low)
}

function columnNormalize(v: number, n: number, at: (i: number, j: number) => number): Float64Array {
  const out = new Float64Array(v * n)
  const sums = new Float64Array(n)
  for (let i = 0; i < v; i++) {
    for (let j = 0; j < n; j++) {
      const x = at(i, j)
      out[i * n + j] = x
      sums[j] = (sums[j] as number) + x
    }
  }
  for (let k = 0; k < v * n; k++) {
    const sum = sums[k % n] as number
    out[k] = sum === 0 ? 0 : divQ32(out[k] as number, sum)
  }
  return out
}
