/**
 * Property tests of the gateway's ranking (gateway/ranking.ts): weights are finite and at least the floor, never
 * lower for a higher incentive, a lower price or a lower latency, all else equal; unhealthy miners come after every
 * healthy one; the seeded draw sends traffic in proportion to the weights; the quality of a miner's standings.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  drawOrder,
  qualityOf,
  RANKING,
  type RankInput,
  rankWeights,
  type Standing,
  trafficShares,
} from '../src/gateway/ranking.ts'
import { createRandom } from '../src/inference/sampling.ts'

const input: fc.Arbitrary<RankInput> = fc.record({
  cost: fc.bigInt({ min: 0n, max: 2n ** 96n }),
  latencyMs: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 120_000, noNaN: true })),
  healthy: fc.boolean(),
  quality: fc.option(fc.double({ min: 0, max: 100, noNaN: true }), { nil: undefined }),
})
const field = fc.array(input, { minLength: 0, maxLength: 12 })

/** The weight of `x` among `others` (put at a random place). */
const weightAmong = (x: RankInput, others: RankInput[], at: number) => {
  const list = [...others]
  const i = at % (list.length + 1)
  list.splice(i, 0, x)
  return rankWeights(list)[i] as number
}

describe('ranking weights', () => {
  it('property: finite and at least the floor, any inputs (odd ones too)', () => {
    const odd = fc.record({
      cost: fc.bigInt({ min: 0n, max: 2n ** 200n }),
      latencyMs: fc.double(),
      healthy: fc.boolean(),
      quality: fc.option(fc.double(), { nil: undefined }),
    })
    fc.assert(
      fc.property(fc.array(odd, { maxLength: 12 }), (list) => {
        for (const w of rankWeights(list)) {
          expect(Number.isFinite(w)).toBe(true)
          expect(w).toBeGreaterThanOrEqual(RANKING.floor)
          expect(w).toBeLessThanOrEqual(RANKING.floor + RANKING.maxQuality)
        }
      }),
      { numRuns: 2000 },
    )
  })

  it('property: a higher incentive never gives a lower weight, all else equal', () => {
    fc.assert(
      fc.property(input, field, fc.nat(), fc.double({ min: 0, max: 100, noNaN: true }), (x, others, at, more) => {
        const low = { ...x, quality: x.quality ?? RANKING.prior }
        const high = { ...low, quality: low.quality + more }
        expect(weightAmong(high, others, at)).toBeGreaterThanOrEqual(weightAmong(low, others, at))
      }),
      { numRuns: 2000 },
    )
  })

  it('property: a lower price never gives a lower weight, all else equal', () => {
    fc.assert(
      fc.property(input, field, fc.nat(), fc.bigInt({ min: 0n, max: 2n ** 96n }), (x, others, at, less) => {
        const cheaper = { ...x, cost: x.cost > less ? x.cost - less : 0n }
        expect(weightAmong(cheaper, others, at)).toBeGreaterThanOrEqual(weightAmong(x, others, at))
      }),
      { numRuns: 2000 },
    )
  })

  it('property: a lower (measured) latency never gives a lower weight, all else equal', () => {
    fc.assert(
      fc.property(input, field, fc.nat(), fc.double({ min: 0, max: 1, noNaN: true }), (x, others, at, f) => {
        const slow = { ...x, latencyMs: x.latencyMs > 0 ? x.latencyMs : 10 }
        const fast = { ...slow, latencyMs: Math.max(slow.latencyMs * f, Number.MIN_VALUE) }
        expect(weightAmong(fast, others, at)).toBeGreaterThanOrEqual(weightAmong(slow, others, at))
      }),
      { numRuns: 2000 },
    )
  })

  it('ranks by what the validators measured: a miner at a tenth of the average gets far less weight', () => {
    const base = { cost: 1000n, latencyMs: 5, healthy: true }
    const [good, poor, unmeasured] = rankWeights([
      { ...base, quality: 1.8 },
      { ...base, quality: 0.2 },
      { ...base, quality: undefined },
    ]) as [number, number, number]
    expect(good / poor).toBeGreaterThan(8)
    expect(unmeasured).toBe(RANKING.floor + RANKING.prior)
    // Twice the cheapest price: a quarter of the weight above the floor.
    const [cheap, dear] = rankWeights([
      { ...base, quality: 1 },
      { ...base, cost: 2000n, quality: 1 },
    ]) as [number, number]
    expect(dear - RANKING.floor).toBeCloseTo((cheap - RANKING.floor) / 4, 12)
  })
})

