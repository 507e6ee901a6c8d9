/**
 * The node's HTTP API (hono): health, readiness, Prometheus metrics, the network as JSON, the content store (and its
 * IPFS gateway, `/ipfs/<cid>`), the model market (`/api/models`, http/modelsRoutes.ts), the training and data markets
 * (http/trainingRoutes.ts, http/dataRoutes.ts), and
 * the dashboard's static files. Errors are the envelope of http/errors.ts (`{ error: { code, message, type } }`) with
 * the right status; a stack trace never reaches a client.
 */
import { existsSync, readFileSync, statSync } from 'node:fs'
import type { Server } from 'node:http'
import { extname, join, normalize, resolve, sep } from 'node:path'
import { serve } from '@hono/node-server'
import { type Context, Hono } from 'hono'
import type { Common } from '../common/common.ts'
import { NodeError, PortInUseError } from '../common/errors.ts'
import type { ContentStore } from '../content/contentStore.ts'
import { InvalidContentCidError } from '../content/errors.ts'
import { addIpfsRoutes } from '../content/gateway.ts'
import type { Db } from '../db/database.ts'
import { readEvents, readNetwork } from '../db/stores/network.ts'
import { addDataRoutes, type DataApi } from './dataRoutes.ts'
import { errorResponse, errorBody as jsonError } from './errors.ts'
import { addModelsRoutes, type ModelsApi } from './modelsRoutes.ts'
import { nodeOpenApi } from './openapi/node.ts'
import { serveOpenApi } from './openapi/shared.ts'
import { addProvenanceRoutes, type ProvenanceApi } from './provenanceRoutes.ts'
import { addTrainingRoutes, type TrainingApi } from './trainingRoutes.ts'

export type NodeState = {
  ready: boolean
  reason: string
  /** Checked on every request once ready: a reason when the node cannot serve (e.g. the chain went away). */
  degraded?: () => string | undefined
  chain?: { chainId: number; rpcUrl: string; embedded: boolean; headBlock: () => bigint; indexedBlock: () => bigint }
  contracts?: Record<string, string>
  db?: Db
  store?: ContentStore
  /** The gateway's OpenAI-compatible and Open Inference Protocol routes (`/v1`, `/v2`), once it runs. */
  gateway?: { fetch: (request: Request) => Response | Promise<Response> }
  /** Channels, miners, models, prices and paid requests, for `/api/payments` and the dashboard. */
  payments?: () => unknown
  /** Subnets' stake, weights, scores and epochs, for `/api/incentives` and the dashboard. */
  incentives?: (options: { epochs?: number }) => Promise<unknown>
  /** The model market's catalog and governance (`/api/models`), once the chain is known. */
  models?: ModelsApi
  /** The training market (`/api/training`): jobs, bids, progress, disputes, and the trainer's checkpoints. */
  training?: TrainingApi
  /** The data market (`/api/data`, `POST /api/data/keys`): datasets, grants, and the vault's key release. */
  data?: DataApi
  /** Provenance receipts (`/api/provenance`): lookups, verification, a person's own receipts. */
  provenance?: ProvenanceApi
  /** Claims every channel that owes the miner now (`POST /api/miner/claim`). */
  /**
   * Claims every channel that owes one of the node's miners (its own and, on the devnet demo, the graded ones): one
   * transaction per miner with something to claim, in order; empty when none had.
   */
  claim?: () => Promise<{ payee: string; hash: string; channels: number; paid: bigint; gasUsed: bigint }[]>
}

const mime: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
}

