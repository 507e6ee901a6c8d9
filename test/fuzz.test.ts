/**
 * HTTP fuzz of the miner and the gateway: thousands of random and malformed requests (methods, paths, headers,
 * voucher headers, JSON bodies near and far from the schemas, broken bytes). Every answer must be a JSON 4xx or a
 * 2xx, never a 5xx; afterwards both still serve a valid paid request.
 */
import { rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type MycelNode, start } from '../packages/node/src/app/start.ts'
import { createLogger } from '../packages/node/src/common/common.ts'
import { resolveOptions } from '../packages/node/src/config/options.ts'
import { tempDir } from './helpers/chain.ts'

const RUNS = Number(process.env.FUZZ_RUNS ?? 2000)
const dataDir = tempDir('mycel-fuzz-')
let node: MycelNode
let minerUrl: string
const mnist = createRequire(import.meta.url)('mnist') as Record<number, { get: (i: number) => number[] }>

beforeAll(async () => {
  node = await start(
    { ...resolveOptions({ env: {}, cwd: dataDir }), dataDir, port: 0, minerPort: 0, logLevel: 'silent' },
    { logger: createLogger('silent') },
  )
  minerUrl = node.roles.miner?.url ?? ''
})
afterAll(async () => {
  await node?.stop()
  rmSync(dataDir, { recursive: true, force: true })
})

const paths = [
  '/v1/chat/completions',
  '/v1/completions',
  '/v1/models',
  '/v1/mycel/offer',
  '/v2/models/digits/infer',
  '/v2/models/text/infer',
  '/v2/models/digits',
  '/v2/models/nope/infer',
  '/v2/health/ready',
  '/health',
]
const json = fc.jsonValue({ maxDepth: 4 })
const message = fc.record(
  {
    role: fc.oneof(fc.constantFrom('user', 'system', 'assistant', 'robot'), fc.string()),
    content: fc.oneof(fc.string({ maxLength: 200 }), json),
  },
  { requiredKeys: [] },
)
const chatBody = fc.record(
  {
    model: fc.oneof(fc.constantFrom('text', 'digits', 'nope', ''), fc.string({ maxLength: 20 }), json),
    messages: fc.oneof(fc.array(message, { maxLength: 4 }), json),
    max_tokens: fc.oneof(fc.integer({ min: -5, max: 300 }), fc.double(), json),
    temperature: fc.oneof(fc.double({ min: -1, max: 3, noNaN: false }), json),
    top_p: fc.oneof(fc.double({ min: -1, max: 2 }), json),
    stream: fc.oneof(fc.boolean(), json),
    stop: fc.oneof(fc.string({ maxLength: 5 }), fc.array(fc.string({ maxLength: 5 }), { maxLength: 6 }), json),
    n: fc.oneof(fc.integer({ min: 0, max: 3 }), json),
    seed: fc.oneof(fc.integer(), fc.double(), json),
    prompt: fc.oneof(fc.string({ maxLength: 100 }), fc.array(fc.string(), { maxLength: 3 }), json),
  },
  { requiredKeys: [] },
)
const tensorBody = fc.record(
  {
    inputs: fc.oneof(
      fc.array(
        fc.record(
          {
            name: fc.oneof(fc.constantFrom('input', 'context', 'x'), fc.string({ maxLength: 10 })),
            shape: fc.oneof(fc.array(fc.integer({ min: -2, max: 800 }), { maxLength: 4 }), json),
            datatype: fc.oneof(fc.constantFrom('FP32', 'INT64', 'BOOL', 'UINT8', 'FP16'), fc.string({ maxLength: 5 })),
            data: fc.oneof(fc.array(fc.oneof(fc.double(), fc.integer(), fc.boolean()), { maxLength: 800 }), json),
          },
          { requiredKeys: [] },
        ),
        { maxLength: 3 },
      ),
      json,
    ),
    outputs: fc.oneof(fc.array(fc.record({ name: fc.string({ maxLength: 12 }) })), json),
    id: fc.oneof(fc.string({ maxLength: 20 }), json),
  },
  { requiredKeys: [] },
)
const voucherHeader = fc.oneof(
  fc.string({ maxLength: 300 }),
  json.map((v) => JSON.stringify(v)),
  fc
    .record({
      channelId: fc.oneof(fc.bigInt({ min: 0n, max: 5n }).map(String), fc.string({ maxLength: 80 })),
      cumulativeAmount: fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 97n }).map(String), fc.string()),
      cumulativeRequests: fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 65n }).map(String), fc.string()),
      cumulativeUnits: fc.oneof(fc.bigInt({ min: 0n, max: 100n }).map(String), fc.integer()),
      signature: fc.oneof(
        fc.uint8Array({ minLength: 65, maxLength: 65 }).map((b) => `0x${Buffer.from(b).toString('hex')}`),
        fc.string(),
      ),
    })
    .map((v) => JSON.stringify(v)),
)
const anyRequest = fc.record({
  method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'),
  path: fc.oneof(
    fc.constantFrom(...paths),
    fc.constantFrom(...paths).chain((p) => fc.string({ maxLength: 30 }).map((s) => `${p}${encodeURIComponent(s)}`)),
    fc.webPath(),
  ),
  contentType: fc.constantFrom('application/json', 'text/plain', ''),
  voucher: fc.option(voucherHeader, { nil: undefined }),
  body: fc.oneof(
    json.map((v) => JSON.stringify(v)),
    fc.string({ maxLength: 200 }),
    fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('latin1')),
  ),
})
/** Near-valid chat and completion requests: a sane base with some fields replaced by anything. */
const textRequest = fc.record({
  method: fc.constant('POST'),
  path: fc.constantFrom('/v1/chat/completions', '/v1/completions'),
  contentType: fc.constantFrom('application/json', 'application/json; charset=utf-8'),
  voucher: fc.option(voucherHeader, { nil: undefined, freq: 3 }),
  body: fc
    .tuple(
      fc.record({
        model: fc.constantFrom('text', 'text', 'digits', 'nope'),
        messages: fc.array(
          fc.record({ role: fc.constantFrom('user', 'system'), content: fc.string({ maxLength: 60 }) }),
          { minLength: 1, maxLength: 3 },
        ),
        prompt: fc.string({ maxLength: 60 }),
        max_tokens: fc.integer({ min: 1, max: 40 }),
        stream: fc.boolean(),
      }),
      chatBody,
      fc.subarray(['model', 'messages', 'prompt', 'max_tokens', 'temperature', 'top_p', 'stream', 'stop', 'n', 'seed']),
    )
    .map(([base, wild, keys]) =>
      JSON.stringify({ ...base, ...Object.fromEntries(keys.map((k) => [k, (wild as Record<string, unknown>)[k]])) }),
    ),
})
const tensorRequest = fc.record({
  method: fc.constant('POST'),
  path: fc.constantFrom('/v2/models/digits/infer', '/v2/models/text/infer', '/v2/models/nope/infer'),
  contentType: fc.constant('application/json'),
  voucher: fc.option(voucherHeader, { nil: undefined, freq: 3 }),
  body: fc.oneof(
    tensorBody.map((b) => JSON.stringify(b)),
    fc
      .tuple(fc.integer({ min: 0, max: 3 }), fc.constantFrom('FP32', 'INT64'), fc.integer({ min: 0, max: 9 }))
      .map(([batch, datatype, label]) =>
        JSON.stringify({
          inputs: [
            {
              name: 'input',
              shape: [batch, 784],
              datatype,
              data: Array.from({ length: batch }, () => mnist[label]?.get(900)).flat(),
            },
          ],
        }),
      ),
  ),
})
const request = fc.oneof(
  { arbitrary: textRequest, weight: 5 },
  { arbitrary: tensorRequest, weight: 3 },
  { arbitrary: anyRequest, weight: 2 },
)

