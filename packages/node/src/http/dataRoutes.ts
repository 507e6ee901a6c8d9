/**
 * The node API's data routes (docs/data.md): `GET /api/data` (datasets on chain with their grants, the datasets whose
 * keys this node holds, and its log of key requests) and `POST /api/data/keys` (a grantee's signed key request;
 * vault/release.ts). Errors are the node's JSON envelope: 400 for a malformed request, 403 for a refused one (not the
 * grantee, a revoked or expired grant, a kind that gets no key, a stale request), 404 for an unknown grant or a
 * dataset whose key is not here, 503 until the vault runs.
 */
import type { Hono } from 'hono'
import { errorBody, errorResponse } from './errors.ts'

export type DataApi = {
  overview: () => Promise<unknown>
  releaseKey: (body: unknown) => Promise<unknown>
}

export function addDataRoutes(app: Hono, data: () => DataApi | undefined, notReady: () => string) {
  app.get('/api/data', async (c) => {
    const api = data()
    if (!api) return c.json(errorBody('NOT_READY', notReady()), 503)
    return c.json(await api.overview())
  })
  app.post('/api/data/keys', async (c) => {
    const api = data()
    if (!api) return c.json(errorBody('NOT_READY', notReady()), 503)
    let body: unknown
    try {
      body = JSON.parse(await c.req.text())
    } catch {
      return c.json(
        errorBody('INVALID_DATA_REQUEST', 'The body is not JSON: send {"grantId", "issuedAt", "signature"}.'),
        400,
      )
    }
    try {
      return c.json(await api.releaseKey(body))
    } catch (error) {
      const { status, body: errorJson } = errorResponse(error)
      if (status === 500) throw error
      return c.json(errorJson, status)
    }
  })
}
