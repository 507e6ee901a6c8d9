/**
 * Unsigned Q32 fixed point for the consensus paths (Yuma), identical bit for bit to the Solidity side.
 *
 * A value x in [0, 1] (and a little above, for sums) is the integer floor(x · 2^32), held in a JS number: every
 * integer below 2^53 is exact in a double, so additions of such values are exact. Products and quotients are the
 * only places a double could round, so they are computed exactly here:
 * - `mulQ32(a, b) = floor(a · b / 2^32)`, Solidity `(a * b) >> 32`;
 * - `divQ32(a, b) = floor(a · 2^32 / b)`, Solidity `(a << 32) / b`;
 * - `idiv(a, b) = floor(a / b)`, Solidity `a / b`.
 * No transcendental function of the engine is used: `expNegQ32` is a fixed Taylor series in these operations.
 */

/** 1.0 in Q32. */
export const ONE = 4_294_967_296
const TWO16 = 65_536

/**
 * floor(a / b) for integers a ≥ 0, b ≥ 1 with a + b < 2^53. A correctly rounded quotient can round up onto the next
 * integer but never below the true floor, and q·b ≤ a + b is exact, so one comparison fixes it.
 */
export function idiv(a: number, b: number): number {
  const q = Math.floor(a / b)
  return q * b > a ? q - 1 : q
}

/**
 * floor(a · b / 2^32) for integers 0 ≤ a, b < 2^34. `a` is split into 16-bit halves so that every partial product
 * stays below 2^53.
 */
export function mulQ32(a: number, b: number): number {
  const ah = Math.floor(a / TWO16)
  const al = a - ah * TWO16
  const hi = ah * b
  const lo = al * b
  const hq = Math.floor(hi / TWO16)
  const hr = hi - hq * TWO16
  return hq + Math.floor((hr * TWO16 + lo) / ONE)
}

const SPLIT = 134_217_729 // 2^27 + 1, Veltkamp's splitter

/** The rounding error of the double product p = x · y (Dekker's TwoProduct, without FMA): x · y = p + error exactly. */
function productError(x: number, y: number, p: number): number {
  const cx = SPLIT * x
  const xh = cx - (cx - x)
  const xl = x - xh
  const cy = SPLIT * y
  const yh = cy - (cy - y)
  const yl = y - yh
  return xh * yh - p + xh * yl + xl * yh + xl * yl
}

/**
 * floor(a · 2^32 / b) for integers a ≥ 0, 1 ≤ b < 2^53 with a result below 2^53. a · 2^32 is exact in a double, and
 * its correctly rounded quotient is the floor or one above it; the exact sign of a · 2^32 − q · b (the product split
 * with Dekker's algorithm, the difference exact by Sterbenz's lemma) decides which.
 */
export function divQ32(a: number, b: number): number {
  const x = a * ONE
  const q = Math.floor(x / b)
  if (q === 0) return 0
  const p = q * b
  return p - x + productError(q, b, p) > 0 ? q - 1 : q
}

/** floor(a · 2^32 / b) for bigint raw amounts (token stakes), as a Q32 number. */
export function divQ32Big(a: bigint, b: bigint): number {
  return Number((a << 32n) / b)
}

/** floor(e^-1 · 2^32); checked against a 200-digit expansion in the tests. */
export const E_INV_Q32 = 1_580_030_168

/** floor(e^(-k/16) · 2^32) for k = 0..15; checked against a 200-digit expansion in the tests. */
export const E_SIXTEENTHS_Q32: readonly number[] = [
  4_294_967_296, 4_034_748_382, 3_790_295_335, 3_560_652_950, 3_344_923_893, 3_142_265_199, 2_951_884_975,
  2_773_039_305, 2_605_029_347, 2_447_198_598, 2_298_930_330, 2_159_645_182, 2_028_798_895, 1_905_880_184,
  1_790_408_741, 1_681_933_359,
]

const SIXTEENTH = ONE / 16

/**
 * e^(-t) for t ≥ 0 in Q32. With t = whole + k/16 + r (r < 1/16): e^(-r) by its Taylor series (terms until they
 * vanish, about 8), times the table entry for k/16, times e^-1 once per whole unit. Absolute error a few 2^-32.
 */
export function expNegQ32(t: number): number {
  const whole = Math.floor(t / ONE)
  const f = t - whole * ONE
  const k = Math.floor(f / SIXTEENTH)
  const rest = f - k * SIXTEENTH
  let even = ONE
  let odd = 0
  let term = ONE
  for (let i = 1; i <= 20; i++) {
    term = idiv(mulQ32(term, rest), i)
    if (term === 0) break
    if (i % 2 === 1) odd += term
    else even += term
  }
  let r = mulQ32(E_SIXTEENTHS_Q32[k] as number, even - odd)
  for (let i = 0; i < whole && r > 0; i++) r = mulQ32(r, E_INV_Q32)
  return r
}

/**
 * The logistic 1 / (1 + e^(-k(x - 1/2))) in Q32 for x in [0, 1] (Q32), with k = steepness / 100 as in subtensor's
 * liquid alpha (`steepness` an integer in [0, 10000]).
 */
export function sigmoidQ32(x: number, steepness: number): number {
  const half = ONE / 2
  const above = x >= half
  const distance = above ? x - half : half - x
  const e = expNegQ32(idiv(distance * steepness, 100))
  return above ? divQ32(ONE, ONE + e) : divQ32(e, ONE + e)
}

/** A decimal in [0, max] as Q32, floor(x · 2^32): exact, since scaling a double by a power of two is exact. */
export function toQ32(x: number): number {
  return Math.floor(x * ONE)
}

/** A Q32 value as a decimal; exact, since the integer is below 2^53. */
export function fromQ32(q: number): number {
  return q / ONE
}
