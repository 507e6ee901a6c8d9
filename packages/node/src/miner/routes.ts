/**
 * The miner's HTTP API: `/health`, the offer (`/v1/mycel/offer`), open weights by CID (`/v1/mycel/content/{cid}`,
 * so validators can re-execute), `/v1/models`, the text routes (textRoutes.ts) and the tensor routes
 * (tensorRoutes.ts); JSON errors for everything else, and a 500 without details for what fails unexpectedly.
 */
import { Hono } from 'hono'
import type { Common } from '../common/common.ts'
import type { ContentStore } from '../content/contentStore.ts'
import { addIpfsRoutes } from '../content/gateway.ts'
import { errorResponse } from '../http/errors.ts'
import { limitRequestBodies } from '../http/limits.ts'
import { minerOpenApi } from '../http/openapi/miner.ts'
import { serveOpenApi } from '../http/openapi/shared.ts'
import { contextLengthOf, taskOf, unitOf } from '../inference/offer.ts'
import { priceJson } from '../payments/pricing.ts'
import type { MinerAdmission } from './admission.ts'
import { createModelFinder, fail } from './http.ts'
import type { MinerLedger } from './ledger.ts'
import type { ReceiptIssuer } from './receipts.ts'
import type { ServedModel } from './served.ts'
import { addTensorRoutes } from './tensorRoutes.ts'
import { createTextHandler } from './textRoutes.ts'

export type MinerAppParameters = {
  payee: `0x${string}`
  token: `0x${string}`
  models: ServedModel[]
  admission: Pick<MinerAdmission, 'pay' | 'settle'>
  ledger: Pick<MinerLedger, 'release'>
  metrics: Common['metrics']
  log: Common['logger']
  /** Aborted when the miner stops. */
  stopping: AbortSignal
  /** The offer's bytes once published (503 until then). */
  offerBytes: () => Uint8Array | undefined
  /** Open weights this miner publishes, by CID. */
  content: (cid: string) => Uint8Array | undefined
  /** The node's content store, served at `/ipfs/<cid>` so peers fetch weights from the miner's registered endpoint. */
  store?: ContentStore | undefined
  /** Signs and stores each answer's provenance receipt (docs/provenance.md). */
  receipts?: ReceiptIssuer | undefined
}

export function createMinerApp(p: MinerAppParameters): Hono {
  const { payee, token, metrics, log } = p
  const app = new Hono()
  const findModel = createModelFinder(p.models)

  app.use('*', async (c, next) => {
    await next()
    metrics.inc('mycel_miner_http_requests_total', 'HTTP requests to the miner.', { status: String(c.res.status) })
  })
  limitRequestBodies(app)

  app.get('/health', (c) => c.json({ status: 'ok', role: 'miner', payee }))
  serveOpenApi(app, minerOpenApi)
  app.get('/v1/mycel/offer', (c) => {
    const bytes = p.offerBytes()
    return bytes
      ? c.body(new Uint8Array(bytes), 200, { 'content-type': 'application/json' })
      : fail(c, 503, 'NOT_READY', 'The offer is not published yet.')
  })
  addIpfsRoutes(
    app,
    () => p.store,
    (error) => log.error({ msg: 'ipfs request failed', err: error }),
  )
  app.get('/v1/mycel/content/:cid', (c) => {
    const bytes = p.content(c.req.param('cid'))
    if (!bytes) return fail(c, 404, 'NOT_FOUND', `This miner publishes no content ${c.req.param('cid')}.`)
    return c.body(new Uint8Array(bytes), 200, { 'content-type': 'application/octet-stream' })
  })
  app.get('/v1/models', (c) =>
    c.json({
      object: 'list',
      data: p.models.map((s) => ({
        id: s.model.id,
        object: 'model',
        created: 0,
        owned_by: payee,
        context_length: contextLengthOf(s.model),
        mycel: {
          task: taskOf(s.model),
          price: priceJson(s.price),
          unit: unitOf(s.model),
          token,
        },
      })),
    }),
  )

  const text = createTextHandler({
    findModel,
    admission: p.admission,
    ledger: p.ledger,
    log,
    stopping: p.stopping,
    receipts: p.receipts,
  })
  app.post('/v1/chat/completions', (c) => text(c, 'chat'))
  app.post('/v1/completions', (c) => text(c, 'completion'))
  addTensorRoutes(app, { findModel, admission: p.admission, ledger: p.ledger, log, token, receipts: p.receipts })

  app.notFound((c) => fail(c, 404, 'NOT_FOUND', `No route ${c.req.method} ${c.req.path} on this miner.`))
  app.onError((error, c) => {
    log.error({ msg: 'miner request failed', path: c.req.path, err: error })
    const { status, body } = errorResponse(error, 'miner')
    return c.json(body, status)
  })
  return app
}
