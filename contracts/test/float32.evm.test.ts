/**
 * Float32.sol, the on-chain referee of training disputes, gives the same bits as the training engine
 * (packages/training/src/f32.ts: binary64 then Math.fround) for add, sub, mul, div and sqrt: every pair of an edge
 * set, fast-check random patterns (uniform, close exponents, cancellation, subnormals), hand-checked ties to even and
 * IEEE special cases. The contract's NaN must be exactly 0x7FC00000 (the reference makes every NaN canonical; the
 * contract's output is compared raw). Prints a GAS line per op for typical normal operands.
 */
import fc from 'fast-check'
import { decodeErrorResult } from 'viem'
import { beforeAll, describe, expect, it } from 'vitest'
import { float32HarnessAbi } from '../../packages/sdk/src/generated/contracts.ts'
import {
  type Bias,
  biasedCase,
  CANONICAL_NAN,
  type Case,
  deployHarness,
  describeCase,
  EDGE_SET,
  edgeCases,
  OPS,
  type Op,
  reference,
} from './float32Cases.ts'

/** Random cases per (op, bias): 4 biases × 5 ops × this = the CI total. */
const RUNS_PER_BIAS = Number(process.env.FLOAT32_RUNS ?? 1500)
const BATCH = 500

let harness: Awaited<ReturnType<typeof deployHarness>>
beforeAll(async () => {
  harness = await deployHarness()
})

/** Every mismatch between the contract and the engine, as readable lines. */
function mismatches(cases: readonly Case[], got: ArrayLike<number>): string[] {
  expect(got.length).toBe(cases.length)
  const bad: string[] = []
  cases.forEach((c, i) => {
    const g = got[i] as number
    if (g !== reference(c.op, c.a, c.b)) bad.push(describeCase(c, g))
  })
  return bad
}

describe('Float32 against the training engine', () => {
  it(`every ordered pair of the ${EDGE_SET.length}-value edge set, all five ops (applyMany)`, async () => {
    const cases = edgeCases()
    expect(cases.length).toBe(EDGE_SET.length * EDGE_SET.length * 4 + EDGE_SET.length)
    const got = await harness.applyMany(cases)
    expect(mismatches(cases, got).slice(0, 10)).toEqual([])
  })

  const biases: Bias[] = ['uniform', 'close', 'cancel', 'subnormal']
  for (const op of [0, 1, 2, 3, 4] as Op[]) {
    it(`${OPS[op]}: ${RUNS_PER_BIAS * biases.length} fast-check cases (uniform, close exponents, cancellation, subnormal)`, async () => {
      const u32 = fc.integer({ min: 0, max: 0xffffffff })
      const caseOf = (bias: Bias) =>
        fc.tuple(u32, u32, u32).map((words) => {
          let i = 0
          return biasedCase(op, bias, () => words[i++ % 3] as number)
        })
      const batch = fc.array(fc.oneof(...biases.map(caseOf)), { minLength: BATCH, maxLength: BATCH })
      await fc.assert(
        fc.asyncProperty(batch, async (cases) => {
          const { results } = await harness.applyPacked(cases)
          expect(mismatches(cases, results).slice(0, 5)).toEqual([])
        }),
        {
          numRuns: Math.ceil((RUNS_PER_BIAS * biases.length) / BATCH),
          seed: Number(process.env.FLOAT32_SEED ?? op),
          // No shrinking: the failure already lists the exact cases, and shrinking 500-case batches takes a minute.
          endOnFailure: true,
        },
      )
    })
  }

  it('applyPacked and applyMany agree (the bench relies on the packed form)', async () => {
    const cases = edgeCases().filter((_, i) => i % 7 === 0)
    const many = await harness.applyMany(cases)
    const { results } = await harness.applyPacked(cases)
    expect([...results]).toEqual(many)
  })
})

