/**
 * The node API's training routes (docs/training.md): `GET /api/training` (jobs, bids, the trainer's progress,
 * checkpoints posted, disputes and the verifier's checks) and `GET /api/training/jobs/:id/checkpoints/:index`
 * (`?round=N`, default 1): a checkpoint state this node's trainer holds, the bytes verifiers re-execute from (they
 * check them against the hash posted on chain). Errors are the node's JSON envelope.
 */
import type { Hono } from 'hono'
import { errorBody } from './errors.ts'

export type TrainingApi = {
  overview: () => Promise<unknown>
  checkpoint: (jobId: bigint, round: number, index: number) => Uint8Array | undefined
}

export function addTrainingRoutes(app: Hono, training: () => TrainingApi | undefined, notReady: () => string) {
  app.get('/api/training', async (c) => {
    const api = training()
    if (!api) return c.json(errorBody('NOT_READY', notReady()), 503)
    return c.json(await api.overview())
  })
  app.get('/api/training/jobs/:id/checkpoints/:index', (c) => {
    const api = training()
    if (!api) return c.json(errorBody('NOT_READY', notReady()), 503)
    const id = c.req.param('id')
    const index = c.req.param('index')
    const round = c.req.query('round') ?? '1'
    if (!/^[1-9]\d{0,18}$/.test(id))
      return c.json(errorBody('INVALID_JOB_ID', `job id ${JSON.stringify(id)} is not a whole number from 1`), 400)
    if (!/^\d{1,6}$/.test(index))
      return c.json(errorBody('INVALID_INDEX', `checkpoint ${JSON.stringify(index)} is not a whole number`), 400)
    if (!/^[1-9]\d{0,8}$/.test(round))
      return c.json(errorBody('INVALID_ROUND', `round ${JSON.stringify(round)} is not a whole number from 1`), 400)
    const bytes = api.checkpoint(BigInt(id), Number(round), Number(index))
    if (!bytes)
      return c.json(errorBody('NOT_FOUND', `this node holds no checkpoint ${index} of job ${id} (round ${round})`), 404)
    return c.body(bytes as never, 200, { 'content-type': 'application/octet-stream' })
  })
}
