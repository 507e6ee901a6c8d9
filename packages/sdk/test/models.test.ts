/**
 * The model market's pure helpers: license terms parsed from plain data (every mistake named by its field), model
 * splits validated as the contract does, split progress between vouchers, and the royalty arithmetic (property:
 * credits plus the payee's part always equal the amount, and no credit exceeds its bps share).
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  buildModelSplit,
  InvalidTermsError,
  ModelAmountDecreasedError,
  ModelSplitAmountError,
  ModelSplitNotSortedError,
  ModelSplitOverAmountError,
  parseLicenseTerms,
  royaltyShares,
  splitIncreases,
  toContractTerms,
  validateModelSplit,
} from '../src/index.ts'

const usd = '0x5fbdb2315678afecb367f032d93f642f64180aa3'
const good = {
  commercialUse: true,
  derivativesAllowed: false,
  attribution: true,
  royaltyBps: 750,
  minPricePerRequest: '1000',
  currency: usd,
  licenseDuration: 86_400,
  mintFee: 5,
}

describe('license terms', () => {
  it('parses terms from JSON-like data into the contract struct', () => {
    expect(toContractTerms(parseLicenseTerms(good))).toEqual({
      commercialUse: true,
      derivativesAllowed: false,
      attribution: true,
      royaltyBps: 750,
      minPricePerRequest: 1000n,
      currency: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
      licenseDuration: 86_400n,
      mintFee: 5n,
      hasTerms: true,
    })
    expect(toContractTerms(undefined).hasTerms).toBe(false)
  })

  it('names the field of every mistake', () => {
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ ...good, royaltyBps: 10_001 }, 'royaltyBps', /from 0 to 10000/],
      [{ ...good, royaltyBps: 1.5 }, 'royaltyBps', /integer/],
      [{ ...good, commercialUse: 'yes' }, 'commercialUse', /true or false/],
      [{ ...good, currency: '0x0000000000000000000000000000000000000000' }, 'currency', /non-zero/],
      [{ ...good, currency: 'usd' }, 'currency', /ERC-20 address/],
      [{ ...good, mintFee: -1 }, 'mintFee', /from 0 to/],
      [{ ...good, mintFee: (2n ** 96n).toString() }, 'mintFee', /from 0 to/],
      [{ ...good, royalty: 5 }, 'royalty', /one of/],
    ]
    for (const [input, field, message] of cases) {
      const error = (() => {
        try {
          parseLicenseTerms(input)
        } catch (e) {
          return e
        }
      })()
      expect(error).toBeInstanceOf(InvalidTermsError)
      expect((error as InvalidTermsError).field).toBe(field)
      expect((error as Error).message).toMatch(message)
    }
    expect(() => parseLicenseTerms([])).toThrow(/must be an object/)
  })
})

describe('model splits', () => {
  it('builds sorted splits without zero entries and refuses broken ones with named errors', () => {
    expect(
      buildModelSplit(
        new Map([
          [7n, 3n],
          [2n, 10n],
          [5n, 0n],
        ]),
      ),
    ).toEqual([
      { modelId: 2n, cumulativeAmount: 10n },
      { modelId: 7n, cumulativeAmount: 3n },
    ])
    const a = { modelId: 1n, cumulativeAmount: 5n }
    const b = { modelId: 2n, cumulativeAmount: 6n }
    expect(() => validateModelSplit([b, a], 100n)).toThrow(ModelSplitNotSortedError)
    expect(() => validateModelSplit([a, a], 100n)).toThrow(ModelSplitNotSortedError)
    expect(() => validateModelSplit([{ modelId: 1n, cumulativeAmount: 0n }], 100n)).toThrow(ModelSplitAmountError)
    expect(() => validateModelSplit([a, b], 10n)).toThrow(ModelSplitOverAmountError)
    expect(() => validateModelSplit([a, b], 11n)).not.toThrow()
    expect(() => validateModelSplit([], 0n)).not.toThrow()
  })

  it('reports increases and refuses a lower or vanished model', () => {
    const before = [{ modelId: 1n, cumulativeAmount: 5n }]
    expect(
      splitIncreases(before, [
        { modelId: 1n, cumulativeAmount: 9n },
        { modelId: 3n, cumulativeAmount: 2n },
      ]),
    ).toEqual(
      new Map([
        [1n, 4n],
        [3n, 2n],
      ]),
    )
    expect(() => splitIncreases(before, [{ modelId: 1n, cumulativeAmount: 4n }])).toThrow(ModelAmountDecreasedError)
    expect(() => splitIncreases(before, [])).toThrow(/lower than the 5/)
  })

  it('property: royalty shares are the increase of floor(cumulative·bps/10,000); over many claims they add up to the shares of the total', () => {
    fc.assert(
      fc.property(
        fc.array(fc.bigInt({ min: 0n, max: 2n ** 80n }), { minLength: 1, maxLength: 6 }),
        fc.array(fc.nat(10_000), { maxLength: 8 }).filter((bps) => bps.reduce((a, b) => a + b, 0) <= 10_000),
        (deltas, bps) => {
          const route = bps.map((b, i) => ({ modelId: BigInt(i + 1), bps: b }))
          let before = 0n
          const summed = route.map(() => 0n)
          for (const delta of deltas) {
            const { credits, payee } = royaltyShares(delta, route, before)
            const total = credits.reduce((a, b) => a + b, 0n)
            expect(total + payee).toBe(delta)
            // Each entry's share is below its exact part plus one unit; so the payee's part is negative (a claim the
            // contract refuses, audit C1) only on a rise smaller than k / (1 − Σbps / 10,000) units.
            const sumBps = BigInt(bps.reduce((a, b) => a + b, 0))
            expect(total * 10_000n).toBeLessThan(delta * sumBps + BigInt(route.length) * 10_000n + 1n)
            if (delta * (10_000n - sumBps) >= BigInt(route.length) * 10_000n) expect(payee).toBeGreaterThanOrEqual(0n)
            credits.forEach((c, i) => {
              expect(c).toBeGreaterThanOrEqual(0n)
              summed[i] = (summed[i] ?? 0n) + c
            })
            before += delta
          }
          // Claims in any steps credit exactly what one claim of the total would: floor(total · bps / 10,000).
          const { credits: whole } = royaltyShares(before, route)
          expect(summed).toEqual(whole)
          whole.forEach((c, i) => {
            const exact = before * BigInt(bps[i] ?? 0)
            expect(c * 10_000n).toBeLessThanOrEqual(exact)
            expect((c + 1n) * 10_000n).toBeGreaterThan(exact)
          })
        },
      ),
      { numRuns: 2_000 },
    )
  })
})
