/**
 * The data market and provenance under load, as `npm start` runs them: `mycel up` in its own process (the seeded
 * certified dataset and personal vault), then CLIENTS concurrent clients for SECONDS, each request one of: `GET
 * /api/data`, `GET /api/provenance`, `GET /api/lineage/<dataset 1's CID>`, `POST /api/data/keys` (the node's trainer's
 * compute grant: the key wrapped to it), `POST /api/data/records` (the seeded records grant of account 9). Signed
 * requests are signed once (a request stays valid five minutes; key and records requests may be repeated — each
 * answer is encrypted to the grantee alone). The load starts once the example compute-to-data job is accepted (before,
 * the trainer and verifier open and hash the 25 MB dataset on the node's main thread).
 * Clients use bench/support/loadClient.ts (a connection each). Targets: 100% 2xx on every route. Reports p50/p99 per route and the throughput; writes bench/results/dataLoad.json;
 * exits 1 when a target is missed.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { devnetAccount } from '@mycel/node'
import { dataRequestBody, dataRequestDomain, signDataRequest } from '@mycel/sdk'
import { recordsRequestHash } from '../packages/node/src/vault/serve.ts'
import { tempDir } from '../test/helpers/chain.ts'
import { startUp } from '../test/helpers/cli.ts'
import { closeLoadClient, type LoadResponse, request } from './support/loadClient.ts'

const CLIENTS = Number(process.env.BENCH_LOAD_CLIENTS ?? 200)
const SECONDS = Number(process.env.BENCH_LOAD_SECONDS ?? 30)

type Data = {
  datasets: { datasetId: string; cid: string; grants: { grantId: string; grantee: string; kind: string }[] }[]
}

const dataDir = tempDir('mycel-bench-data-load-')
const node = await startUp(dataDir)
try {
  const api = node.summary.api
  const chainId = node.summary.chainId
  const domain = dataRequestDomain(chainId, node.summary.contracts.accessGrants as `0x${string}`)
  // The seeded economy: wait for dataset 1's compute grants and dataset 2's records grant.
  let data: Data | undefined
  for (let i = 0; i < 180 && !data; i++) {
    const d = (await (await fetch(`${api}/api/data`)).json()) as Data
    if (d.datasets.find((x) => x.datasetId === '2')?.grants.some((g) => g.kind === 'records')) data = d
    else await new Promise((r) => setTimeout(r, 1000))
  }
  if (!data) throw new Error('npm start did not seed the data economy within three minutes')
  // The steady state: the example job trained (its trainer and verifier opened the 25 MB dataset) and accepted.
  for (let i = 0; i < 400; i++) {
    const training = (await (await fetch(`${api}/api/training`)).json()) as { jobs: { id: string; status: string }[] }
    if (training.jobs.find((j) => j.id === '1')?.status === 'accepted') break
    await new Promise((r) => setTimeout(r, 1000))
  }
  const digits = data.datasets.find((d) => d.datasetId === '1')
  const vault = data.datasets.find((d) => d.datasetId === '2')
  const trainer = devnetAccount(10)
  const grantee = devnetAccount(9)
  const compute = digits?.grants.find((g) => g.kind === 'compute' && g.grantee === trainer.address)
  const records = vault?.grants.find((g) => g.kind === 'records' && g.grantee === grantee.address)
  if (!digits || !compute || !records) throw new Error('the seeded grants are missing')
  const issuedAt = Math.floor(Date.now() / 1000)
  const keyBody = JSON.stringify({
    grantId: compute.grantId,
    issuedAt,
    signature: await signDataRequest(trainer, domain, {
      grantId: BigInt(compute.grantId),
      action: 'key',
      body: dataRequestBody(''),
      issuedAt: BigInt(issuedAt),
    }),
  })
  const asked = [0, 1, 150]
  const recordsBody = JSON.stringify({
    grantId: records.grantId,
    issuedAt,
    records: asked,
    signature: await signDataRequest(grantee, domain, {
      grantId: BigInt(records.grantId),
      action: 'records',
      body: recordsRequestHash(asked),
      issuedAt: BigInt(issuedAt),
    }),
  })
  const post = (path: string, body: string) => () =>
    request(`${api}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
  const routes: Record<string, () => Promise<LoadResponse>> = {
    'GET /api/data': () => request(`${api}/api/data`),
    'GET /api/provenance': () => request(`${api}/api/provenance`),
    'GET /api/lineage/:cid': () => request(`${api}/api/lineage/${digits.cid}`),
    'POST /api/data/keys': post('/api/data/keys', keyBody),
    'POST /api/data/records': post('/api/data/records', recordsBody),
  }
  // BENCH_DATA_ROUTES="GET /api/provenance,POST /api/data/keys" loads only those (to see which one is slow).
  const only = process.env.BENCH_DATA_ROUTES?.split(',').map((r) => r.trim())
  const names = Object.keys(routes).filter((n) => !only || only.includes(n))
  for (const name of names) {
    const r = await (routes[name] as () => Promise<LoadResponse>)()
    if (r.status !== 200) throw new Error(`${name} answered ${r.status} before the load: ${r.text}`)
  }

  process.stderr.write(`bench: data load, ${CLIENTS} clients for ${SECONDS} s on ${names.length} routes\n`)
  const per = Object.fromEntries(
    names.map((n) => [n, { ok: 0, other: {} as Record<string, number>, ms: [] as number[] }]),
  )
  let sent = 0
  const began = performance.now()
  const deadline = began + SECONDS * 1000
  /** The slowest requests, with when they were sent: a tail from one stall looks other than a tail from queueing. */
  const slow: { route: string; sentAtS: number; ms: number }[] = []
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (performance.now() < deadline) {
        const name = names[sent++ % names.length] as string
        const stats = per[name] as (typeof per)[string]
        const started = performance.now()
        let status: string
        try {
          status = String((await (routes[name] as () => Promise<LoadResponse>)()).status)
        } catch (error) {
          status = `no answer (${(error as Error).message})`
        }
        const ms = performance.now() - started
        stats.ms.push(ms)
        if (ms > 5_000)
          slow.push({ route: name, sentAtS: Number(((started - began) / 1000).toFixed(1)), ms: Math.round(ms) })
        if (status === '200') stats.ok++
        else stats.other[status] = (stats.other[status] ?? 0) + 1
      }
    }),
  )
  const pct = (sorted: number[], p: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))] ?? 0
  const rows = names.map((name) => {
    const s = per[name] as (typeof per)[string]
    const sorted = [...s.ms].sort((a, b) => a - b)
    return {
      route: name,
      requests: s.ms.length,
      ok: s.ok,
      refused: s.other,
      p50Ms: Number(pct(sorted, 0.5).toFixed(1)),
      p99Ms: Number(pct(sorted, 0.99).toFixed(1)),
    }
  })
  const total = rows.reduce((n, r) => n + r.requests, 0)
  const allOk = rows.every((r) => r.ok === r.requests && r.requests > 0)
  const result = {
    clients: CLIENTS,
    seconds: SECONDS,
    requests: total,
    perSecond: Math.round(total / SECONDS),
    routes: rows,
    allOk,
    /** Requests slower than 5 s: how many, and the ten slowest with the second they were sent at. */
    over5s: slow.length,
    slowest: slow.sort((a, b) => b.ms - a.ms).slice(0, 10),
  }
  console.log('route                      requests   2xx      p50 ms   p99 ms   other')
  for (const r of rows)
    console.log(
      `${r.route.padEnd(26)} ${String(r.requests).padStart(8)} ${String(r.ok).padStart(8)} ${r.p50Ms.toFixed(1).padStart(9)} ${r.p99Ms.toFixed(1).padStart(8)}   ${JSON.stringify(r.refused)}`,
    )
  if (slow.length > 0)
    console.log(
      `${slow.length} requests over 5 s; the slowest (route, sent at s, ms): ${result.slowest.map((r) => `${r.route} ${r.sentAtS} ${r.ms}`).join('; ')}`,
    )
  console.log(`${total} requests, ${result.perSecond}/s; target 100% 2xx on every route: ${allOk ? 'met' : 'MISSED'}`)
  const out = join(import.meta.dirname, 'results')
  mkdirSync(out, { recursive: true })
  writeFileSync(join(out, 'dataLoad.json'), `${JSON.stringify(result, null, 2)}\n`)
  process.exitCode = allOk ? 0 : 1
} finally {
  closeLoadClient()
  await node.stop()
  rmSync(dataDir, { recursive: true, force: true })
}
