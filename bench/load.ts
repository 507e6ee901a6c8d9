/**
 * Paid inference under load, as `npm start` runs it: `mycel up` (embedded devnet, its own miner and gateway, the
 * default prices) in its own process, and CLIENTS concurrent clients sending `text` chat completions (max_tokens 8,
 * every fourth one streamed) through the gateway for SECONDS. All of them overlap on the gateway's one channel to
 * the miner for `text` (a model channel since the devnet registers `text` with terms), which is what issue 12 found
 * refused (13% 502 at 200 clients).
 *
 * Reports the share of 2xx answers, latency p50/p99 and throughput, then checks the money on that channel: after one
 * last request (not streamed; its voucher pays the earlier answers' metered costs, its own metered cost is read from
 * its receipt) what the miner served equals what the gateway committed, and the miner's best voucher (committed less
 * that last metered cost) equals what a claim paid out on chain.
 * Targets: 100% 2xx; served = committed = claimed on chain. Prints a table, writes bench/results/load.json, exits 1
 * when a target is missed. Clients use bench/support/loadClient.ts (a connection each).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { getChannel } from '@mycel/sdk'
import { createPublicClient, http } from 'viem'
import { tempDir } from '../test/helpers/chain.ts'
import { startUp } from '../test/helpers/cli.ts'
import { closeLoadClient, request } from './support/loadClient.ts'

const CLIENTS = Number(process.env.BENCH_LOAD_CLIENTS ?? 200)
const SECONDS = Number(process.env.BENCH_LOAD_SECONDS ?? 60)

type Payments = {
  miner: { channels: { channelId: string; served: string; servedRequests: number; voucher: string }[] }
  gateway: { channels: { channelId: string; committed: string }[]; paidRequests: number; failedAttempts: number }
}

const dataDir = tempDir('mycel-bench-load-')
const node = await startUp(dataDir)
try {
  const api = node.summary.api
  const gateway = node.summary.gateway ?? `${api}/v1`
  const chat = (k: number) =>
    JSON.stringify({
      model: 'text',
      messages: [{ role: 'user', content: `Hello there, number ${k}` }],
      max_tokens: 8,
      ...(k % 4 === 0 ? { stream: true } : {}),
    })
  const post = (path: string, body: string) =>
    request(`${gateway}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
  for (let k = 0; k < 20; k++) await post('/chat/completions', chat(k)) // warm up

  process.stderr.write(`bench: load, ${CLIENTS} clients for ${SECONDS} s through ${gateway}\n`)
  const statuses: Record<string, number> = {}
  const refusals: Record<string, number> = {}
  const latencies: number[] = []
  let sent = 0
  const deadline = performance.now() + SECONDS * 1000
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (performance.now() < deadline) {
        const k = sent++
        const started = performance.now()
        let status: string
        let text = ''
        try {
          const response = await post('/chat/completions', chat(k))
          text = response.text
          status = String(response.status)
          // A stream that ended in an error event is not a success, whatever its status line said.
          if (response.status === 200 && k % 4 === 0 && !text.includes('data: [DONE]')) status = 'stream cut'
        } catch (error) {
          status = 'no answer'
          text = (error as Error).message
        }
        latencies.push(performance.now() - started)
        statuses[status] = (statuses[status] ?? 0) + 1
        if (status !== '200') {
          const reason = text.slice(0, 300)
          refusals[reason] = (refusals[reason] ?? 0) + 1
        }
      }
    }),
  )
  const total = latencies.length
  const ok = statuses['200'] ?? 0
  const sorted = [...latencies].sort((a, b) => a - b)
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))] ?? 0

  // One last request on the same channel: its voucher pays the metered costs of the answers before it; its own
  // metered cost (its receipt's cost less the per-request price) is the only part no voucher signed yet.
  const models = (await (await fetch(`${api}/v1/models`)).json()) as {
    data: { id: string; mycel: { price: { perRequest: string } } }[]
  }
  const perRequest = BigInt(models.data.find((m) => m.id === 'text')?.mycel.price.perRequest ?? '0')
  const last = await fetch(`${api}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'text', messages: [{ role: 'user', content: 'The last one' }], max_tokens: 8 }),
  })
  const lastOk = last.status === 200
  const lastCost = lastOk ? BigInt(((await last.json()) as { mycel: { cost: string } }).mycel.cost) : 0n
  if (!lastOk) await last.arrayBuffer()
  const tail = lastCost - perRequest
  const payments = (await (await fetch(`${api}/api/payments`)).json()) as Payments
  const minerChannel = [...payments.miner.channels].sort((a, b) => b.servedRequests - a.servedRequests)[0]
  const gatewayChannel = payments.gateway.channels.find((c) => c.channelId === minerChannel?.channelId)
  if (!minerChannel || !gatewayChannel) throw new Error('no channel between the gateway and the miner')
  const claim = (await (await fetch(`${api}/api/miner/claim`, { method: 'POST' })).json()) as { tx?: string }
  const client = createPublicClient({ transport: http(node.summary.rpcUrl) })
  const onChain = await getChannel(client, {
    paymentChannels: node.summary.contracts.paymentChannels as `0x${string}`,
    channelId: BigInt(minerChannel.channelId),
  })
  const money = {
    channelId: minerChannel.channelId,
    served: minerChannel.served,
    committed: gatewayChannel.committed,
    bestVoucher: minerChannel.voucher,
    lastMeteredCost: tail.toString(),
    claimedOnChain: onChain.claimed.toString(),
    claimTx: claim.tx ?? null,
    servedRequests: minerChannel.servedRequests,
    gatewayPaidRequests: payments.gateway.paidRequests,
    gatewayFailedAttempts: payments.gateway.failedAttempts,
  }
  const agree =
    lastOk &&
    money.served === money.committed &&
    BigInt(money.committed) - tail === BigInt(money.bestVoucher) &&
    money.bestVoucher === money.claimedOnChain

  const result = {
    clients: CLIENTS,
    seconds: SECONDS,
    requests: total,
    statuses,
    okShare: total === 0 ? 0 : ok / total,
    perSecond: total / SECONDS,
    latencyMs: { p50: pct(0.5), p99: pct(0.99), max: sorted.at(-1) ?? 0 },
    money,
    refusals: Object.entries(refusals)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5)
      .map(([reason, count]) => ({ count, reason })),
  }
  const targets = [
    { name: `2xx share at ${CLIENTS} clients = 100%`, value: result.okShare, met: total > 0 && ok === total },
    {
      name: 'served = committed = best voucher + last metered cost; best voucher = claimed on chain',
      value: agree ? 1 : 0,
      met: agree,
    },
  ]

  const row = (name: string, value: string) => process.stdout.write(`  ${name.padEnd(34)}${value}\n`)
  process.stdout.write(`\npaid text completions through the gateway (max_tokens 8, 1 in 4 streamed)\n`)
  row('clients × seconds', `${CLIENTS} × ${SECONDS}`)
  row('requests', `${total} (${result.perSecond.toFixed(0)} req/s)`)
  row('answers by status', JSON.stringify(statuses))
  row('2xx share', `${(result.okShare * 100).toFixed(3)}%`)
  row(
    'latency ms p50 / p99 / max',
    `${pct(0.5).toFixed(1)} / ${pct(0.99).toFixed(1)} / ${result.latencyMs.max.toFixed(1)}`,
  )
  row('miner served', `${money.served} (${money.servedRequests} requests)`)
  row('gateway committed', money.committed)
  row('miner best voucher', money.bestVoucher)
  row('claimed on chain', money.claimedOnChain)
  for (const r of result.refusals) process.stdout.write(`  refused ${r.count}×: ${r.reason}\n`)
  for (const t of targets) process.stdout.write(`target: ${t.name}: ${t.met ? 'met' : 'MISSED'}\n`)

  const out = join(import.meta.dirname, 'results')
  mkdirSync(out, { recursive: true })
  writeFileSync(
    join(out, 'load.json'),
    `${JSON.stringify({ date: new Date().toISOString(), node: process.version, ...result, targets }, null, 2)}\n`,
  )
  if (targets.some((t) => !t.met)) process.exitCode = 1
} finally {
  closeLoadClient()
  await node.stop()
  rmSync(dataDir, { recursive: true, force: true })
}
