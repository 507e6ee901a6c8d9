/**
 * The node API's training routes (http/trainingRoutes.ts) as OpenAPI 3.1: the market's overview the dashboard reads
 * (`GET /api/training`) and the trainer's checkpoint states verifiers fetch
 * (`GET /api/training/jobs/{id}/checkpoints/{index}`).
 */
import { errorResponse, errors, json, nodeError, octetStream, type RouteSpec, route, z } from './shared.ts'

const notReady = { 503: errorResponse(nodeError, ['NOT_READY'], 'before the chain is known') }

const overview = z.looseObject({
  jobs: z.array(
    z.looseObject({ id: z.string(), status: z.string(), round: z.number().int(), checkpoints: z.number() }),
  ),
  disputes: z.array(z.looseObject({ id: z.string(), jobId: z.string(), phaseName: z.string() })),
  rounds: z.array(
    z.looseObject({
      id: z.string(),
      pool: z.string(),
      contributeEnd: z.number().int(),
      finalized: z.boolean(),
      proposals: z.array(
        z.looseObject({
          id: z.string(),
          raised: z.string(),
          score: z.string(),
          matched: z.string(),
          jobId: z.string(),
        }),
      ),
    }),
  ),
  trainer: z.looseObject({ account: z.string(), training: z.array(z.looseObject({})) }).optional(),
  verifier: z.looseObject({ account: z.string(), checked: z.array(z.looseObject({})) }).optional(),
})

export const trainingRoutes: RouteSpec[] = [
  route({
    method: 'get',
    path: '/api/training',
    summary:
      'The training market: jobs, bids, the trainer’s progress, checkpoints posted, disputes, the verifier’s checks, research rounds',
    responses: {
      200: { description: 'Amounts are decimal strings of token units', content: json(overview) },
      ...notReady,
      ...errors(nodeError, {}),
    },
  }),
  route({
    method: 'get',
    path: '/api/training/jobs/{id}/checkpoints/{index}',
    summary: 'A checkpoint state this node’s trainer holds (verifiers check it against the hash posted on chain)',
    request: {
      params: z.object({ id: z.string().regex(/^[1-9]\d{0,18}$/), index: z.string().regex(/^\d{1,6}$/) }),
      query: z.object({
        round: z
          .string()
          .regex(/^[1-9]\d{0,8}$/)
          .optional(),
      }),
    },
    responses: {
      200: {
        description: 'The state: a JSON header, then the tensors as binary32 little-endian',
        content: octetStream,
      },
      ...errors(nodeError, { 400: ['INVALID_JOB_ID', 'INVALID_INDEX', 'INVALID_ROUND'], 404: ['NOT_FOUND'] }),
      ...notReady,
    },
  }),
]
