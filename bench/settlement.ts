/**
 * Epoch settlement against the chain, on `npm start` as a user runs it (`mycel up`: the demo subnet, two
 * validators, the node's epoch duties, the devnet's empty block every second plus one per transaction).
 *
 * Every 2 s for BENCH_SETTLEMENT_SECONDS (default 150) it reads, from the chain itself, each subnet's lag: the head
 * block minus the snapshot block of the next epoch to settle. Epochs settle one at a time and each waits out the
 * challenge window after its proposal, so when settlement is slower than the chain makes epochs, the lag grows
 * without bound (the issue saw 160, then 530 blocks); when it keeps up, the lag stays below one challenge window plus
 * the keeper's latency. It also reads the node's `mycel_epoch_lag_blocks` on /metrics at each sample.
 *
 * Targets, per subnet: after a 30 s warm-up the lag never exceeds one tempo plus one challenge window; it does not
 * trend upwards (the last third's highest lag is at most the first third's plus half a tempo); and the node
 * settled at least as many epochs as the chain made, less one. Prints a table, writes bench/results/settlement.json,
 * exits 1 when a target is missed.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { getEpochSettings, getNextEpoch, getSubnetParams, getSubnets } from '@mycel/sdk'
import { createPublicClient, http } from 'viem'
import { getBlockNumber } from 'viem/actions'
import { tempDir } from '../test/helpers/chain.ts'
import { startUp } from '../test/helpers/cli.ts'

const SECONDS = Number(process.env.BENCH_SETTLEMENT_SECONDS ?? 150)
const WARMUP_SECONDS = 30
const EVERY_MS = 2000

const dir = tempDir('mycel-bench-settlement-')
process.stderr.write(`bench: epoch settlement on npm start, ${SECONDS} s\n`)
const up = await startUp(dir)
type Sample = {
  t: number
  head: bigint
  lag: Map<bigint, bigint>
  next: Map<bigint, bigint>
  metric: Map<string, number>
}
const samples: Sample[] = []
let tempo = new Map<bigint, bigint>()
let challengeBlocks = 0n
try {
  const client = createPublicClient({ transport: http(up.summary.rpcUrl) })
  const epochs = up.summary.contracts.epochs as `0x${string}`
  const registry = up.summary.contracts.subnetRegistry as `0x${string}`
  const netuids = (await getSubnets(client, { registry })).map((s) => BigInt(s.netuid))
  challengeBlocks = (await getEpochSettings(client, { epochs })).challengeBlocks
  const started = performance.now()
  while (performance.now() - started < SECONDS * 1000) {
    const head = await getBlockNumber(client, { cacheTime: 0 })
    const lag = new Map<bigint, bigint>()
    const next = new Map<bigint, bigint>()
    for (const netuid of netuids) {
      const { epoch, snapshotBlock } = await getNextEpoch(client, { epochs, netuid })
      lag.set(netuid, head - snapshotBlock)
      next.set(netuid, epoch)
    }
    const metric = new Map<string, number>()
    const text = await (await fetch(`${up.summary.api}/metrics`)).text()
    for (const m of text.matchAll(/^mycel_epoch_lag_blocks\{netuid="(\d+)"\} (-?\d+)$/gm)) {
      metric.set(m[1] as string, Number(m[2]))
    }
    samples.push({ t: (performance.now() - started) / 1000, head, lag, next, metric })
    await new Promise((r) => setTimeout(r, EVERY_MS))
  }
  tempo = new Map(
    await Promise.all(
      netuids.map(async (n) => [n, BigInt((await getSubnetParams(client, { registry, netuid: n })).tempo)] as const),
    ),
  )
} finally {
  await up.stop()
  rmSync(dir, { recursive: true, force: true })
}

const first = samples[0] as Sample
const last = samples.at(-1) as Sample
const blocksPerSecond = Number(last.head - first.head) / (last.t - first.t)
const measured = samples.filter((s) => s.t >= WARMUP_SECONDS)
const third = Math.max(1, Math.floor(measured.length / 3))
// biome-ignore lint/complexity/useMathMinMax: bigints, which Math.max does not take.
const maxOf = (values: bigint[]) => values.reduce((m, v) => (v > m ? v : m), values[0] ?? 0n)
const rows = [...tempo].map(([netuid, t]) => {
  const lags = measured.map((s) => s.lag.get(netuid) ?? 0n)
  const made = (last.head - first.head) / t
  const settled = (last.next.get(netuid) ?? 0n) - (first.next.get(netuid) ?? 0n)
  const metrics = measured.flatMap((s) => s.metric.get(netuid.toString()) ?? [])
  return {
    netuid: Number(netuid),
    tempo: Number(t),
    maxLag: Number(maxOf(lags)),
    firstThirdMax: Number(maxOf(lags.slice(0, third))),
    lastThirdMax: Number(maxOf(lags.slice(-third))),
    finalLag: Number(last.lag.get(netuid) ?? 0n),
    epochsMade: Number(made),
    epochsSettled: Number(settled),
    metricSamples: metrics.length,
    metricMaxLag: metrics.length ? Math.max(...metrics) : null,
  }
})
const targets = rows.flatMap((r) => [
  {
    name: `subnet ${r.netuid}: lag after warm-up ≤ tempo + challenge window (${r.tempo + Number(challengeBlocks)} blocks)`,
    value: r.maxLag,
    met: r.maxLag <= r.tempo + Number(challengeBlocks),
  },
  {
    name: `subnet ${r.netuid}: no upward trend (last third's max ≤ first third's + tempo/2)`,
    value: r.lastThirdMax - r.firstThirdMax,
    met: r.lastThirdMax <= r.firstThirdMax + r.tempo / 2,
  },
  {
    name: `subnet ${r.netuid}: epochs settled ≥ epochs the chain made − 1`,
    value: r.epochsSettled - r.epochsMade,
    met: r.epochsSettled >= r.epochsMade - 1,
  },
  {
    name: `subnet ${r.netuid}: /metrics publishes the lag`,
    value: r.metricSamples,
    met: r.metricSamples > 0,
  },
])

const pad = (s: string | number, n: number) => String(s).padEnd(n)
process.stdout.write(
  `\n${samples.length} samples over ${last.t.toFixed(0)} s; ${blocksPerSecond.toFixed(2)} blocks/s; challenge window ${challengeBlocks} blocks\n`,
)
process.stdout.write(
  `${pad('netuid', 8)}${pad('tempo', 7)}${pad('max lag', 9)}${pad('1st/3', 7)}${pad('last/3', 8)}${pad('final', 7)}${pad('made', 6)}${pad('settled', 9)}metrics max\n`,
)
for (const r of rows) {
  process.stdout.write(
    `${pad(r.netuid, 8)}${pad(r.tempo, 7)}${pad(r.maxLag, 9)}${pad(r.firstThirdMax, 7)}${pad(r.lastThirdMax, 8)}${pad(r.finalLag, 7)}${pad(r.epochsMade, 6)}${pad(r.epochsSettled, 9)}${r.metricMaxLag ?? '-'}\n`,
  )
}
for (const t of targets) process.stdout.write(`target: ${t.name}: ${t.met ? 'met' : 'MISSED'} (${t.value})\n`)

const out = join(import.meta.dirname, 'results')
mkdirSync(out, { recursive: true })
writeFileSync(
  join(out, 'settlement.json'),
  `${JSON.stringify(
    {
      date: new Date().toISOString(),
      node: process.version,
      seconds: SECONDS,
      blocksPerSecond,
      challengeBlocks: Number(challengeBlocks),
      rows,
      targets,
      lagSeries: samples.map((s) => ({
        t: Math.round(s.t),
        head: Number(s.head),
        lag: Object.fromEntries([...s.lag].map(([n, v]) => [n.toString(), Number(v)])),
      })),
    },
    null,
    2,
  )}\n`,
)
process.exit(targets.every((t) => t.met) ? 0 : 1)
