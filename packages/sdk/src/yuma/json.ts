/**
 * The public JSON form of a Yuma epoch, for `mycel yuma --in input.json` and anyone checking an epoch by hand:
 *
 *   {"weights": [[…]], "stake": […], "bonds": [[…]], "kappa": 0.5, "bondsPenalty": 1, "alpha": 0.1,
 *    "liquidAlpha": null | {"low": 0.7, "high": 0.9, "steepness": 1000}, "version": "yuma3" | "yuma"}
 *
 * Weights are any non-negative numbers, validators × miners; each row is stored the way the chain stores weights,
 * max-upscaled to u16 (the row's largest weight becomes 65535). Stake is raw: numbers, or decimal strings for
 * amounts beyond 2^53 (wei); it is converted exactly. Bonds and parameters are decimals in [0, 1], read as
 * floor(x · 2^32). Only `weights` and `stake` are required.
 */

import { type YumaInput, YumaInputError, type YumaResult, yumaEpoch } from './epoch.ts'
import { fromQ32, toQ32 } from './fixedPoint.ts'

export const yumaJsonDefaults = {
  kappa: 0.5,
  bondsPenalty: 1,
  alpha: 0.1,
  liquidAlpha: null,
  version: 'yuma3',
  steepness: 1000,
} as const

const topLevelKeys = new Set(['weights', 'stake', 'bonds', 'kappa', 'bondsPenalty', 'alpha', 'liquidAlpha', 'version'])

function fail(field: string, message: string): never {
  throw new YumaInputError({ field, message })
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function nonNegative(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(field, `must be a finite number, got ${show(value)}`)
  if (value < 0) fail(field, `must not be negative, got ${value}`)
  return value
}

function unit(value: unknown, field: string): number {
  const x = nonNegative(value, field)
  if (x > 1) fail(field, `must be in [0, 1], got ${x}`)
  return toQ32(x)
}

function show(value: unknown): string {
  const text = JSON.stringify(value)
  return text === undefined ? String(value) : text.length > 40 ? `${text.slice(0, 40)}…` : text
}

function matrix(value: unknown, field: string): unknown[][] {
  if (!Array.isArray(value)) fail(field, 'must be an array of rows (arrays of numbers)')
  return value.map((row, i) => {
    if (!Array.isArray(row)) fail(`${field}[${i}]`, 'must be an array of numbers')
    return row
  })
}

/** A row of non-negative weights as u16, max-upscaled like subtensor's `vec_u16_max_upscale`. */
export function quantizeWeights(row: readonly number[]): number[] {
  let max = 0
  for (const w of row) if (w > max) max = w
  return row.map((w) => (max === 0 ? 0 : Math.round((w / max) * 65_535)))
}

/** How many bits after the binary point a finite double has. */
function fractionBits(x: number): number {
  let k = 0
  while (!Number.isInteger(x * 2 ** k)) k++
  return k
}

/** Raw stakes as exact integers: numbers are scaled by one common power of two; decimal strings are integers. */
function exactStakes(values: unknown[]): bigint[] {
  const parsed = values.map((value, i) => {
    const field = `stake[${i}]`
    if (typeof value === 'string') {
      if (!/^\d{1,78}$/.test(value)) fail(field, `must be a number or a decimal integer string, got ${show(value)}`)
      return { int: BigInt(value), bits: 0 }
    }
    const x = nonNegative(value, field)
    const bits = fractionBits(x)
    return { int: BigInt(x * 2 ** bits), bits }
  })
  const scale = Math.max(0, ...parsed.map((p) => p.bits))
  return parsed.map((p) => p.int << BigInt(scale - p.bits))
}

/** Parses the JSON form into the fixed-point input; throws {@link YumaInputError} naming the field. */
export function parseYumaJson(value: unknown): YumaInput {
  if (!isRecord(value)) fail('input', 'must be a JSON object with at least "weights" and "stake"')
  for (const key of Object.keys(value)) {
    if (!topLevelKeys.has(key)) fail(key, `unknown field (expected one of ${[...topLevelKeys].join(', ')})`)
  }
  if (value.weights === undefined) fail('weights', 'is required: validators × miners')
  if (value.stake === undefined) fail('stake', 'is required: one raw amount per validator')
  const weights = matrix(value.weights, 'weights').map((row, i) =>
    quantizeWeights(row.map((w, j) => nonNegative(w, `weights[${i}][${j}]`))),
  )
  if (!Array.isArray(value.stake)) fail('stake', 'must be an array with one raw amount per validator')
  const stake = exactStakes(value.stake)
  const bonds =
    value.bonds === undefined || value.bonds === null
      ? undefined
      : matrix(value.bonds, 'bonds').map((row, i) => row.map((b, j) => unit(b, `bonds[${i}][${j}]`)))
  const version = value.version ?? yumaJsonDefaults.version
  if (version !== 'yuma3' && version !== 'yuma') fail('version', `must be "yuma3" or "yuma", got ${show(version)}`)
  let liquidAlpha: YumaInput['liquidAlpha'] = null
  const la = value.liquidAlpha
  if (la !== undefined && la !== null) {
    if (!isRecord(la)) fail('liquidAlpha', 'must be null or {"low": 0.7, "high": 0.9}')
    for (const key of Object.keys(la)) {
      if (!['low', 'high', 'steepness'].includes(key))
        fail(`liquidAlpha.${key}`, 'unknown field (low, high, steepness)')
    }
    const steepness = la.steepness ?? yumaJsonDefaults.steepness
    if (typeof steepness !== 'number' || !Number.isInteger(steepness)) {
      fail('liquidAlpha.steepness', `must be an integer, got ${show(steepness)}`)
    }
    liquidAlpha = { low: unit(la.low, 'liquidAlpha.low'), high: unit(la.high, 'liquidAlpha.high'), steepness }
  }
  return {
    weights,
    stake,
    bonds,
    kappa: unit(value.kappa ?? yumaJsonDefaults.kappa, 'kappa'),
    bondsPenalty: unit(value.bondsPenalty ?? yumaJsonDefaults.bondsPenalty, 'bondsPenalty'),
    alpha: unit(value.alpha ?? yumaJsonDefaults.alpha, 'alpha'),
    liquidAlpha,
    version,
  }
}

export type YumaJsonResult = {
  consensus: number[]
  incentive: number[]
  dividends: number[]
  bonds: number[][]
  validatorTrust: number[]
}

/** The result as exact decimals (each is a Q32 integer over 2^32). */
export function yumaResultToJson(result: YumaResult): YumaJsonResult {
  return {
    consensus: result.consensus.map(fromQ32),
    incentive: result.incentive.map(fromQ32),
    dividends: result.dividends.map(fromQ32),
    bonds: result.bonds.map((row) => row.map(fromQ32)),
    validatorTrust: result.validatorTrust.map(fromQ32),
  }
}

/** Parses, computes and formats: the whole of `mycel yuma`. */
export function runYumaJson(value: unknown): YumaJsonResult {
  return yumaResultToJson(yumaEpoch(parseYumaJson(value)))
}
