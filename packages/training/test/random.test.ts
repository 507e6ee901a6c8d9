/** The seeded generator: the reference xoshiro128** sequence, ranges, unbiased bounds and permutations. */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createRandom, randomFromState, shuffle } from '../src/index.ts'

describe('random', () => {
  it('is xoshiro128**: the reference outputs from the state {1, 2, 3, 4}', () => {
    const r = randomFromState([1, 2, 3, 4])
    expect([r.u32(), r.u32(), r.u32()]).toEqual([11520, 0, 5927040])
  })

  it('the same seed gives the same sequence; another seed another one; bad seeds are refused', () => {
    const take = (seed: number) => {
      const r = createRandom(seed)
      return Array.from({ length: 8 }, () => r.u32())
    }
    expect(take(42)).toEqual(take(42))
    expect(take(42)).not.toEqual(take(43))
    expect(() => createRandom(-1)).toThrow(/seed must be an integer/)
    expect(() => createRandom(2 ** 32)).toThrow(/seed must be an integer/)
    expect(() => createRandom(1.5)).toThrow(/seed must be an integer/)
  })

  it('property: float32 is a multiple of 2^-24 in [0, 1); below(n) is in [0, n)', () => {
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 1, max: 2 ** 32 }), (seed, n) => {
        const r = createRandom(seed)
        for (let i = 0; i < 20; i++) {
          const x = r.float32()
          expect(x >= 0 && x < 1 && Number.isInteger(x * 2 ** 24)).toBe(true)
          const k = r.below(n)
          expect(Number.isInteger(k) && k >= 0 && k < n).toBe(true)
        }
      }),
    )
  })

  it('property: shuffle gives a permutation, the same for the same seed', () => {
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 0, max: 200 }), (seed, n) => {
        const a = new Uint32Array(n).map((_, i) => i)
        const b = new Uint32Array(n).map((_, i) => i)
        shuffle(a, createRandom(seed))
        shuffle(b, createRandom(seed))
        expect(a).toEqual(b)
        expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: n }, (_, i) => i))
      }),
    )
  })

  it('below(3) is close to uniform over 30,000 draws (no modulo bias)', () => {
    const r = createRandom(7)
    const counts = [0, 0, 0]
    for (let i = 0; i < 30_000; i++) {
      const k = r.below(3)
      counts[k] = (counts[k] as number) + 1
    }
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(400) // ~5 standard deviations
  })
})