describe('Float32 known answers', () => {
  const cases: { name: string; op: Op; a: number; b: number; want: number }[] = [
    { name: '1 + 2^-24 ties to 1 (even)', op: 0, a: 0x3f800000, b: 0x33800000, want: 0x3f800000 },
    { name: '(1 + ulp) + 2^-24 ties up to 1 + 2 ulp (even)', op: 0, a: 0x3f800001, b: 0x33800000, want: 0x3f800002 },
    { name: '1 − 2^-25 ties up to 1 (even)', op: 1, a: 0x3f800000, b: 0x33000000, want: 0x3f800000 },
    { name: '2^24 + 1 ties down to 2^24', op: 0, a: 0x4b800000, b: 0x3f800000, want: 0x4b800000 },
    { name: '(2^24 + 2) + 1 ties up to 2^24 + 4', op: 0, a: 0x4b800001, b: 0x3f800000, want: 0x4b800002 },
    { name: 'largest + half an ulp ties to +∞', op: 0, a: 0x7f7fffff, b: 0x73000000, want: 0x7f800000 },
    { name: 'largest + just under half an ulp stays', op: 0, a: 0x7f7fffff, b: 0x72ffffff, want: 0x7f7fffff },
    { name: '2^-149 · 0.5 ties to +0', op: 2, a: 0x00000001, b: 0x3f000000, want: 0x00000000 },
    { name: '−3·2^-149 · 0.5 ties to −2·2^-149', op: 2, a: 0x80000003, b: 0x3f000000, want: 0x80000002 },
    { name: '5·2^-149 · 0.5 ties to 2·2^-149', op: 2, a: 0x00000005, b: 0x3f000000, want: 0x00000002 },
    { name: '3·2^-149 / 2 ties to 2·2^-149', op: 3, a: 0x00000003, b: 0x40000000, want: 0x00000002 },
    { name: 'largest subnormal + smallest subnormal = smallest normal', op: 0, a: 0x007fffff, b: 1, want: 0x00800000 },
    { name: 'smallest normal − smallest subnormal = largest subnormal', op: 1, a: 0x00800000, b: 1, want: 0x007fffff },
    { name: '(+0) + (−0) = +0', op: 0, a: 0x00000000, b: 0x80000000, want: 0x00000000 },
    { name: '(−0) + (−0) = −0', op: 0, a: 0x80000000, b: 0x80000000, want: 0x80000000 },
    { name: '(−0) − (+0) = −0', op: 1, a: 0x80000000, b: 0x00000000, want: 0x80000000 },
    { name: 'x − x = +0', op: 1, a: 0xc0490fdb, b: 0xc0490fdb, want: 0x00000000 },
    { name: '√(−0) = −0', op: 4, a: 0x80000000, b: 0, want: 0x80000000 },
    { name: '√(+∞) = +∞', op: 4, a: 0x7f800000, b: 0, want: 0x7f800000 },
    { name: '√(−1) = NaN', op: 4, a: 0xbf800000, b: 0, want: CANONICAL_NAN },
    { name: '√(−∞) = NaN', op: 4, a: 0xff800000, b: 0, want: CANONICAL_NAN },
    { name: '√2 rounds to 0x3fb504f3', op: 4, a: 0x40000000, b: 0, want: 0x3fb504f3 },
    { name: '√(2^-149) = 2^-74.5 rounded', op: 4, a: 0x00000001, b: 0, want: 0x1a3504f3 },
    { name: '∞ − ∞ = NaN', op: 1, a: 0x7f800000, b: 0x7f800000, want: CANONICAL_NAN },
    { name: '∞ + ∞ = ∞', op: 0, a: 0x7f800000, b: 0x7f800000, want: 0x7f800000 },
    { name: '0 · ∞ = NaN', op: 2, a: 0x80000000, b: 0x7f800000, want: CANONICAL_NAN },
    { name: '1 / (+0) = +∞', op: 3, a: 0x3f800000, b: 0x00000000, want: 0x7f800000 },
    { name: '1 / (−0) = −∞', op: 3, a: 0x3f800000, b: 0x80000000, want: 0xff800000 },
    { name: '0 / 0 = NaN', op: 3, a: 0x00000000, b: 0x80000000, want: CANONICAL_NAN },
    { name: '∞ / ∞ = NaN', op: 3, a: 0xff800000, b: 0x7f800000, want: CANONICAL_NAN },
    { name: '−1 / ∞ = −0', op: 3, a: 0xbf800000, b: 0x7f800000, want: 0x80000000 },
    { name: 'a signalling NaN gives the canonical NaN', op: 0, a: 0x7f800001, b: 0x3f800000, want: CANONICAL_NAN },
    { name: 'a negative NaN gives the canonical NaN', op: 2, a: 0xffffffff, b: 0x3f800000, want: CANONICAL_NAN },
    { name: '2^127 · 2 overflows to +∞', op: 2, a: 0x7f000000, b: 0x40000000, want: 0x7f800000 },
    { name: '2^-126 / 2^24 = 2^-150 ties to +0', op: 3, a: 0x00800000, b: 0x4b800000, want: 0x00000000 },
  ]
  for (const c of cases) {
    it(c.name, async () => {
      const got = await harness.applyMany([c])
      expect(got).toEqual([c.want])
      // The engine agrees, so the hand answer is not a typo of the contract's.
      expect(reference(c.op, c.a, c.b)).toBe(c.want)
    })
  }
})

