/**
 * Yuma in fixed point: the arithmetic against BigInt, the epoch against an independent float64 reading of the
 * equations (docs/yuma.md), the consensus guarantee (a stake minority below kappa cannot move it), and the JSON
 * front end's errors. The bit-for-bit comparison with Solidity is contracts/test/yuma.evm.test.ts.
 */
import {
  divQ32,
  E_INV_Q32,
  E_SIXTEENTHS_Q32,
  expNegQ32,
  fromQ32,
  idiv,
  mulQ32,
  ONE,
  parseYumaJson,
  runYumaJson,
  sigmoidQ32,
  toQ32,
  type YumaInput,
  YumaInputError,
  yumaEpoch,
} from '@mycel/sdk'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { floatYuma } from '../../../test/helpers/yumaFloat.ts'

const big = BigInt

describe('Q32 arithmetic is exact', () => {
  it('mulQ32(a, b) = floor(a·b / 2^32) for all a, b < 2^34', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 34 - 1 }), fc.integer({ min: 0, max: 2 ** 34 - 1 }), (a, b) => {
        expect(mulQ32(a, b)).toBe(Number((big(a) * big(b)) >> 32n))
      }),
      { numRuns: 20_000 },
    )
  })

  it('divQ32(a, b) = floor(a·2^32 / b) whenever the result is below 2^53', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer({ min: 0, max: 2 ** 52 }),
          fc.integer({ min: 0, max: 2 ** 34 }),
          fc.integer({ min: 0, max: 2 ** 20 }),
        ),
        fc.oneof(
          fc.integer({ min: 1, max: 2 ** 52 }),
          fc.integer({ min: 1, max: 2 ** 40 }),
          fc.integer({ min: 1, max: 2 ** 20 }),
        ),
        fc.integer({ min: -3, max: 3 }),
        (a0, b, nudge) => {
          // Also near exact multiples, where a rounded quotient lands on the next integer.
          const a = Math.max(0, Math.min(2 ** 52, a0 - (a0 % b) + nudge))
          fc.pre((big(a) << 32n) / big(b) < 2n ** 53n)
          expect(divQ32(a, b)).toBe(Number((big(a) << 32n) / big(b)))
        },
      ),
      { numRuns: 50_000 },
    )
  })

  it('divQ32 is exact on knife edges: a·2^32 just below a multiple of b', () => {
    const inverse = (b: bigint, m: bigint) => {
      // b^-1 mod m by the extended Euclidean algorithm (b odd, m a power of two).
      let [r0, r1, t0, t1] = [m, b % m, 0n, 1n]
      while (r1 !== 0n) {
        const q = r0 / r1
        ;[r0, r1, t0, t1] = [r1, r0 - q * r1, t1, t0 - q * t1]
      }
      return ((t0 % m) + m) % m
    }
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 19 }), fc.integer({ min: 1, max: 5 }), (half, r) => {
        const b = BigInt(2 * half + 1) * 2n ** 20n + 1n // odd, up to about 2^40
        const m = 2n ** 32n
        // q·b − r ≡ 0 (mod 2^32), so a = (q·b − r) / 2^32 is an integer and a·2^32 / b = q − r/b.
        const q = (BigInt(r) * inverse(b, m)) % m
        fc.pre(q * b >= BigInt(r))
        const a = (q * b - BigInt(r)) / m
        expect(divQ32(Number(a), Number(b))).toBe(Number(q - 1n))
      }),
      { numRuns: 5000 },
    )
  })

  it('idiv(a, b) = floor(a / b) for all a < 2^53', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), fc.integer({ min: 1, max: 2 ** 40 }), (a, b) => {
        expect(idiv(a, b)).toBe(Number(big(a) / big(b)))
      }),
      { numRuns: 20_000 },
    )
  })

  it('E_INV and the e^(-k/16) table are floor(e^-x · 2^32) (200-digit series), and e^-t is within 1e-8', () => {
    const scale = 10n ** 200n
    const expNeg = (num: bigint, den: bigint) => {
      let term = scale
      let sum = 0n
      for (let k = 0n; term !== 0n; k++) {
        sum += k % 2n === 0n ? term : -term
        term = (term * num) / (den * (k + 1n))
      }
      return Number((sum << 32n) / scale)
    }
    expect(E_INV_Q32).toBe(expNeg(1n, 1n))
    expect(E_SIXTEENTHS_Q32).toEqual(Array.from({ length: 16 }, (_, k) => expNeg(BigInt(k), 16n)))
    expect(expNegQ32(ONE)).toBe(E_INV_Q32)
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 60 * ONE }), (t) => {
        expect(Math.abs(fromQ32(expNegQ32(t)) - Math.exp(-t / ONE))).toBeLessThan(1e-8)
      }),
      { numRuns: 10_000 },
    )
  })

  it('sigmoidQ32 is the logistic with slope steepness/100, within 1e-8', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: ONE }), fc.integer({ min: 0, max: 10_000 }), (x, steepness) => {
        const expected = 1 / (1 + Math.exp((-steepness / 100) * (x / ONE - 0.5)))
        expect(Math.abs(fromQ32(sigmoidQ32(x, steepness)) - expected)).toBeLessThan(1e-8)
      }),
    )
  })
})

