/**
 * What the Float32.sol tests and `bench/float32.ts` share: the TypeScript reference (the training engine's own
 * operations from packages/training/src/f32.ts, NaN made canonical), the edge set, operand generators biased toward
 * the hard cases (close exponents that cancel, subnormals), a seeded generator for the bench, and the harness
 * calls (ABI arrays for the tests, packed 9-byte records for the million-case bench).
 */
// Imported from the generated module: the SDK's index exports contracts by name and does not list this test harness.

import { encodeDeployData, type Hex } from 'viem'
import { float32HarnessAbi, float32HarnessBytecode } from '../../packages/sdk/src/generated/contracts.ts'
import { add32, bitsOf32, div32, fromBits32, mul32, sqrt32, sub32 } from '../../packages/training/src/f32.ts'
import { createInProcessChain } from './helpers/evm.ts'

export const OPS = ['add', 'sub', 'mul', 'div', 'sqrt'] as const
export type Op = 0 | 1 | 2 | 3 | 4
export type Case = { op: Op; a: number; b: number }

export const CANONICAL_NAN = 0x7fc00000

/** Every NaN pattern becomes the canonical quiet NaN; other patterns are unchanged (as unsigned 32-bit). */
export function canonical(bits: number): number {
  return (bits & 0x7fffffff) > 0x7f800000 ? CANONICAL_NAN : bits >>> 0
}

const engine = [add32, sub32, mul32, div32, (a: number) => sqrt32(a)] as const

/** The engine's result bits for `op` on the binary32 patterns `a`, `b` (`b` ignored by sqrt), NaN canonical. */
export function reference(op: Op, a: number, b: number): number {
  return canonical(bitsOf32(engine[op](fromBits32(a), fromBits32(b))))
}

/** Bit patterns where IEEE-754 behaviour changes, each with both signs. */
const edgeMagnitudes = [
  0x00000000, // 0
  0x00000001, // smallest subnormal 2^-149
  0x00000002,
  0x00000003,
  0x00400000, // a middle subnormal 2^-127
  0x007fffff, // largest subnormal
  0x00800000, // smallest normal 2^-126
  0x00800001,
  0x00ffffff,
  0x01000000, // 2^-125
  0x0c800000, // 2^-102: squares and products underflow around here
  0x1f800000, // 2^-64
  0x3effffff, // just under 0.5
  0x3f000000, // 0.5
  0x3f7fffff, // 1 − ulp
  0x3f800000, // 1
  0x3f800001, // 1 + ulp
  0x3f800002,
  0x3fc00000, // 1.5
  0x3fffffff, // just under 2
  0x40000000, // 2
  0x40400000, // 3
  0x33800000, // 2^-24: half an ulp of 1 (1 + this is a tie)
  0x33000000, // 2^-25
  0x4b800000, // 2^24
  0x4b7fffff, // 2^24 − 1
  0x5f800000, // 2^64
  0x72800000, // 2^102
  0x73000000, // 2^103: half an ulp of the largest finite (largest + this is a tie to ∞)
  0x7effffff,
  0x7f000000, // 2^127
  0x7f7fffff, // largest finite
  0x7f800000, // ∞
  0x7fc00000, // canonical NaN
  0x7f800001, // signalling NaN
  0x7fffffff, // NaN with every payload bit
]

export const EDGE_SET: number[] = edgeMagnitudes.flatMap((m) => [m, (m | 0x80000000) >>> 0])

/** Every op on every ordered pair of the edge set (sqrt once per operand). */
export function edgeCases(): Case[] {
  const cases: Case[] = []
  for (const a of EDGE_SET) {
    cases.push({ op: 4, a, b: 0 })
    for (const b of EDGE_SET) for (const op of [0, 1, 2, 3] as const) cases.push({ op, a, b })
  }
  return cases
}

/** The pieces of an operand: sign (0 or 1), biased exponent (0..255), fraction (23 bits). */
export function compose(sign: number, exponent: number, fraction: number): number {
  return ((sign << 31) | (exponent << 23) | (fraction & 0x7fffff)) >>> 0
}

/** A seeded 32-bit generator (mulberry32, integer form) for the bench: reproducible cases without fast-check. */
export function seededUint32(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return (t ^ (t >>> 14)) >>> 0
  }
}

export type Bias = 'uniform' | 'close' | 'cancel' | 'subnormal'

/**
 * One case of `bias` from the 32-bit source `next`:
 * - uniform: any two patterns;
 * - close: exponents at most 3 apart, random signs (additions that cancel, products near each other);
 * - cancel: b is a with its low fraction bits changed and often its sign flipped (catastrophic cancellation);
 * - subnormal: exponents 0..2, so operands and results straddle the subnormal range.
 * For sqrt, three in four `a` are non-negative.
 */