describe('Float32 entry points', () => {
  it('an unknown op reverts Float32UnknownOp(op)', async () => {
    const r = await harness.chain.call(harness.from, harness.address, float32HarnessAbi, 'applyOp', [5, 1, 1])
    expect(r.ok).toBe(false)
    const error = decodeErrorResult({ abi: float32HarnessAbi, data: r.revertData })
    expect(error.errorName).toBe('Float32UnknownOp')
    expect(error.args).toEqual([5])
  })

  it('applyOp gives the same bits as the batch', async () => {
    const r = await harness.chain.call(
      harness.from,
      harness.address,
      float32HarnessAbi,
      'applyOp',
      [3, 0x3f800000, 0x40400000],
    )
    expect(r.result).toBe(0x3eaaaaab) // 1/3
  })

  it('eq is bit equality except that every NaN equals every NaN', async () => {
    const pairs: [number, number, boolean][] = [
      [0x7fc00000, 0x7f800001, true],
      [0xffffffff, 0x7fc00000, true],
      [0x7fc00000, 0x7f800000, false],
      [0x3f800000, 0x7fc00000, false],
      [0x00000000, 0x80000000, false],
      [0x3f800000, 0x3f800000, true],
      [0x3f800000, 0x3f800001, false],
    ]
    for (const [a, b, want] of pairs) {
      const r = await harness.chain.call(harness.from, harness.address, float32HarnessAbi, 'eq', [a, b])
      expect([a, b, r.result]).toEqual([a, b, want])
    }
  })

  it('the batch reverts Float32HarnessLengthMismatch on arrays of different lengths', async () => {
    const r = await harness.chain.call(harness.from, harness.address, float32HarnessAbi, 'applyMany', [
      [0, 0],
      [1, 2],
      [3],
    ])
    expect(r.ok).toBe(false)
    const error = decodeErrorResult({ abi: float32HarnessAbi, data: r.revertData })
    expect(error.errorName).toBe('Float32HarnessLengthMismatch')
    expect(error.args).toEqual([2n, 2n, 1n])
  })
  it('the packed batch reverts Float32HarnessBadPacking on a partial record', async () => {
    const r = await harness.chain.call(harness.from, harness.address, float32HarnessAbi, 'applyPacked', ['0x0001'])
    expect(r.ok).toBe(false)
    const error = decodeErrorResult({ abi: float32HarnessAbi, data: r.revertData })
    expect(error.errorName).toBe('Float32HarnessBadPacking')
    expect(error.args).toEqual([2n])
  })
})

describe('Float32 gas', () => {
  it('every op on typical normal operands costs well under 5,000 gas', async () => {
    // Typical training values: weights and activations of order 1, gradients of order 1e-3.
    const operands: [number, number][] = [
      [0x3fc00001, 0x40490fdb], // 1.5000001, π
      [0xbe4ccccd, 0x3a83126f], // −0.2, 0.001
      [0x42f6e979, 0xc0a00000], // 123.456, −5
    ]
    const worst: number[] = []
    const calls: number[] = []
    for (const op of [0, 1, 2, 3, 4] as Op[]) {
      let max = 0n
      let maxCall = 0n
      for (const [a, b] of operands) {
        const { result, gas } = await harness.measure({ op, a, b })
        expect(result).toBe(reference(op, a, b))
        if (gas > max) max = gas
        // The whole external call's execution gas: dispatch and ABI decoding around the library.
        const call = await harness.chain.call(harness.from, harness.address, float32HarnessAbi, 'applyOp', [op, a, b])
        expect(call.result).toBe(result)
        if (call.gasUsed > maxCall) maxCall = call.gasUsed
      }
      worst.push(Number(max))
      calls.push(Number(maxCall))
    }
    const list = (gas: number[]) => OPS.map((n, i) => `${n}=${gas[i]}`).join(' ')
    console.log(`GAS float32 per op, worst of 3 normal pairs: library ${list(worst)}; applyOp call ${list(calls)}`)
    for (const g of [...worst, ...calls]) expect(g).toBeLessThan(5_000)
  })
})