/** Parameters in hundredths, as owners set them; bonds in 2^-16 steps, as u16 storage keeps them. */
const percent = fc.integer({ min: 0, max: 100 }).map((p) => toQ32(p / 100))
const bond = fc.integer({ min: 0, max: 65_536 }).map((k) => k * 65_536)
const yumaInput = fc
  .record({
    v: fc.integer({ min: 0, max: 8 }),
    n: fc.integer({ min: 0, max: 12 }),
    version: fc.constantFrom('yuma3' as const, 'yuma' as const),
    liquid: fc.boolean(),
    withBonds: fc.boolean(),
  })
  .chain(({ v, n, version, liquid, withBonds }) =>
    fc.record({
      weights: fc.array(
        fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 65_535 })), { minLength: n, maxLength: n }),
        {
          minLength: v,
          maxLength: v,
        },
      ),
      // Realistic ranges: shares of at least 10^-4 and an EMA rate of at least 1%; below that, Q32 steps of 2^-32
      // are coarse relative to the values (as I32F32 steps are in subtensor) and a comparison with floats means little.
      stake: fc.array(fc.oneof(fc.constant(0n), fc.bigInt({ min: 10n ** 21n, max: 10n ** 24n })), {
        minLength: v,
        maxLength: v,
      }),
      bonds: withBonds
        ? fc.array(fc.array(bond, { minLength: n, maxLength: n }), { minLength: v, maxLength: v })
        : fc.constant(undefined),
      kappa: percent,
      bondsPenalty: percent,
      alpha: fc.integer({ min: 1, max: 100 }).map((p) => toQ32(p / 100)),
      liquidAlpha:
        liquid && version === 'yuma3'
          ? fc
              .tuple(percent, percent, fc.integer({ min: 0, max: 3000 }))
              .map(([a, b, steepness]) => ({ low: Math.min(a, b), high: Math.max(a, b), steepness }))
          : fc.constant(null),
      version: fc.constant(version),
    }),
  )

function expectClose(actual: number[], expected: number[], tolerance: number): void {
  expect(actual.length).toBe(expected.length)
  actual.forEach((x, i) => {
    expect(Math.abs(fromQ32(x) - (expected[i] as number))).toBeLessThan(tolerance)
  })
}