export function biasedCase(op: Op, bias: Bias, next: () => number): Case {
  const r = next()
  const r2 = next()
  // sqrt of a negative is always NaN: keep three in four sqrt operands non-negative.
  const a = op === 4 && r2 >>> 30 !== 0 ? next() & 0x7fffffff : next()
  if (bias === 'uniform') return { op, a, b: r }
  if (bias === 'close') {
    const ea = (a >>> 23) & 0xff
    const eb = Math.min(255, Math.max(0, ea + (r % 7) - 3))
    return { op, a, b: compose(r2 & 1, eb, r2 >>> 1) }
  }
  if (bias === 'cancel') {
    const low = r % 24 // how many low fraction bits differ
    const mask = low === 0 ? 0 : (1 << low) - 1
    const flip = (r2 & 3) !== 0 ? 0x80000000 : 0
    return { op, a, b: ((a & ~mask) ^ (r2 & mask) ^ flip) >>> 0 }
  }
  return { op, a: compose(a & 1, r % 3, a >>> 1), b: compose(r2 & 1, (r >>> 8) % 3, r2 >>> 1) }
}

/** The harness deployed in a fresh in-process EVM, with batch calls. */
export async function deployHarness() {
  const chain = await createInProcessChain()
  const address = await chain.deploy(encodeDeployData({ abi: float32HarnessAbi, bytecode: float32HarnessBytecode }))
  const from = '0x00000000000000000000000000000000000000cc' as const
  const gasLimit = 4_000_000_000n
  return {
    chain,
    address,
    from,
    /** `applyMany` over ABI arrays; throws with the revert data if the call reverts. */
    async applyMany(cases: readonly Case[]): Promise<number[]> {
      const r = await chain.call(
        from,
        address,
        float32HarnessAbi,
        'applyMany',
        [cases.map((c) => c.op), cases.map((c) => c.a), cases.map((c) => c.b)],
        { gasLimit },
      )
      if (!r.ok) throw new Error(`applyMany reverted: ${r.error} ${r.revertData}`)
      return [...(r.result as readonly number[])]
    },
    /** `applyPacked` over 9-byte records; returns the results and the gas of the whole call. */
    async applyPacked(cases: readonly Case[]): Promise<{ results: Uint32Array; gasUsed: bigint }> {
      const r = await chain.call(from, address, float32HarnessAbi, 'applyPacked', [packCases(cases)], { gasLimit })
      if (!r.ok) throw new Error(`applyPacked reverted: ${r.error} ${r.revertData}`)
      return { results: unpackResults(r.result as Hex, cases.length), gasUsed: r.gasUsed }
    },
    /** The library's own gas for one case (measured with gasleft() around it inside the harness). */
    async measure(c: Case): Promise<{ result: number; gas: bigint }> {
      const r = await chain.call(from, address, float32HarnessAbi, 'measure', [c.op, c.a, c.b])
      if (!r.ok) throw new Error(`measure reverted: ${r.error} ${r.revertData}`)
      const [result, gas] = r.result as readonly [number, bigint]
      return { result, gas }
    },
  }
}

export function packCases(cases: readonly Case[]): Hex {
  const bytes = new Uint8Array(cases.length * 9)
  const view = new DataView(bytes.buffer)
  cases.forEach((c, i) => {
    view.setUint8(i * 9, c.op)
    view.setUint32(i * 9 + 1, c.a)
    view.setUint32(i * 9 + 5, c.b)
  })
  return `0x${Buffer.from(bytes).toString('hex')}`
}

function unpackResults(hex: Hex, n: number): Uint32Array {
  const bytes = Buffer.from(hex.slice(2), 'hex')
  if (bytes.length !== n * 4) throw new Error(`applyPacked returned ${bytes.length} bytes for ${n} cases`)
  const out = new Uint32Array(n)
  for (let i = 0; i < n; i++) out[i] = bytes.readUInt32BE(i * 4)
  return out
}

/** A readable line for a failing case. */
export function describeCase(c: Case, got: number): string {
  const hex = (x: number) => `0x${(x >>> 0).toString(16).padStart(8, '0')}`
  return `${OPS[c.op]}(${hex(c.a)} = ${fromBits32(c.a)}, ${hex(c.b)} = ${fromBits32(c.b)}): contract ${hex(got)}, engine ${hex(reference(c.op, c.a, c.b))}`
}
