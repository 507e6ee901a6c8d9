/**
 * The OpenAPI documents against the running servers of a real node (embedded devnet, its miner and gateway): every
 * route each Hono app registers is in its surface's document (and nothing else is), each app serves its document at
 * `GET /openapi.json`, and real answers, successes and refusals, match the status codes, content types, error codes
 * and zod response schemas documented for them. The apps are recorded as they are created (a `Hono` subclass that
 * notes each instance), wherever the role code builds them.
 */
import { rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { cidOfBytes } from '@mycel/sdk'
import type { Hono } from 'hono'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { z } from 'zod'
import { tempDir } from '../../../test/helpers/chain.ts'
import type { MycelNode } from '../src/app/start.ts'
import { gatewayOpenApi, gatewayRoutes } from '../src/http/openapi/gateway.ts'
import { minerOpenApi, minerRoutes } from '../src/http/openapi/miner.ts'
import { nodeOpenApi, nodeRoutes } from '../src/http/openapi/node.ts'
import { type Document, type Fallback, openApiPath, type RouteSpec } from '../src/http/openapi/shared.ts'
import { createApp } from '../src/http/server.ts'
import { startTestNode } from './testNode.ts'

const apps = vi.hoisted(() => [] as { routes: { method: string; path: string }[] }[])
vi.mock('hono', async (importOriginal) => {
  const hono = await importOriginal<typeof import('hono')>()
  class RecordedHono extends hono.Hono {
    constructor(...args: ConstructorParameters<typeof hono.Hono>) {
      super(...args)
      apps.push(this)
    }
  }
  return { ...hono, Hono: RecordedHono }
})

const dataDir = tempDir('mycel-openapi-')
let node: MycelNode
let minerUrl: string

beforeAll(async () => {
  node = await startTestNode(dataDir, { validator: 'off', epochs: 'off' })
  minerUrl = (node.roles.miner as { url: string }).url
})
afterAll(async () => {
  await node?.stop()
  rmSync(dataDir, { recursive: true, force: true })
})

type Surface = 'node' | 'miner' | 'gateway'
/** Which surface an app is, by a route only that surface has. */
function surfaceOf(app: { routes: { path: string }[] }): Surface | undefined {
  const paths = app.routes.map((r) => r.path)
  if (paths.includes('/api/network')) return 'node'
  if (paths.includes('/v1/mycel/offer')) return 'miner'
  if (paths.includes('/v1/models/:id{.+}')) return 'gateway'
  return undefined
}
const documents: Record<Surface, () => Document> = { node: nodeOpenApi, miner: minerOpenApi, gateway: gatewayOpenApi }

/** The app's routes, as `METHOD /openapi/path` (middleware and `app.all` catch-alls are `ALL`: left out). */
const routesOf = (app: { routes: { method: string; path: string }[] }) =>
  new Set(app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${openApiPath(r.path)}`))
const documented = (doc: Document) =>
  new Set(
    Object.entries(doc.paths ?? {}).flatMap(([path, item]) =>
      Object.keys(item as object).map((method) => `${method.toUpperCase()} ${path}`),
    ),
  )
const fallbacksOf = (doc: Document) =>
  new Set(
    ((doc as { 'x-mycel-fallbacks'?: Fallback[] })['x-mycel-fallbacks'] ?? []).map((f) => `${f.method} ${f.path}`),
  )

describe('every route is described', () => {
  it('records the node, miner and gateway apps of the running node', () => {
    const surfaces = apps.map(surfaceOf)
    expect(surfaces).toContain('node')
    expect(surfaces).toContain('miner')
    expect(surfaces).toContain('gateway')
    // An app of another kind would have no document.
    expect(apps.filter((app) => app.routes.length > 0 && surfaceOf(app) === undefined)).toEqual([])
  })

  it.each(['node', 'miner', 'gateway'] as const)("each %s app's routes are in its document", (surface) => {
    const doc = documents[surface]()
    expect(doc.openapi).toBe('3.1.0')
    const inDoc = documented(doc)
    const fallbacks = fallbacksOf(doc)
    for (const app of apps.filter((a) => surfaceOf(a) === surface)) {
      const missing = [...routesOf(app)].filter((r) => !inDoc.has(r) && !fallbacks.has(r))
      expect(missing, `routes of the ${surface} without a specification`).toEqual([])
      // And the document describes no route the app lacks (the node's /v1 and /v2 are its gateway's).
      const own = [...inDoc].filter((r) => surface !== 'node' || !/ \/v[12]\//.test(r))
      expect(own.filter((r) => !routesOf(app).has(r))).toEqual([])
    }
  })

  it('the node also serves the whole gateway document under /v1 and /v2', () => {
    const node = documented(nodeOpenApi())
    for (const r of documented(gatewayOpenApi())) if (r !== 'GET /openapi.json') expect(node).toContain(r)
  })

  it('every $ref of every document resolves', () => {
    for (const make of Object.values(documents)) {
      const doc = make()
      const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? []
      expect(refs.length).toBeGreaterThan(0)
      for (const ref of refs) {
        const [, , kind, name] = (JSON.parse(`{${ref}}`) as { $ref: string }).$ref.split('/')
        expect(
          (doc.components as Record<string, Record<string, unknown>>)[kind as string]?.[name as string],
        ).toBeDefined()
      }
    }
  })
})

describe('GET /openapi.json', () => {
  it('is served by the node, the miner and the gateway', async () => {
    expect(await (await fetch(`${node.url}/openapi.json`)).json()).toEqual(nodeOpenApi())
    expect(await (await fetch(`${minerUrl}/openapi.json`)).json()).toEqual(minerOpenApi())
    const gateway = node.roles.gateway?.app as Hono
    expect(await (await gateway.request('/openapi.json')).json()).toEqual(gatewayOpenApi())
  })
})

// ---- answers against the document ----

const specsOf: Record<Surface, RouteSpec[]> = {
  node: nodeRoutes,
  miner: minerRoutes,
  gateway: gatewayRoutes,
}

function specFor(surface: Surface, method: string, path: string): RouteSpec {
  const found = specsOf[surface].find(
    (s) =>
      s.method === method.toLowerCase() &&
      new RegExp(`^${s.path.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(path.split('?')[0] as string),
  )
  if (!found) throw new Error(`no ${surface} specification for ${method} ${path}`)
  return found
}

/** Checks `response` against what `surface`'s document says `method path` answers; returns the body. */
async function conforms(surface: Surface, method: string, path: string, response: Response) {
  const spec = specFor(surface, method, path)
  const responses = spec.responses as Record<
    string,
    { description: string; content?: Record<string, { schema: z.ZodType }> }
  >
  const documentedStatus = responses[String(response.status)]
  expect(documentedStatus, `${method} ${path} answered ${response.status}, which is not documented`).toBeDefined()
  const type = (response.headers.get('content-type') ?? '').split(';')[0] as string
  const media = documentedStatus?.content?.[type]
  expect(media, `${method} ${path} ${response.status} answered ${type}, not documented`).toBeDefined()
  const text = await response.text()
  if (type !== 'application/json') return text
  const body = JSON.parse(text) as unknown
  const parsed = (media as { schema: z.ZodType }).schema.safeParse(body)
  expect(parsed.success, `${method} ${path} ${response.status}: ${text.slice(0, 300)}\n${parsed.error}`).toBe(true)
  const code = (body as { error?: { code?: string } }).error?.code
  if (response.status >= 400 && code !== undefined) {
    expect(documentedStatus?.description, `${method} ${path}: code ${code} not documented`).toContain(`\`${code}\``)
  }
  return body
}

const send = (base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
  fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  })

