/**
 * The engine's binary32 exp and log: special values, accuracy against the platform's (binary64) Math.exp/Math.log
 * rounded to binary32 over random inputs of the whole range, and golden bits (they must never change: committed
 * training runs depend on them).
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { bitsOf32, exp32, fromBits32, log32 } from '../src/index.ts'

/** Distance in units in the last place between two finite binary32 numbers of the same sign. */
function ulps(a: number, b: number): number {
  return Math.abs(bitsOf32(a) - bitsOf32(b))
}

/** Any finite binary32 number in [lo, hi], drawn uniformly over its bit patterns (all magnitudes, subnormals too). */
const float32In = (lo: number, hi: number) =>
  fc.float({ min: Math.fround(lo), max: Math.fround(hi), noNaN: true, noDefaultInfinity: true })

describe('exp32', () => {
  it('special values: NaN, ±∞, overflow, underflow, 0 → 1, and results rounded to binary32', () => {
    expect(exp32(Number.NaN)).toBeNaN()
    expect(exp32(Number.POSITIVE_INFINITY)).toBe(Number.POSITIVE_INFINITY)
    expect(exp32(Number.NEGATIVE_INFINITY)).toBe(0)
    expect(exp32(89)).toBe(Number.POSITIVE_INFINITY)
    expect(exp32(-104)).toBe(0)
    expect(exp32(0)).toBe(1)
    expect(exp32(-0)).toBe(1)
    for (const x of [1, -1, 10, -10, 0.5, 80, -100]) expect(Math.fround(exp32(x))).toBe(exp32(x))
  })

  it('property: within 1 ulp of the binary64 exp rounded to binary32, from −87 to 88', () => {
    fc.assert(
      fc.property(float32In(-87, 88), (x) => {
        expect(ulps(exp32(x), Math.fround(Math.exp(x)))).toBeLessThanOrEqual(1)
      }),
      { numRuns: 20_000 },
    )
  })

  it('property: subnormal results (−103.9 to −87.4) are within 1 ulp too', () => {
    fc.assert(
      fc.property(float32In(-103.9, -87.4), (x) => {
        expect(ulps(exp32(x), Math.fround(Math.exp(x)))).toBeLessThanOrEqual(1)
      }),
      { numRuns: 5_000 },
    )
  })

  it('golden bits', () => {
    expect([1, -1, 0.1, 10, -20, 88].map((x) => bitsOf32(exp32(x)).toString(16))).toMatchInlineSnapshot(`
      [
        "402df854",
        "3ebc5ab2",
        "3f8d763e",
        "46ac14ee",
        "310da433",
        "7ef882b7",
      ]
    `)
  })
})

describe('log32', () => {
  it('special values: NaN, negatives, ±0, ∞, 1 → 0', () => {
    expect(log32(Number.NaN)).toBeNaN()
    expect(log32(-1)).toBeNaN()
    expect(log32(0)).toBe(Number.NEGATIVE_INFINITY)
    expect(log32(-0)).toBe(Number.NEGATIVE_INFINITY)
    expect(log32(Number.POSITIVE_INFINITY)).toBe(Number.POSITIVE_INFINITY)
    expect(log32(1)).toBe(0)
    expect(log32(fromBits32(1))).toBe(Math.fround(Math.log(fromBits32(1)))) // the smallest subnormal
  })

  it('property: within 1 ulp of the binary64 log rounded to binary32, over every positive finite binary32', () => {
    fc.assert(
      fc.property(float32In(0, 3.4e38), (x) => {
        if (x <= 0) return
        expect(ulps(log32(x), Math.fround(Math.log(x)))).toBeLessThanOrEqual(1)
      }),
      { numRuns: 20_000 },
    )
  })

  it('property: near 1, where the result is tiny, within 1 ulp as well', () => {
    fc.assert(
      fc.property(float32In(0.9, 1.1), (x) => {
        expect(ulps(log32(x), Math.fround(Math.log(x)))).toBeLessThanOrEqual(1)
      }),
      { numRuns: 10_000 },
    )
  })

  it('golden bits', () => {
    expect([2, 0.5, 10, 1e-30, 3e38, 1.0000001].map((x) => bitsOf32(log32(x)).toString(16))).toMatchInlineSnapshot(`
      [
        "3f317218",
        "bf317218",
        "40135d8e",
        "c28a27b5",
        "42b13196",
        "33ffffff",
      ]
    `)
  })
})
