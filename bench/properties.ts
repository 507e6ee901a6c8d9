/**
 * The long random runs of the payment properties on the real contracts (in-process EVM), too long for every CI run:
 * - data payments (contracts/test/data.property.evm.test.ts): grants of every kind bought, terms changed, datasets
 *   sold, grants revoked and expiring, withdrawals — tokens conserved and every credit exactly the model's split.
 *   CI runs 1,000 sequences; here BENCH_DATA_RUNS (default 5,000).
 * - compute-to-data payments (contracts/test/c2d.property.evm.test.ts): jobs posted on a dataset, approved, reopened,
 *   cancelled, won, missed, accepted three ways, claimed, withdrawn — tokens conserved, each party paid exactly, grants
 *   reused only when no provider held their job. CI runs 40 sequences; here BENCH_C2D_RUNS (default 500).
 * Target: every sequence passes (the run count is the figure; sequences per second for the record). Writes
 * bench/results/properties.json; exits 1 when a property fails.
 *
 *   npm run bench -- properties        BENCH_DATA_RUNS=5000 BENCH_C2D_RUNS=500 by default
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const root = join(import.meta.dirname, '..')
const properties = [
  {
    name: 'data payments',
    file: 'contracts/test/data.property.evm.test.ts',
    env: 'DATA_PROPERTY_RUNS',
    runs: Number(process.env.BENCH_DATA_RUNS ?? 5_000),
  },
  {
    name: 'compute-to-data payments',
    file: 'contracts/test/c2d.property.evm.test.ts',
    env: 'C2D_PROPERTY_RUNS',
    runs: Number(process.env.BENCH_C2D_RUNS ?? 500),
  },
]

const results = properties.map((p) => {
  console.log(`${p.name}: ${p.runs.toLocaleString('en')} random sequences (${p.file}) …`)
  const started = performance.now()
  const run = spawnSync('npx', ['vitest', 'run', p.file], {
    cwd: root,
    env: { ...process.env, [p.env]: String(p.runs) },
    encoding: 'utf8',
  })
  const seconds = (performance.now() - started) / 1000
  const passed = run.status === 0
  if (!passed) console.log(`${run.stdout}\n${run.stderr}`)
  const line = `${p.name}: ${p.runs.toLocaleString('en')} sequences ${passed ? 'passed' : 'FAILED'} in ${seconds.toFixed(0)} s (${(p.runs / seconds).toFixed(1)} sequences/s)`
  console.log(line)
  return { name: p.name, file: p.file, runs: p.runs, passed, seconds: Number(seconds.toFixed(1)) }
})

mkdirSync(join(import.meta.dirname, 'results'), { recursive: true })
writeFileSync(
  join(import.meta.dirname, 'results', 'properties.json'),
  `${JSON.stringify({ at: new Date().toISOString(), results }, null, 2)}\n`,
)
for (const r of results)
  console.log(`target: ${r.name}, every one of ${r.runs} sequences passes: ${r.passed ? 'met' : 'MISSED'}`)
process.exit(results.every((r) => r.passed) ? 0 : 1)