type FuzzRequest = typeof request extends fc.Arbitrary<infer T> ? T : never

async function send(base: string, r: FuzzRequest) {
  const headers: Record<string, string> = {}
  if (r.contentType) headers['content-type'] = r.contentType
  if (r.voucher !== undefined) headers['x-mycel-voucher'] = r.voucher.replace(/[\r\n]/g, ' ')
  let path = r.path.startsWith('/') ? r.path : `/${r.path}`
  if (!/^[\x21-\x7e]*$/.test(path)) path = encodeURI(path)
  const hasBody = r.method !== 'GET' && r.method !== 'OPTIONS'
  const response = await fetch(`${base}${path}`, { method: r.method, headers, ...(hasBody ? { body: r.body } : {}) })
  const text = await response.text()
  return { status: response.status, type: response.headers.get('content-type') ?? '', text }
}

describe('HTTP fuzz', () => {
  for (const [name, base] of [
    ['miner', () => minerUrl],
    ['gateway', () => node.url],
  ] as const) {
    it(`answers ${RUNS} random and malformed requests to the ${name} without a 5xx`, async () => {
      const statuses = new Map<number, number>()
      await fc.assert(
        fc.asyncProperty(request, async (r) => {
          const { status, type, text } = await send(base(), r)
          statuses.set(status, (statuses.get(status) ?? 0) + 1)
          expect(status, `${r.method} ${r.path} → ${status} ${text.slice(0, 200)}`).toBeLessThan(500)
          if (status >= 400) {
            expect(type).toContain('application/json')
            expect(typeof (JSON.parse(text) as { error: { code: string } }).error.code).toBe('string')
          }
        }),
        { numRuns: RUNS, seed: Number(process.env.FUZZ_SEED ?? 7) },
      )
      // The fuzz reached past validation: payment refusals and client errors both occurred.
      expect(statuses.get(400) ?? 0).toBeGreaterThan(0)
      expect((statuses.get(404) ?? 0) + (statuses.get(402) ?? 0)).toBeGreaterThan(0)
      // And the role still works.
      const ok = await fetch(`${node.url}/v2/models/digits/infer`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          inputs: [{ name: 'input', shape: [1, 784], datatype: 'FP32', data: mnist[1]?.get(900) }],
        }),
      })
      expect(ok.status).toBe(200)
    }, 300_000)
  }
})
