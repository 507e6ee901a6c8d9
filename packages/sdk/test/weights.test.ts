/** Weights before they reach the chain: validation names the bad entry, quantization and packing round-trip. */
import { decodeWeights, encodeWeights, InvalidWeightsError, toChainWeights } from '@mycel/sdk'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'

describe('toChainWeights', () => {
  it.each([
    [[1, Number.NaN], 2, 'weights[1]: is not a number'],
    [[1, -0.5], 2, 'weights[1]: is negative (-0.5)'],
    [[Number.POSITIVE_INFINITY, 1], 2, 'weights[0]: is not finite'],
    [[1, 2, 3], 2, 'has 3 entries; the subnet has 2 uids'],
    [[0, 0], 2, 'every weight is zero'],
  ])('refuses %j for %i uids: %s', (scores, uids, message) => {
    expect(() => toChainWeights(scores, uids)).toThrow(InvalidWeightsError)
    expect(() => toChainWeights(scores, uids)).toThrow(message)
  })

  it('max-upscales to u16 and packs two bytes per uid, round-tripping', () => {
    expect(toChainWeights([0.5, 1, 0], 3)).toEqual([32_768, 65_535, 0])
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 300 }),
        (scores) => {
          fc.pre(scores.some((x) => x > 0))
          const weights = toChainWeights(scores, scores.length)
          expect(Math.max(...weights)).toBe(65_535)
          const packed = encodeWeights(weights)
          expect(packed.length).toBe(2 + 4 * weights.length)
          expect(decodeWeights(packed)).toEqual(weights)
        },
      ),
    )
  })

  it('refuses to pack a value that is not a u16', () => {
    expect(() => encodeWeights([1, 65_536])).toThrow('weights[1]: must be an integer in [0, 65535]')
  })
})
