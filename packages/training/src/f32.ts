/**
 * IEEE-754 binary32 arithmetic that gives the same bits on every JavaScript engine (docs/training.md, "the engine's
 * rules"). + − × ÷ and √ are computed in binary64 and rounded once to binary32 with `Math.fround`: binary64 carries
 * more than 2·24 + 2 bits, so that double rounding equals the correctly rounded binary32 result (round to nearest,
 * ties to even), subnormals, ±0, ±∞ and NaN included. `Math.exp`/`Math.log` are not used (their last bits differ
 * between engines): {@link exp32} and {@link log32} are built here from those five operations only, every step
 * rounded, so they are deterministic by construction; they stay within a few units in the last place of the true
 * value (tested against `Math.exp`/`Math.log`).
 */

const f = Math.fround

export const add32 = (a: number, b: number) => f(a + b)
export const sub32 = (a: number, b: number) => f(a - b)
export const mul32 = (a: number, b: number) => f(a * b)
export const div32 = (a: number, b: number) => f(a / b)
export const sqrt32 = (a: number) => f(Math.sqrt(a))

const scratch = new DataView(new ArrayBuffer(4))

/** The 32 bits of `x` as binary32 (an unsigned integer). */
export function bitsOf32(x: number): number {
  scratch.setFloat32(0, x)
  return scratch.getUint32(0)
}

/** The binary32 number with bits `bits`. */
export function fromBits32(bits: number): number {
  scratch.setUint32(0, bits >>> 0)
  return scratch.getFloat32(0)
}

/** 2^k as binary32 for k in [−126, 127] (exact: a power of two is representable there). */
function pow2(k: number): number {
  return fromBits32((k + 127) << 23)
}

// ln 2 split for range reduction: LN2_HI has 16 significant bits, so k·LN2_HI is exact for |k| < 2^8.
const LN2_HI = f(0.693145751953125)
const LN2_LO = f(1.428606765330187e-6)
const INV_LN2 = f(Math.LOG2E)
/** Above this exp overflows binary32; below the other it is 0 (under half the smallest subnormal). */
const EXP_OVERFLOW = f(88.72283935546875)
const EXP_UNDERFLOW = f(-103.97208404541016)
// 1/n! for n = 2..7, each rounded to binary32.
const E2 = f(1 / 2)
const E3 = f(1 / 6)
const E4 = f(1 / 24)
const E5 = f(1 / 120)
const E6 = f(1 / 720)
const E7 = f(1 / 5040)

/**
 * e^x in binary32, deterministic: x = k·ln 2 + r with |r| ≤ ln 2 / 2 (Cody–Waite, in binary32), e^r by its Taylor
 * polynomial to degree 7 in Horner form (truncation < 6·10⁻⁹ relative), scaled by 2^k.
 */
export function exp32(x: number): number {
  x = f(x)
  if (Number.isNaN(x)) return Number.NaN
  if (x > EXP_OVERFLOW) return Number.POSITIVE_INFINITY
  if (x < EXP_UNDERFLOW) return 0
  const k = Math.floor(f(f(x * INV_LN2) + 0.5))
  const r = f(f(x - f(k * LN2_HI)) - f(k * LN2_LO))
  let p = E7
  p = f(f(p * r) + E6)
  p = f(f(p * r) + E5)
  p = f(f(p * r) + E4)
  p = f(f(p * r) + E3)
  p = f(f(p * r) + E2)
  p = f(f(p * r) + 1)
  p = f(f(p * r) + 1)
  // Scale in steps that keep every factor a normal binary32 power of two.
  if (k > 127) return f(f(p * pow2(127)) * pow2(k - 127))
  if (k < -126) return f(f(p * pow2(k + 64)) * pow2(-64))
  return f(p * pow2(k))
}

const SQRT2 = f(Math.SQRT2)
// 2/(2n+1) for n = 1..5: the series of ln((1+s)/(1−s)) = 2·atanh(s) beyond its first term.
const L3 = f(2 / 3)
const L5 = f(2 / 5)
const L7 = f(2 / 7)
const L9 = f(2 / 9)
const L11 = f(2 / 11)

/**
 * ln x in binary32, deterministic: x = 2^e·m with m in [√½, √2); with g = m − 1 (exact), s = g / (2 + g) and
 * z = s², ln m = g − (g²/2 − s·(g²/2 + R)) where R = z·(2/3 + z·(2/5 + … + z·2/11)) (the atanh series, truncation
 * < 10⁻⁹ relative): the large term g is exact and the rest a small correction, so the result stays within 1 ulp.
 * Then e·ln 2 is added in two parts.
 */
export function log32(x: number): number {
  x = f(x)
  if (Number.isNaN(x) || x < 0) return Number.NaN
  if (x === 0) return Number.NEGATIVE_INFINITY
  if (x === Number.POSITIVE_INFINITY) return x
  let bits = bitsOf32(x)
  let e = 0
  if (bits >>> 23 === 0) {
    // Subnormal: scale into the normal range first (exact).
    bits = bitsOf32(f(x * pow2(23)))
    e = -23
  }
  e += (bits >>> 23) - 127
  let m = fromBits32((bits & 0x7fffff) | (127 << 23)) // in [1, 2)
  if (m > SQRT2) {
    m = f(m * 0.5)
    e += 1
  }
  const g = f(m - 1)
  const s = f(g / f(2 + g))
  const z = f(s * s)
  let r = L11
  r = f(f(r * z) + L9)
  r = f(f(r * z) + L7)
  r = f(f(r * z) + L5)
  r = f(f(r * z) + L3)
  r = f(r * z)
  const halfG2 = f(f(0.5 * g) * g)
  const logM = f(g - f(halfG2 - f(s * f(halfG2 + r))))
  return f(f(e * LN2_HI) + f(f(e * LN2_LO) + logM))
}