describe('yumaEpoch', () => {
  it('agrees with a float64 reading of the equations (within 1e-5, I32F32-like precision) on random epochs', () => {
    fc.assert(
      fc.property(yumaInput, (input) => {
        const reference = floatYuma(input)
        // A column whose cumulative stake lands within rounding of kappa · total may pick either neighbour; the
        // fixed-point choice is the specified one, the float one is not, so such knife edges are skipped here.
        fc.pre(reference.margin > 1e-6)
        // Bonds are column-normalized; a column whose sum is a few thousand 2^-32 steps is ill-conditioned in any
        // fixed point (subtensor's I32F32 included), so only well-conditioned epochs are compared with floats.
        fc.pre(reference.conditioning > 1e-3)
        const result = yumaEpoch(input)
        expectClose(result.consensus, reference.consensus, 1e-5)
        expectClose(result.incentive, reference.incentive, 1e-5)
        expectClose(result.dividends, reference.dividends, 1e-5)
        expectClose(result.validatorTrust, reference.validatorTrust, 1e-5)
        result.bonds.forEach((row, i) => {
          expectClose(row, reference.bonds[i] as number[], 1e-5)
        })
      }),
      { numRuns: 3000 },
    )
  })

  it('incentive and dividends each sum to 1 (within rounding) or are all zero', () => {
    fc.assert(
      fc.property(yumaInput, (input) => {
        const r = yumaEpoch(input)
        for (const vector of [r.incentive, r.dividends]) {
          const sum = vector.reduce((a, b) => a + b, 0)
          expect(sum === 0 || (sum <= ONE && sum >= ONE - vector.length)).toBe(true)
        }
      }),
      { numRuns: 2000 },
    )
  })

  it('a stake minority below kappa cannot move consensus away from the majority’s weights', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 65_535 }), { minLength: 1, maxLength: 16 }),
        fc.array(fc.array(fc.integer({ min: 0, max: 65_535 }), { minLength: 16, maxLength: 16 }), {
          minLength: 1,
          maxLength: 6,
        }),
        fc.integer({ min: 1, max: 6 }),
        fc.double({ min: 0.05, max: 0.95, noNaN: true }),
        fc.double({ min: 0, max: 0.999, noNaN: true }),
        (honestRow, attackers, honestCount, kappaFloat, minorityOfKappa) => {
          const n = honestRow.length
          const kappa = toQ32(kappaFloat)
          // Total stake 10^9: the minority holds strictly less than kappa of it, the majority the rest.
          const total = 1_000_000_000n
          const minority = BigInt(Math.floor(kappaFloat * minorityOfKappa * 1e9))
          fc.pre(total - minority >= BigInt(Math.ceil(kappaFloat * 1e9)) + 1n)
          const honestStake = (total - minority) / BigInt(honestCount)
          const attackerStake = minority / BigInt(attackers.length)
          const input: YumaInput = {
            weights: [...Array.from({ length: honestCount }, () => honestRow), ...attackers.map((r) => r.slice(0, n))],
            stake: [...Array.from({ length: honestCount }, () => honestStake), ...attackers.map(() => attackerStake)],
            kappa,
            bondsPenalty: ONE,
            alpha: toQ32(0.1),
            liquidAlpha: null,
            version: 'yuma3',
          }
          const sum = honestRow.reduce((a, b) => a + b, 0)
          const honestNormalized = honestRow.map((x) => (sum === 0 ? 0 : divQ32(x, sum)))
          expect(yumaEpoch(input).consensus).toEqual(honestNormalized)
        },
      ),
      { numRuns: 2000 },
    )
  })

  it('a validator weighting a miner nobody else supports earns nothing for it, and its trust drops', () => {
    const r = yumaEpoch({
      weights: [
        [65_535, 0, 0],
        [65_535, 0, 0],
        [0, 0, 65_535],
      ],
      stake: [40n, 40n, 20n],
      kappa: ONE / 2,
      bondsPenalty: ONE,
      alpha: toQ32(0.1),
      liquidAlpha: null,
      version: 'yuma3',
    })
    expect(r.consensus).toEqual([ONE, 0, 0])
    expect(r.incentive).toEqual([ONE, 0, 0])
    expect(r.validatorTrust).toEqual([ONE, ONE, 0])
    expect(r.dividends[2]).toBe(0)
    expect(r.dividends[0]).toBe(r.dividends[1])
  })
})

