/**
 * `npm run bench`: runs every benchmark script in turn, each in its own process, and goes on when one misses its
 * target (exit 1) or fails, so one missed target never hides the figures of the rest. Prints one line per script
 * (exit status, duration) at the end and exits 1 if any script did not pass.
 *
 *   npm run bench                      every script, in the order below
 *   npm run bench -- yuma epochs       only these (names as in bench/<name>.ts)
 */
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'

const ALL = [
  'startup',
  'gas',
  'vouchers',
  'inference',
  'load',
  'yuma',
  'epochs',
  'disputes',
  'settlement',
  'incentives',
  'x402',
  'content',
  'markets',
  'float32',
  'training',
  'provenance',
  'dataLoad',
  'properties',
] as const

const asked = process.argv.slice(2)
const unknown = asked.filter((name) => !(ALL as readonly string[]).includes(name))
if (unknown.length > 0) {
  console.error(`Unknown benchmark ${unknown.join(', ')}. Choose from: ${ALL.join(', ')}.`)
  process.exit(2)
}
const names = asked.length > 0 ? asked : [...ALL]
const results: { name: string; status: string; seconds: number }[] = []
for (const name of names) {
  console.log(`\n=== bench/${name}.ts`)
  const started = performance.now()
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, `${name}.ts`)], {
    stdio: 'inherit',
  })
  const status = run.error
    ? `could not run (${run.error.message})`
    : run.status === 0
      ? 'passed'
      : run.signal
        ? `killed by ${run.signal}`
        : `failed (exit ${run.status})`
  results.push({ name, status, seconds: (performance.now() - started) / 1000 })
}
console.log('\nbenchmark    result                  seconds')
for (const r of results) console.log(`${r.name.padEnd(12)} ${r.status.padEnd(23)} ${r.seconds.toFixed(1).padStart(7)}`)
const missed = results.filter((r) => r.status !== 'passed')
console.log(missed.length === 0 ? 'every target met' : `${missed.length} of ${results.length} did not pass`)
process.exit(missed.length === 0 ? 0 : 1)
