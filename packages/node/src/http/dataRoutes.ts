/**
 * The node API's data routes (docs/data.md): `GET /api/data` (datasets on chain with their grants, the datasets whose
 * keys this node holds, its log of key requests, and the certifications of each — `?certified=true` keeps the
 * datasets with a passed, unrevoked one), `POST /api/data/keys` (a grantee's signed key request; vault/release.ts),
 * `POST /api/data/records` and `POST /api/data/query` (a grantee's signed request for records or an aggregate answer
 * from the personal vault; vault/serve.ts) and `POST /api/data/certifications` (an offchain certification for this node to publish; vault/certifications.ts).
 * Errors are the node's JSON envelope: 400 for a malformed request, 403 for a refused one (not the grantee, a revoked
 * or expired grant, a kind that gets no key, a stale request), 404 for an unknown grant or dataset or a key not held
 * here, 503 until the node is ready.
 */
import type { Hono } from 'hono'
import { errorBody, errorResponse } from './errors.ts'

export type DataApi = {
  overview: (options: { certified?: boolean }) => Promise<unknown>
  releaseKey: (body: unknown) => Promise<unknown>
  serveRecords: (body: unknown) => Promise<unknown>
  serveQuery: (body: unknown) => Promise<unknown>
  acceptCertification: (body: unknown) => Promise<unknown>
}

export function addDataRoutes(app: Hono, data: () => DataApi | undefined, notReady: () => string) {
  app.get('/api/data', async (c) => {
    const api = data()
    if (!api) return c.json(errorBody('NOT_READY', notReady()), 503)
    const certified = c.req.query('certified')
    if (certified !== undefined && certified !== 'true' && certified !== 'false')
      return c.json(errorBody('INVALID_QUERY', 'certified must be true or false.'), 400)
    return c.json(await api.overview(certified === undefined ? {} : { certified: certified === 'true' }))
  })
  const post = (path: string, handle: (api: DataApi, body: unknown) => Promise<unknown>, expected: string) =>
    app.post(path, async (c) => {
      const api = data()
      if (!api) return c.json(errorBody('NOT_READY', notReady()), 503)
      let body: unknown
      try {
        body = JSON.parse(await c.req.text())
      } catch {
        return c.json(errorBody('INVALID_DATA_REQUEST', `The body is not JSON: send ${expected}.`), 400)
      }
      try {
        return c.json(await handle(api, body))
      } catch (error) {
        const { status, body: errorJson } = errorResponse(error)
        if (status === 500) throw error
        return c.json(errorJson, status)
      }
    })
  post('/api/data/keys', (api, body) => api.releaseKey(body), '{"grantId", "issuedAt", "signature"}')
  post(
    '/api/data/records',
    (api, body) => api.serveRecords(body),
    '{"grantId", "issuedAt", "records", "signature"} (and "granted" to ask some of a grant\'s records)',
  )
  post('/api/data/query', (api, body) => api.serveQuery(body), '{"grantId", "issuedAt", "query", "signature"}')
  post('/api/data/certifications', (api, body) => api.acceptCertification(body), '{"sig", "signer"}')
}