describe('the JSON form (mycel yuma)', () => {
  it('reads the documented format with defaults and prints decimals', () => {
    const out = runYumaJson({
      weights: [
        [1, 1],
        [1, 0],
      ],
      stake: [1, 1],
    })
    // W = [[.5, .5], [1, 0]], equal stake: consensus [1, .5], ranks [.75, .25].
    expect(out.consensus).toEqual([1, 0.5])
    expect(out.incentive[0]).toBeCloseTo(0.75, 9)
    expect(out.incentive[1]).toBeCloseTo(0.25, 9)
    expect(out.validatorTrust).toEqual([1, 1])
    expect(Object.keys(out).sort()).toEqual(['bonds', 'consensus', 'dividends', 'incentive', 'validatorTrust'])
  })

  it('converts raw stakes exactly: decimal strings, fractions, and both scaled alike', () => {
    const a = parseYumaJson({ weights: [[1], [1]], stake: ['1000000000000000000000', 0.5] })
    expect(a.stake).toEqual([2_000_000_000_000_000_000_000n, 1n])
    const b = parseYumaJson({ weights: [[1], [1]], stake: [3, 1.25] })
    expect(b.stake).toEqual([12n, 5n])
  })

  it('max-upscales each weight row to u16 as the chain stores it', () => {
    expect(parseYumaJson({ weights: [[0.5, 0.25, 0]], stake: [1] }).weights).toEqual([[65_535, 32_768, 0]])
  })

  const bad: [string, unknown, string][] = [
    ['not an object', [1, 2], 'input'],
    ['no weights', { stake: [1] }, 'weights'],
    ['no stake', { weights: [[1]] }, 'stake'],
    ['a typo', { weights: [[1]], stake: [1], kapa: 0.5 }, 'kapa'],
    ['a negative weight', { weights: [[1, -1]], stake: [1] }, 'weights[0][1]'],
    ['a NaN weight', { weights: [[1, Number.NaN]], stake: [1] }, 'weights[0][1]'],
    ['a string weight', { weights: [[1, '2']], stake: [1] }, 'weights[0][1]'],
    ['an overflowing weight', { weights: [[1, JSON.parse('1e309')]], stake: [1] }, 'weights[0][1]'],
    ['ragged rows', { weights: [[1, 2], [1]], stake: [1, 1] }, 'weights[1]'],
    ['wrong stake length', { weights: [[1], [1]], stake: [1] }, 'weights'],
    ['a negative stake', { weights: [[1]], stake: [-1] }, 'stake[0]'],
    ['a non-integer stake string', { weights: [[1]], stake: ['1.5'] }, 'stake[0]'],
    ['a bond above 1', { weights: [[1]], stake: [1], bonds: [[1.5]] }, 'bonds[0][0]'],
    ['bonds of the wrong shape', { weights: [[1, 1]], stake: [1], bonds: [[0.1]] }, 'bonds[0]'],
    ['kappa above 1', { weights: [[1]], stake: [1], kappa: 2 }, 'kappa'],
    ['an unknown version', { weights: [[1]], stake: [1], version: 'yuma4' }, 'version'],
    [
      'liquid alpha on original Yuma',
      { weights: [[1]], stake: [1], version: 'yuma', liquidAlpha: { low: 0.1, high: 0.2 } },
      'liquidAlpha',
    ],
    ['low above high', { weights: [[1]], stake: [1], liquidAlpha: { low: 0.9, high: 0.7 } }, 'liquidAlpha'],
    [
      'a fractional steepness',
      { weights: [[1]], stake: [1], liquidAlpha: { low: 0.1, high: 0.2, steepness: 1.5 } },
      'liquidAlpha.steepness',
    ],
  ]
  for (const [what, input, field] of bad) {
    it(`rejects ${what}, naming ${field}`, () => {
      let error: unknown
      try {
        runYumaJson(input)
      } catch (e) {
        error = e
      }
      expect(error).toBeInstanceOf(YumaInputError)
      expect((error as YumaInputError).field).toBe(field)
      expect((error as YumaInputError).shortMessage.startsWith(`${field}: `)).toBe(true)
    })
  }
})