/** The page at `/` when the dashboard's bundle is missing (a fresh clone installed with scripts off, or a clean). */
const dashboardNotBuilt = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>mycel · dashboard not built</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem">
<h1>The dashboard is not built</h1>
<p>This node serves the dashboard from <code>apps/web/dist</code>, which is built at install. Build it with</p>
<pre>npm run build:web</pre><p>and reload this page. The node's API is up meanwhile: <a href="/api/network">/api/network</a>.</p>
</body></html>`

export function createApp(common: Common, state: NodeState) {
  const app = new Hono()
  const started = Date.now()

  app.use(async (c, next) => {
    await next()
    common.metrics.inc('mycel_http_requests_total', 'HTTP requests served.', {
      method: c.req.method,
      status: String(c.res.status),
    })
  })

  app.get('/health', (c) => c.json({ status: 'ok', uptimeSeconds: Math.round((Date.now() - started) / 1000) }))

  /** The reason the node is not ready, or undefined when it is. */
  const notReady = () => (state.ready ? state.degraded?.() : state.reason)

  app.get('/ready', (c) => {
    const reason = notReady()
    return reason === undefined && state.chain
      ? c.json({ ready: true, chainId: state.chain.chainId, indexedBlock: Number(state.chain.indexedBlock()) })
      : c.json({ ready: false, reason: reason ?? state.reason }, 503)
  })

  app.get('/metrics', (c) => c.text(common.metrics.render(), 200, { 'content-type': 'text/plain; version=0.0.4' }))
  serveOpenApi(app, nodeOpenApi)

  app.get('/api/network', (c) => {
    if (!state.ready || !state.chain || !state.db) return c.json(jsonError('NOT_READY', state.reason), 503)
    return c.json({
      status: { ready: notReady() === undefined, reason: notReady() ?? 'ready' },
      chain: {
        chainId: state.chain.chainId,
        rpcUrl: state.chain.rpcUrl,
        embedded: state.chain.embedded,
        headBlock: Number(state.chain.headBlock()),
        indexedBlock: Number(state.chain.indexedBlock()),
      },
      contracts: state.contracts,
      subnets: readNetwork(state.db),
    })
  })

  app.get('/api/events', (c) => {
    if (!state.ready || !state.db) return c.json(jsonError('NOT_READY', state.reason), 503)
    const raw = c.req.query('limit') ?? '50'
    const limit = Number(raw)
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) {
      return c.json(
        jsonError('INVALID_LIMIT', `limit must be an integer from 1 to 500, got ${JSON.stringify(raw)}`),
        400,
      )
    }
    return c.json({ events: readEvents(state.db, limit) })
  })

  app.get('/api/content/:cid', async (c) => {
    if (!state.store) return c.json(jsonError('NOT_READY', state.reason), 503)
    let bytes: Uint8Array | undefined
    try {
      bytes = await state.store.get(c.req.param('cid'))
    } catch (error) {
      if (!(error instanceof InvalidContentCidError)) throw error
      return c.json(jsonError('INVALID_CID', error.shortMessage), 400)
    }
    if (!bytes) return c.json(jsonError('NOT_FOUND', `No content ${c.req.param('cid')} in this node's store.`), 404)
    return c.body(new Uint8Array(bytes), 200, { 'content-type': 'application/octet-stream' })
  })
  // The IPFS trustless gateway (content/gateway.ts): blocks, CARs and files by CID.
  addIpfsRoutes(
    app,
    () => state.store,
    (error) => common.logger.error({ msg: 'ipfs request failed', err: error }),
  )

  app.get('/api/payments', (c) => {
    if (!state.payments)
      return c.json(jsonError('NOT_READY', state.ready ? 'This node runs no gateway or miner.' : state.reason), 503)
    return c.json(state.payments())
  })

  app.get('/api/incentives', async (c) => {
    if (!state.incentives) return c.json(jsonError('NOT_READY', state.reason), 503)
    const raw = c.req.query('epochs')
    if (raw !== undefined && !/^\d{1,3}$/.test(raw)) {
      return c.json(jsonError('INVALID_QUERY', 'epochs must be a whole number from 0 to 999.'), 400)
    }
    return c.json(await state.incentives(raw === undefined ? {} : { epochs: Number(raw) }))
  })

  addModelsRoutes(
    app,
    () => state.models,
    () => state.reason,
  )
  addTrainingRoutes(
    app,
    () => state.training,
    () => state.reason,
  )
  addDataRoutes(
    app,
    () => state.data,
    () => state.reason,
  )
  addProvenanceRoutes(
    app,
    () => state.provenance,
    () => state.reason,
  )

  app.post('/api/miner/claim', async (c) => {
    if (!state.claim) return c.json(jsonError('NOT_READY', 'This node runs no miner.'), 503)
    const results = await state.claim()
    const [first] = results
    if (!first) return c.json({ claimed: false, reason: 'no channel owes anything unclaimed' })
    const sum = (f: (r: (typeof results)[number]) => bigint | number) =>
      results.reduce((total, r) => total + BigInt(f(r)), 0n)
    return c.json({
      claimed: true,
      tx: first.hash,
      channels: Number(sum((r) => r.channels)),
      paid: sum((r) => r.paid).toString(),
      gasUsed: sum((r) => r.gasUsed).toString(),
      claims: results.map((r) => ({
        payee: r.payee,
        tx: r.hash,
        channels: r.channels,
        paid: r.paid.toString(),
        gasUsed: r.gasUsed.toString(),
      })),
    })
  })

  const gateway = (c: Context) =>
    state.gateway
      ? state.gateway.fetch(c.req.raw)
      : c.json(
          jsonError('NOT_READY', state.ready ? 'This node runs no gateway (set gateway: true).' : state.reason),
          503,
        )
  app.all('/v1/*', gateway)
  app.all('/v2/*', gateway)

  app.all('/api/*', (c) => c.json(jsonError('NOT_FOUND', `No API route ${c.req.method} ${c.req.path}.`), 404))

  const dashboardDir = common.options.dashboardDir ? resolve(common.options.dashboardDir) : undefined
  app.get('*', (c) => {
    if (!dashboardDir) return c.json(jsonError('NOT_FOUND', 'This node serves no dashboard.'), 404)
    const path = c.req.path === '/' ? '/index.html' : c.req.path
    const file = normalize(join(dashboardDir, path))
    if (path === '/index.html' && !existsSync(file))
      return c.html(dashboardNotBuilt, 503, { 'cache-control': 'no-cache' })
    if (!file.startsWith(dashboardDir + sep) || !existsSync(file) || !statSync(file).isFile()) {
      return c.json(jsonError('NOT_FOUND', `No page ${c.req.path}.`), 404)
    }
    return c.body(readFileSync(file), 200, {
      'content-type': mime[extname(file)] ?? 'application/octet-stream',
      'cache-control': 'no-cache',
    })
  })

  app.notFound((c) => c.json(jsonError('NOT_FOUND', `No route ${c.req.method} ${c.req.path}.`), 404))
  app.onError((error, c) => {
    common.logger.error({ msg: 'request failed', path: c.req.path, err: error })
    const { status, body } = errorResponse(error, 'node')
    return c.json(body, status)
  })
  return app
}

/** Listens on host:port; fails with {@link PortInUseError} naming the port when it is taken. */
export async function listen(
  app: Hono,
  host: string,
  port: number,
  { what = 'node HTTP port', setting = '--port / MYCEL_PORT' } = {},
): Promise<{ server: Server; port: number }> {
  return new Promise((resolvePromise, reject) => {
    const server = serve({ fetch: app.fetch, hostname: host, port }) as Server
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') {
        reject(new PortInUseError({ host, port, what, setting }))
      } else if (error.code === 'ENOTFOUND' || error.code === 'EADDRNOTAVAIL' || error.code === 'EAI_AGAIN') {
        reject(
          new NodeError(
            'INVALID_HOST',
            `Cannot listen on host ${JSON.stringify(host)} (${error.code}): use an address of this machine, e.g. 127.0.0.1, with --host / MYCEL_HOST.`,
            { exitCode: 2 },
          ),
        )
      } else reject(error)
    })
    server.once('listening', () => {
      const address = server.address()
      resolvePromise({ server, port: typeof address === 'object' && address ? address.port : port })
    })
  })
}
