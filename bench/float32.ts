/**
 * Float32.sol against the training engine at scale: ≥ 1,000,000 seeded random operand pairs, spread evenly over add,
 * sub, mul, div and sqrt and over four operand biases (uniform bit patterns, close exponents, cancellation,
 * subnormals), run through the compiled Float32Harness in an in-process EVM in packed batches and compared bit for
 * bit with the engine (packages/training/src/f32.ts, NaN canonical). Also the gas per op: the library's own cost on
 * typical normal operands (measured inside the contract with gasleft) and the average per case over the random
 * batches. Baseline in the same run: the engine computing the same cases in JavaScript (the ratio says what one
 * on-chain operation costs in interpreter time).
 * Targets (issue #15): zero mismatches over ≥ 1,000,000 pairs; ≤ 5,000 gas per op. Prints a table, writes
 * bench/results/float32.json, exits 1 when a target is missed.
 *   BENCH_FLOAT32_PAIRS=100000 npm run bench -- float32   a quicker run (misses the pair-count target)
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  type Bias,
  biasedCase,
  type Case,
  deployHarness,
  describeCase,
  OPS,
  type Op,
  reference,
  seededUint32,
} from '../contracts/test/float32Cases.ts'

const PAIRS = Number(process.env.BENCH_FLOAT32_PAIRS ?? 1_000_000)
const TARGET_PAIRS = 1_000_000
const TARGET_GAS = 5_000
const BATCH = 10_000
const BIASES: Bias[] = ['uniform', 'close', 'cancel', 'subnormal']
/** Typical training operands (order-1 weights and activations, order-1e-3 gradients) for the library's gas. */
const TYPICAL: [number, number][] = [
  [0x3fc00001, 0x40490fdb],
  [0xbe4ccccd, 0x3a83126f],
  [0x42f6e979, 0xc0a00000],
]

const harness = await deployHarness()
const next = seededUint32(Number(process.env.BENCH_FLOAT32_SEED ?? 15))
const perOp = Math.ceil(PAIRS / OPS.length)
const rows = []
const examples: string[] = []
const started = performance.now()
for (const op of [0, 1, 2, 3, 4] as Op[]) {
  let mismatches = 0
  let batchGas = 0n
  let evmMs = 0
  let engineMs = 0
  for (let done = 0; done < perOp; done += BATCH) {
    const n = Math.min(BATCH, perOp - done)
    const cases: Case[] = Array.from({ length: n }, (_, i) => biasedCase(op, BIASES[i % BIASES.length] as Bias, next))
    const t0 = performance.now()
    const { results, gasUsed } = await harness.applyPacked(cases)
    const t1 = performance.now()
    const expected = cases.map((c) => reference(c.op, c.a, c.b))
    engineMs += performance.now() - t1
    evmMs += t1 - t0
    batchGas += gasUsed
    expected.forEach((want, i) => {
      if (results[i] !== want) {
        mismatches++
        if (examples.length < 10) examples.push(describeCase(cases[i] as Case, results[i] as number))
      }
    })
  }
  let libraryGas = 0
  for (const [a, b] of TYPICAL) {
    const { result, gas } = await harness.measure({ op, a, b })
    if (result !== reference(op, a, b)) {
      mismatches++
      examples.push(describeCase({ op, a, b }, result))
    }
    libraryGas = Math.max(libraryGas, Number(gas))
  }
  rows.push({
    op: OPS[op],
    pairs: perOp,
    mismatches,
    libraryGas,
    batchGasPerCase: Number(batchGas / BigInt(perOp)),
    evmSeconds: evmMs / 1000,
    engineSeconds: engineMs / 1000,
    ratio: evmMs / engineMs,
  })
}
const seconds = (performance.now() - started) / 1000

const pairs = rows.reduce((s, r) => s + r.pairs, 0)
const mismatches = rows.reduce((s, r) => s + r.mismatches, 0)
const worstGas = Math.max(...rows.map((r) => r.libraryGas))
const targets = [
  { name: `pairs checked >= ${TARGET_PAIRS.toLocaleString('en')}`, value: pairs, met: pairs >= TARGET_PAIRS },
  { name: 'mismatches with the engine = 0', value: mismatches, met: mismatches === 0 },
  {
    name: `library gas per op (typical normal operands) <= ${TARGET_GAS}`,
    value: worstGas,
    met: worstGas <= TARGET_GAS,
  },
]

const line = (cells: (string | number)[], widths: number[]) =>
  `${cells.map((c, i) => String(c).padEnd(widths[i] as number)).join('')}\n`
const widths = [6, 10, 12, 13, 18, 10, 14, 8]
process.stdout.write(
  `\n${line(['op', 'pairs', 'mismatches', 'library gas', 'batch gas / case', 'EVM s', 'engine (JS) s', 'ratio'], widths)}`,
)
for (const r of rows) {
  process.stdout.write(
    line(
      [
        r.op,
        r.pairs,
        r.mismatches,
        r.libraryGas,
        r.batchGasPerCase,
        r.evmSeconds.toFixed(1),
        r.engineSeconds.toFixed(2),
        `${r.ratio.toFixed(0)}x`,
      ],
      widths,
    ),
  )
}
for (const e of examples) process.stdout.write(`mismatch: ${e}\n`)
process.stdout.write(`${pairs.toLocaleString('en')} pairs in ${seconds.toFixed(1)} s\n`)
for (const t of targets) process.stdout.write(`target: ${t.name}: ${t.value} ${t.met ? 'met' : 'MISSED'}\n`)

const out = join(import.meta.dirname, 'results')
mkdirSync(out, { recursive: true })
writeFileSync(
  join(out, 'float32.json'),
  `${JSON.stringify({ date: new Date().toISOString(), seconds, rows, examples, targets }, null, 2)}\n`,
)
process.exitCode = targets.every((t) => t.met) ? 0 : 1