describe('draw order', () => {
  const weighted = fc.array(fc.tuple(fc.double({ min: RANKING.floor, max: 5, noNaN: true }), fc.boolean()), {
    maxLength: 12,
  })

  it('property: a permutation; every healthy miner before every unhealthy one', () => {
    fc.assert(
      fc.property(weighted, fc.integer(), fc.integer({ min: 0, max: 12 }), (list, seed, draws) => {
        const weights = list.map(([w]) => w)
        const healthy = list.map(([, h]) => h)
        const order = drawOrder(weights, healthy, createRandom(seed), draws)
        expect([...order].sort((a, b) => a - b)).toEqual(list.map((_, i) => i))
        const firstSick = order.findIndex((i) => !healthy[i])
        if (firstSick >= 0) expect(order.slice(firstSick).every((i) => !healthy[i])).toBe(true)
      }),
      { numRuns: 2000 },
    )
  })

  it('property: shares are the healthy weights normalized (sum 1), unhealthy ones 0 unless none is healthy', () => {
    fc.assert(
      fc.property(weighted, (list) => {
        const weights = list.map(([w]) => w)
        const healthy = list.map(([, h]) => h)
        const shares = trafficShares(weights, healthy)
        if (list.length > 0) expect(shares.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9)
        if (healthy.some(Boolean)) for (const [i, s] of shares.entries()) if (!healthy[i]) expect(s).toBe(0)
      }),
    )
  })

  it('sends first attempts in proportion to the weights (seeded, 20,000 draws), failures never first', () => {
    const weights = [3, 1, 0.02, 5]
    const healthy = [true, true, true, false]
    const random = createRandom(7)
    const firsts = [0, 0, 0, 0]
    for (let i = 0; i < 20_000; i++) {
      const [first] = drawOrder(weights, healthy, random)
      firsts[first as number] = (firsts[first as number] ?? 0) + 1
    }
    const shares = trafficShares(weights, healthy)
    for (const [i, n] of firsts.entries()) expect(Math.abs(n / 20_000 - (shares[i] as number))).toBeLessThan(0.01)
    expect(firsts[3]).toBe(0)
    expect(firsts[2]).toBeGreaterThan(0)
  })
})

describe('quality of standings', () => {
  const standing: fc.Arbitrary<Standing> = fc.record({
    incentive: fc.double({ min: 0, max: 1, noNaN: true }),
    relative: fc.double({ min: 0, max: 50, noNaN: true }),
    immune: fc.boolean(),
  })

  it('property: undefined without standings; otherwise the mean, immune ones lifted to the prior', () => {
    fc.assert(
      fc.property(fc.array(standing, { maxLength: 6 }), (list) => {
        const q = qualityOf(list)
        if (list.length === 0) {
          expect(q).toBeUndefined()
          return
        }
        const expected = list.reduce((a, s) => a + (s.immune ? Math.max(s.relative, 1) : s.relative), 0) / list.length
        expect(q).toBeCloseTo(expected, 9)
      }),
    )
  })

  it('an immune miner is never rated below the prior; one past immunity is rated as measured', () => {
    expect(qualityOf([{ incentive: 0, relative: 0, immune: true }])).toBe(RANKING.prior)
    expect(qualityOf([{ incentive: 0.05, relative: 0.1, immune: false }])).toBe(0.1)
    expect(qualityOf([{ incentive: 0, relative: Number.NaN, immune: false }])).toBe(0)
  })
})
