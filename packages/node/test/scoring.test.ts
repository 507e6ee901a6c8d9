/**
 * The validator's scoring arithmetic: the quality curve (tasks.ts) and the per-period means its weights are made of
 * (validator.ts), checked against direct computations over random inputs.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { addRound, type MinerScore, newMinerScore, periodWeight } from '../src/validator/scores.ts'
import { qualityScore, roundScore, SCORE_POWER } from '../src/validator/tasks.ts'

const fresh = (score: number): MinerScore => ({
  ...newMinerScore(1, '0x0000000000000000000000000000000000000001'),
  score,
})

describe('quality score', () => {
  it('property: 0 at or below chance, 1 at perfect, increasing in between, the power of quality above chance', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 0.5, noNaN: true }),
        (a, b, chance) => {
          const [lo, hi] = a <= b ? [a, b] : [b, a]
          expect(qualityScore(lo, chance)).toBeLessThanOrEqual(qualityScore(hi, chance))
          if (lo <= chance) expect(qualityScore(lo, chance)).toBe(0)
          else expect(qualityScore(lo, chance)).toBeCloseTo(((lo - chance) / (1 - chance)) ** SCORE_POWER, 12)
          expect(qualityScore(1, chance)).toBe(1)
        },
      ),
    )
    expect(qualityScore(Number.NaN, 0.1)).toBe(0)
  })

  it('property: latency scales a round down by at most its weight, never up', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 60_000, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (quality, latency, weight) => {
          const q = qualityScore(quality, 0.1)
          const r = roundScore(quality, 0.1, latency, weight)
          expect(r).toBeLessThanOrEqual(q + 1e-15)
          expect(r).toBeGreaterThanOrEqual(q * (1 - weight) - 1e-15)
        },
      ),
    )
  })
})

describe('per-period weights', () => {
  it('property: the weight in period P is the mean round score of period P − 1 (0 after a failed spot check there), else the moving average', () => {
    const round = fc.record({
      gap: fc.integer({ min: 0, max: 2 }),
      r: fc.double({ min: 0, max: 1, noNaN: true }),
      spotFailed: fc.boolean(),
    })
    fc.assert(
      fc.property(
        fc.array(round, { maxLength: 40 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 0, max: 3 }),
        (rounds, ema, ahead) => {
          const s = fresh(ema)
          let period = 5
          const seen: { period: number; r: number; spotFailed: boolean }[] = []
          for (const x of rounds) {
            period += x.gap
            addRound(s, period, x.r, x.spotFailed)
            seen.push({ period, r: x.r, spotFailed: x.spotFailed })
          }
          // Commit in the period of the last round or later.
          const commitPeriod = period + ahead
          const previous = seen.filter((x) => x.period === commitPeriod - 1)
          const expected =
            previous.length === 0
              ? ema
              : previous.some((x) => x.spotFailed)
                ? 0
                : previous.reduce((a, x) => a + x.r, 0) / previous.length
          expect(periodWeight(s, commitPeriod)).toBeCloseTo(expected, 12)
        },
      ),
      { numRuns: 500 },
    )
  })
})