const mnist = createRequire(import.meta.url)('mnist') as Record<number, { get: (i: number) => number[] }>
const digit = () => ({ inputs: [{ name: 'input', shape: [1, 784], datatype: 'FP32', data: mnist[3]?.get(0) }] })
const chat = { model: 'text', messages: [{ role: 'user', content: 'Hello' }], max_tokens: 4 }
const tooLarge = JSON.stringify({ model: 'text', prompt: 'x'.repeat((1 << 20) + 10) })

describe('answers match the document', () => {
  it('node API: successes and refusals', async () => {
    const n = (method: string, path: string, body?: unknown) =>
      send(node.url, method, path, body).then((r) => conforms('node', method, path, r))
    await n('GET', '/health')
    await n('GET', '/ready')
    expect(await n('GET', '/metrics')).toContain('mycel_http_requests_total')
    const network = (await n('GET', '/api/network')) as { subnets: { scoringSpecCid: string }[] }
    await n('GET', '/api/events?limit=3')
    expect(await n('GET', '/api/events?limit=0')).toMatchObject({ error: { code: 'INVALID_LIMIT' } })
    await n('GET', `/api/content/${network.subnets[0]?.scoringSpecCid}`)
    expect(await n('GET', '/api/content/notacid')).toMatchObject({ error: { code: 'INVALID_CID' } })
    const absent = await cidOfBytes(new TextEncoder().encode('never stored'))
    expect(await n('GET', `/api/content/${absent}`)).toMatchObject({
      error: { code: 'NOT_FOUND' },
    })
    await n('GET', '/api/payments')
    await n('GET', '/api/incentives?epochs=2')
    expect(await n('GET', '/api/incentives?epochs=x')).toMatchObject({ error: { code: 'INVALID_QUERY' } })
    await n('POST', '/api/miner/claim')
    await n('GET', '/api/data')
    expect(await n('GET', '/api/data?certified=maybe')).toMatchObject({ error: { code: 'INVALID_QUERY' } })
    expect(await n('POST', '/api/data/keys', { grantId: 'one' })).toMatchObject({
      error: { code: 'INVALID_DATA_REQUEST' },
    })
    expect(await n('POST', '/api/data/certifications', { sig: {}, signer: '0x12' })).toMatchObject({
      error: { code: 'INVALID_DATA_REQUEST' },
    })
    await n('GET', '/api/provenance')
    expect(await n('GET', '/api/provenance/zz')).toMatchObject({ error: { code: 'INVALID_HASH' } })
    expect(await n('GET', `/api/provenance/0x${'ab'.repeat(32)}`)).toMatchObject({ error: { code: 'NOT_FOUND' } })
    expect(await n('POST', '/api/provenance/verify', {})).toMatchObject({ error: { code: 'INVALID_RECEIPT' } })
    expect(await n('POST', '/api/provenance/receipts', {})).toMatchObject({ error: { code: 'INVALID_RECEIPT' } })
    expect(await n('POST', '/api/data/records', { grantId: '1', records: [2, 1] })).toMatchObject({
      error: { code: 'INVALID_DATA_REQUEST' },
    })
    expect(await n('POST', '/api/data/query', { grantId: '1', query: 7 })).toMatchObject({
      error: { code: 'INVALID_DATA_REQUEST' },
    })
    expect(await n('GET', '/api/lineage/not!a-cid')).toMatchObject({ error: { code: 'INVALID_CID' } })
    expect(await n('GET', `/api/lineage/${absent}`)).toMatchObject({ error: { code: 'NOT_FOUND' } })
    // A served model's lineage: the model (registered on the devnet, no training job behind it) is found.
    const models = (await (await fetch(`${node.url}/api/models`)).json()) as { models: { weightsCid: string }[] }
    const weights = models.models.find((m) => m.weightsCid)?.weightsCid
    if (!weights) throw new Error('the test node registers models')
    expect(await n('GET', `/api/lineage/${weights}`)).toMatchObject({
      found: 'model',
      nodes: expect.arrayContaining([expect.objectContaining({ kind: 'model' })]),
    })
  })

  it('node API before it is ready: the documented 503s', async () => {
    const app = createApp(node.common, { ready: false, reason: 'starting' })
    for (const path of ['/ready', '/api/network', '/api/events', '/api/payments', '/api/incentives', '/v1/models']) {
      const response = await app.request(path)
      expect(response.status).toBe(503)
      await conforms('node', 'GET', path, response)
    }
    const claim = await app.request('/api/miner/claim', { method: 'POST' })
    expect(await conforms('node', 'POST', '/api/miner/claim', claim)).toMatchObject({ error: { code: 'NOT_READY' } })
  })

  it('gateway on the node: successes and refusals', async () => {
    const g = (method: string, path: string, body?: unknown) =>
      send(node.url, method, path, body).then((r) => conforms('gateway', method, path, r))
    expect(await g('GET', '/v1/models')).toMatchObject({ object: 'list' })
    await g('GET', '/v1/models/text')
    expect(await g('GET', '/v1/models/no-such-model')).toMatchObject({ error: { code: 'MODEL_NOT_FOUND' } })
    await g('POST', '/v1/chat/completions', chat)
    await g('POST', '/v1/completions', { model: 'text', prompt: 'Hi', max_tokens: 4 })
    expect(await g('POST', '/v1/chat/completions', { ...chat, stream: true })).toContain('data: [DONE]')
    expect(await g('POST', '/v1/chat/completions', '{not json')).toMatchObject({ error: { code: 'INVALID_JSON' } })
    expect(await g('POST', '/v1/chat/completions', { ...chat, tools: [{}] })).toMatchObject({
      error: { code: 'UNSUPPORTED_FIELD', param: 'tools' },
    })
    expect(await g('POST', '/v1/completions', tooLarge)).toMatchObject({ error: { code: 'BODY_TOO_LARGE' } })
    // A miner's own refusal, passed through.
    expect(await g('POST', '/v1/chat/completions', { ...chat, model: 'digits' })).toMatchObject({
      error: { code: 'WRONG_TASK' },
    })
    expect(await g('POST', '/v1/chat/completions', { ...chat, model: 'nope' })).toMatchObject({
      error: { code: 'MODEL_NOT_FOUND' },
    })
    await g('GET', '/v2/models/digits')
    expect(await g('GET', '/v2/models/nope')).toMatchObject({ error: { code: 'MODEL_NOT_FOUND' } })
    await g('POST', '/v2/models/digits/infer', digit())
    expect(await g('POST', '/v2/models/digits/infer', [1])).toMatchObject({ error: { code: 'INVALID_REQUEST' } })
    await g('GET', '/v2/health/ready')
    await g('GET', '/v2/health/live')
  })

  it('miner: successes, payment refusals and bad input', async () => {
    const m = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
      send(minerUrl, method, path, body, headers).then((r) => conforms('miner', method, path, r))
    await m('GET', '/health')
    const offer = (await m('GET', '/v1/mycel/offer')) as { models: { id: string; weightsCid?: string }[] }
    const weights = offer.models.find((x) => x.weightsCid)?.weightsCid
    expect(weights).toBeDefined()
    await m('GET', `/v1/mycel/content/${weights}`)
    expect(await m('GET', '/v1/mycel/content/bafkreinope')).toMatchObject({ error: { code: 'NOT_FOUND' } })
    await m('GET', '/v1/models')
    expect(await m('POST', '/v1/chat/completions', chat)).toMatchObject({
      error: { code: 'PAYMENT_REQUIRED', payment: { scheme: 'mycel-channel' } },
    })
    expect(
      await m('POST', '/v1/completions', { model: 'text', prompt: 'Hi' }, { 'x-mycel-voucher': 'garbage' }),
    ).toMatchObject({
      error: { code: 'INVALID_VOUCHER' },
    })
    expect(await m('POST', '/v1/chat/completions', chat, { 'x-mycel-validator': 'garbage' })).toMatchObject({
      error: { code: 'VALIDATOR_MALFORMED' },
    })
    const wrongType = await fetch(`${minerUrl}/v1/chat/completions`, { method: 'POST', body: 'hi' })
    expect(await conforms('miner', 'POST', '/v1/chat/completions', wrongType)).toMatchObject({
      error: { code: 'INVALID_CONTENT_TYPE' },
    })
    expect(await m('POST', '/v1/chat/completions', { ...chat, model: 'digits' })).toMatchObject({
      error: { code: 'WRONG_TASK' },
    })
    expect(await m('POST', '/v1/completions', tooLarge)).toMatchObject({ error: { code: 'BODY_TOO_LARGE' } })
    await m('GET', '/v2/health/live')
    await m('GET', '/v2/health/ready')
    await m('GET', '/v2/models/digits')
    expect(await m('GET', '/v2/models/nope')).toMatchObject({ error: { code: 'MODEL_NOT_FOUND' } })
    expect(await m('POST', '/v2/models/digits/infer', digit())).toMatchObject({ error: { code: 'PAYMENT_REQUIRED' } })
    expect(await m('POST', '/v2/models/digits/infer', { inputs: [] })).toMatchObject({
      error: { code: 'INVALID_REQUEST' },
    })
    const shapeless = { inputs: [{ name: 'input', shape: [1, 3], datatype: 'FP32', data: [1, 2] }] }
    expect(await m('POST', '/v2/models/digits/infer', shapeless)).toMatchObject({ error: { code: 'INVALID_TENSOR' } })
  })
})
