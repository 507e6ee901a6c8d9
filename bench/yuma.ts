/**
 * Yuma consensus for 64 validators × 256 miners in TypeScript: the SDK's fixed-point `yumaEpoch` (the consensus
 * path; Yuma3 with liquid alpha, and the original Yuma bonds path) against a plain float64 implementation of the same
 * equations (test/helpers/yumaFloat.ts, the baseline) on the same inputs in the same run.
 * Target from issue #4: ≤ 20 ms per epoch. Prints a table, writes bench/results/yuma.json, exits 1 when missed.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { mulberry32 } from '@mycel/models'
import { ONE, toQ32, type YumaInput, yumaEpoch } from '@mycel/sdk'
import { floatYuma } from '../test/helpers/yumaFloat.ts'

const VALIDATORS = 64
const MINERS = 256
const RUNS = Number(process.env.BENCH_YUMA_RUNS ?? 40)
const TARGET_MS = 20

function epochInput(version: 'yuma3' | 'yuma', seed: number): YumaInput {
  const rng = mulberry32(seed)
  // Validators score miners of graded quality with noise; a third of the pairs are unscored (zero).
  const quality = Array.from({ length: MINERS }, () => rng())
  const weights = Array.from({ length: VALIDATORS }, () =>
    quality.map((q) => (rng() < 0.3 ? 0 : Math.min(65_535, Math.floor(q * (0.8 + 0.4 * rng()) * 65_535)))),
  )
  const stake = Array.from({ length: VALIDATORS }, () => BigInt(Math.floor(rng() * 1e6)) * 10n ** 18n)
  const bonds = Array.from({ length: VALIDATORS }, () => Array.from({ length: MINERS }, () => Math.floor(rng() * ONE)))
  return {
    weights,
    stake,
    bonds,
    kappa: ONE / 2,
    bondsPenalty: ONE,
    alpha: toQ32(0.1),
    liquidAlpha: version === 'yuma3' ? { low: toQ32(0.7), high: toQ32(0.9), steepness: 1000 } : null,
    version,
  }
}

function medianMs(run: () => unknown): number {
  for (let i = 0; i < 5; i++) run() // warm up the JIT
  const times: number[] = []
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now()
    run()
    times.push(performance.now() - started)
  }
  times.sort((a, b) => a - b)
  return times[Math.floor(times.length / 2)] as number
}

const rows = (['yuma3', 'yuma'] as const).map((version) => {
  const input = epochInput(version, version === 'yuma3' ? 1 : 2)
  const baseline = medianMs(() => floatYuma(input))
  const fixed = medianMs(() => yumaEpoch(input))
  return {
    name: `${version}${input.liquidAlpha ? ' + liquid alpha' : ''}, ${VALIDATORS}×${MINERS}`,
    floatMs: baseline,
    fixedMs: fixed,
    ratio: fixed / baseline,
  }
})
const worst = Math.max(...rows.map((r) => r.fixedMs))
const target = {
  name: `Yuma ${VALIDATORS}×${MINERS} in TypeScript <= ${TARGET_MS} ms`,
  value: worst,
  met: worst <= TARGET_MS,
}

process.stdout.write(`\n${'epoch'.padEnd(34)}${'float64 (baseline)'.padEnd(20)}${'fixed point'.padEnd(14)}ratio\n`)
for (const r of rows) {
  process.stdout.write(
    `${r.name.padEnd(34)}${`${r.floatMs.toFixed(2)} ms`.padEnd(20)}${`${r.fixedMs.toFixed(2)} ms`.padEnd(14)}${r.ratio.toFixed(2)}x\n`,
  )
}
process.stdout.write(`target: ${target.name}: ${target.value.toFixed(2)} ms ${target.met ? 'met' : 'MISSED'}\n`)
const out = join(import.meta.dirname, 'results')
mkdirSync(out, { recursive: true })
writeFileSync(join(out, 'yuma.json'), `${JSON.stringify({ date: new Date().toISOString(), rows, target }, null, 2)}\n`)
process.exitCode = target.met ? 0 : 1
