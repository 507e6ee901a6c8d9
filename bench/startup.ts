/**
 * Start-up benchmark of the foundation. Measures, in one run on this machine:
 *   - baseline: a bare anvil from the npm package, spawned until it answers JSON-RPC (no contracts, no node);
 *   - `mycel up` on a fresh data dir: anvil + deterministic deployment + seeding + index + HTTP, until the summary;
 *   - `mycel up` again on the same data dir: resume the chain, no redeploy;
 *   - a forced compile of all contracts (solc-js).
 * Each is the median of RUNS runs; ratios are against the anvil baseline of the same run, since absolute times on a
 * shared 2-core machine are noise. Target from issue #2: the network is up in under a minute from a fresh clone.
 * Prints a table, writes bench/results/startup.json, exits 1 when a target is missed.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { buildContracts } from '../contracts/scripts/build.ts'
import { startAnvil } from '../packages/node/src/devnet/anvil.ts'
import { tempDir } from '../test/helpers/chain.ts'
import { startUp } from '../test/helpers/cli.ts'

const RUNS = Number(process.env.BENCH_RUNS ?? 3)
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number

async function measure(name: string, fn: () => Promise<number>) {
  const samples: number[] = []
  for (let i = 0; i < RUNS; i++) samples.push(await fn())
  process.stderr.write(`  ${name}: ${samples.map((s) => s.toFixed(0)).join(', ')} ms\n`)
  return { name, medianMs: median(samples), samples }
}

const dirs: string[] = []
const scratch = () => {
  const dir = tempDir('mycel-bench-')
  dirs.push(dir)
  return dir
}

process.stderr.write(`bench: start-up, ${RUNS} runs each\n`)
const anvil = await measure('anvil alone (baseline)', async () => {
  const dir = scratch()
  const started = performance.now()
  const process = await startAnvil({ stateFile: join(dir, 'state.json'), logFile: join(dir, 'anvil.log') })
  const elapsed = performance.now() - started
  await process.stop()
  return elapsed
})
const fresh = await measure('mycel up, fresh data dir', async () => {
  const up = await startUp(scratch())
  await up.stop()
  return up.wallMs
})
const warmDir = scratch()
await (await startUp(warmDir)).stop()
const restart = await measure('mycel up, restart', async () => {
  const up = await startUp(warmDir)
  await up.stop()
  return up.wallMs
})
const compile = await measure('compile contracts (forced)', async () => {
  const started = performance.now()
  buildContracts({ outDir: join(scratch(), 'out'), generatedFile: null, force: true })
  return performance.now() - started
})
for (const dir of dirs) rmSync(dir, { recursive: true, force: true })

const rows = [anvil, fresh, restart, compile].map((r) => ({ ...r, ratio: r.medianMs / anvil.medianMs }))
const targets = [{ name: 'mycel up, fresh data dir < 60 s', met: fresh.medianMs < 60_000 }]

const pad = (s: string, n: number) => s.padEnd(n)
process.stdout.write(`\n${pad('measure', 30)}${pad('median ms', 12)}ratio to anvil\n`)
for (const r of rows)
  process.stdout.write(`${pad(r.name, 30)}${pad(r.medianMs.toFixed(0), 12)}${r.ratio.toFixed(1)}x\n`)
for (const t of targets) process.stdout.write(`target: ${t.name}: ${t.met ? 'met' : 'MISSED'}\n`)

const out = join(import.meta.dirname, 'results')
mkdirSync(out, { recursive: true })
writeFileSync(
  join(out, 'startup.json'),
  `${JSON.stringify({ date: new Date().toISOString(), node: process.version, runs: RUNS, rows, targets }, null, 2)}\n`,
)
process.exit(targets.every((t) => t.met) ? 0 : 1)
