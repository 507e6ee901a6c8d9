/**
 * The node API's model market routes (docs/models-market-node-api.md): `GET /api/models`, `GET /api/models/:id`
 * (markets/catalog.ts) and `POST /api/models/:id/governance/:action` (markets/governance.ts). Errors are the node's
 * JSON envelope: 400 for a malformed id or body, 404 for an unknown model or proposal, 403 for a key the node will
 * not sign with, 409 when the chain refuses, 503 until the catalog runs.
 */
import type { Hono } from 'hono'
import type { Catalog } from '../markets/catalog.ts'
import { InvalidGovernanceRequestError, InvalidModelIdError } from '../markets/errors.ts'
import { governanceActions, type ModelGovernanceWriter } from '../markets/governance.ts'
import { errorBody, errorResponse } from './errors.ts'

export type ModelsApi = { catalog: Catalog; governance?: ModelGovernanceWriter | undefined }

/** A model id as the registry numbers them: a whole number from 1, at most 78 digits (a uint256). */
export function parseModelId(value: string): bigint {
  if (!/^[1-9]\d{0,77}$/.test(value)) throw new InvalidModelIdError(value)
  return BigInt(value)
}

export function addModelsRoutes(app: Hono, models: () => ModelsApi | undefined, notReady: () => string) {
  const unavailable = (what: string) => errorBody('NOT_READY', what)
  app.get('/api/models', async (c) => {
    const api = models()
    if (!api) return c.json(unavailable(notReady()), 503)
    return c.json(await api.catalog.list())
  })
  app.get('/api/models/:id', async (c) => {
    const api = models()
    try {
      const id = parseModelId(c.req.param('id'))
      if (!api) return c.json(unavailable(notReady()), 503)
      return c.json(await api.catalog.get(id))
    } catch (error) {
      const { status, body } = errorResponse(error)
      if (status === 500) throw error
      return c.json(body, status)
    }
  })
  // One route per action (an unknown action is the API's 404): each documented on its own with its body.
  for (const action of governanceActions) {
    app.post(`/api/models/:id/governance/${action}`, async (c) => {
      const api = models()
      try {
        const id = parseModelId(c.req.param('id'))
        if (!api?.governance) {
          return c.json(unavailable(api ? 'This node signs no governance transactions.' : notReady()), 503)
        }
        let body: unknown
        try {
          const text = await c.req.text()
          body = text.trim() === '' ? {} : JSON.parse(text)
        } catch {
          throw new InvalidGovernanceRequestError('the body is not JSON')
        }
        return c.json(await api.governance.run(id, action, body))
      } catch (error) {
        const { status, body } = errorResponse(error)
        if (status === 500) throw error
        return c.json(body, status)
      }
    })
  }
}
