/**
 * The gateway's HTTP routes: the OpenAI-compatible API (`/v1/models`, `/v1/chat/completions`, `/v1/completions`)
 * and the Open Inference Protocol (`/v2/...`). Requests are checked here, before any miner is paid; paid ones go to
 * the forwarder, through charge.ts (the client's x402 payment, when it pays the gateway). Errors use the one envelope
 * of http/errors.ts.
 */
import { type Context, Hono } from 'hono'
import type { Common } from '../common/common.ts'
import { errorResponse, sendError } from '../http/errors.ts'
import { limitRequestBodies } from '../http/limits.ts'
import { gatewayOpenApi } from '../http/openapi/gateway.ts'
import { serveOpenApi } from '../http/openapi/shared.ts'
import { inferRequest } from '../inference/kserve.ts'
import { chatCompletionRequest, completionRequest, requestProblem } from '../inference/openai.ts'
import { PAYMENT_SIGNATURE_HEADER } from '../payments/x402.ts'
import type { GatewayCharge } from './charge.ts'
import type { MinerDirectory } from './discovery.ts'
import type { Forwarder } from './forward.ts'
import { listModels } from './models.ts'

const FETCH_TIMEOUT_MS = 5_000

export function createGatewayRoutes(p: {
  log: Common['logger']
  directory: MinerDirectory
  forwarder: Forwarder
  charge: GatewayCharge
  token: string
}): Hono {
  const { log, directory } = p
  const miners = directory.entries
  const forward = p.forwarder.forward
  const app = new Hono()
  limitRequestBodies(app)
  serveOpenApi(app, gatewayOpenApi)

  app.get('/v1/models', async (c) => {
    if (miners.size === 0) await directory.discover()
    return c.json({ object: 'list', data: [...listModels(miners.values(), p.token).values()] })
  })
  // `{.+}`: model ids may hold a slash (an upstream's `org/model`).
  app.get('/v1/models/:id{.+}', async (c) => {
    const id = c.req.param('id')
    let found = listModels(miners.values(), p.token).get(id)
    if (!found) {
      await directory.discoverOnDemand()
      found = listModels(miners.values(), p.token).get(id)
    }
    if (found) return c.json(found)
    return sendError(c, 404, 'MODEL_NOT_FOUND', `No miner on this network serves model "${id}". See GET /v1/models.`, {
      param: 'model',
    })
  })

  async function readBody(c: Context): Promise<Record<string, unknown> | Response> {
    let body: unknown
    try {
      body = await c.req.json()
    } catch {
      return sendError(c, 400, 'INVALID_JSON', 'The request body is not valid JSON.')
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      return sendError(c, 400, 'INVALID_REQUEST', 'The request body must be a JSON object.')
    return body as Record<string, unknown>
  }

  const textRoute = (path: string) => async (c: Context) => {
    const body = await readBody(c)
    if (body instanceof Response) return body
    if (typeof body.model !== 'string' || body.model.length === 0)
      return sendError(c, 400, 'INVALID_REQUEST', 'model: expected the id of a model (see GET /v1/models).')
    // Refused here, before any miner is paid: what no mycel miner implements (docs/http-api.md).
    const checked = (path === '/v1/chat/completions' ? chatCompletionRequest : completionRequest).safeParse(body)
    if (!checked.success) {
      const { code, message, param } = requestProblem(checked.error)
      return sendError(c, 400, code, message, { param })
    }
    const stream = body.stream === true
    const wantsUsage = (body.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true
    const forwarded = stream
      ? { ...body, stream_options: { ...((body.stream_options as object) ?? {}), include_usage: true } }
      : body
    const model = body.model
    return p.charge.handle(c, model, () => forward(c, path, model, forwarded, stream, wantsUsage))
  }
  app.post('/v1/chat/completions', textRoute('/v1/chat/completions'))
  app.post('/v1/completions', textRoute('/v1/completions'))
  app.post('/v2/models/:name/infer', async (c) => {
    const body = await readBody(c)
    if (body instanceof Response) return body
    const name = c.req.param('name')
    // A request its client pays for is checked before the payment is settled (the miner checks the rest).
    if (c.req.header(PAYMENT_SIGNATURE_HEADER) !== undefined && !inferRequest.safeParse(body).success)
      return sendError(c, 400, 'INVALID_REQUEST', 'The body is not an Open Inference Protocol inference request.')
    return p.charge.handle(c, name, () =>
      forward(c, `/v2/models/${encodeURIComponent(name)}/infer`, name, body, false, false),
    )
  })
  app.get('/v2/models/:name', async (c) => {
    const [first] = directory.candidates(c.req.param('name'))
    if (!first) return sendError(c, 404, 'MODEL_NOT_FOUND', `No miner serves model "${c.req.param('name')}".`)
    const response = await fetch(`${first.miner.endpoint}/v2/models/${encodeURIComponent(c.req.param('name'))}`, {
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
    }).catch(() => undefined)
    if (!response) return sendError(c, 502, 'MINER_UNREACHABLE', `The miner ${first.miner.payee} did not answer.`)
    return c.json(await response.json(), response.status as 200)
  })
  app.get('/v2/health/ready', (c) => c.json({ ready: miners.size > 0 }))
  app.get('/v2/health/live', (c) => c.json({ live: true }))
  app.onError((error, c) => {
    log.error({ msg: 'gateway request failed', path: c.req.path, err: error })
    const { status, body } = errorResponse(error, 'gateway')
    return c.json(body, status)
  })
  app.all('/v1/*', (c) => sendError(c, 404, 'NOT_FOUND', `No route ${c.req.method} ${c.req.path} on the gateway.`))
  app.all('/v2/*', (c) => sendError(c, 404, 'NOT_FOUND', `No route ${c.req.method} ${c.req.path} on the gateway.`))
  return app
}
