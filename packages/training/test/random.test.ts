/**
 * The counter-based generator: pinned words (the Solidity referee must give the same, contracts/test), ranges,
 * unbiased bounds, and the data order — a permutation of the examples in every epoch, another one in the next epoch,
 * the same for the same seed.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createRandom, exampleAt, hash32, permute, randomWord, streamKey } from '../src/index.ts'

describe('random', () => {
  it('lowbias32 and the stream words are pinned (committed jobs depend on them)', () => {
    expect([0, 1, 2, 0xffffffff].map(hash32)).toMatchInlineSnapshot(`
      [
        0,
        1753845952,
        3507691905,
        1734902346,
      ]
    `)
    expect([0, 1, 2].map((i) => randomWord(streamKey(7, 0), i))).toMatchInlineSnapshot(`
      [
        3090825056,
        3756685623,
        864676221,
      ]
    `)
    expect(Array.from({ length: 10 }, (_, p) => exampleAt(7, 10, p))).toMatchInlineSnapshot(`
      [
        3,
        7,
        0,
        1,
        6,
        4,
        9,
        5,
        8,
        2,
      ]
    `)
  })

  it('hash32 is a bijection on a sample (no two of 200,000 consecutive words collide)', () => {
    const seen = new Set<number>()
    for (let i = 0; i < 200_000; i++) seen.add(hash32(0x7fff0000 + i))
    expect(seen.size).toBe(200_000)
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

  it('property: every epoch of the data order is a permutation of the examples, a different one each epoch', () => {
    fc.assert(
      fc.property(fc.nat({ max: 2 ** 32 - 1 }), fc.integer({ min: 1, max: 3000 }), (seed, count) => {
        const epoch = (e: number) => Array.from({ length: count }, (_, i) => exampleAt(seed, count, e * count + i))
        const first = epoch(0)
        expect([...first].sort((a, b) => a - b)).toEqual(Array.from({ length: count }, (_, i) => i))
        if (count >= 8) expect(epoch(1)).not.toEqual(first)
        expect(first[count - 1]).toBe(permute(seed, 0, count, count - 1))
      }),
      { numRuns: 60 },
    )
    expect(() => exampleAt(1, 0, 0)).toThrow(/count must be/)
    expect(() => exampleAt(1, 10, -1)).toThrow(/not an index/)
  })

  it('below(3) and the first example of an epoch are close to uniform (no bias)', () => {
    const r = createRandom(7)
    const counts = [0, 0, 0]
    for (let i = 0; i < 30_000; i++) {
      const k = r.below(3)
      counts[k] = (counts[k] as number) + 1
    }
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(400) // ~5 standard deviations
    const firsts = new Array(10).fill(0)
    for (let e = 0; e < 20_000; e++) firsts[exampleAt(3, 10, e * 10)]++
    for (const c of firsts) expect(Math.abs(c - 2_000)).toBeLessThan(250) // ~6 standard deviations
  })
})
