/**
 * The node's HTTP API (http/server.ts) as OpenAPI 3.1: health, readiness, metrics, the indexed network, the content
 * store, the payments and incentives views, the miner's claim, and the gateway's `/v1` and `/v2` routes it serves
 * on the same port (503 `NOT_READY` while it runs no gateway). These routes check their query strings by hand, so
 * the query schemas here are written to match those checks; the answers are described here from what the routes
 * build (http/network.ts, app/startRoles.ts `paymentsView`, validator/view.ts).
 */
import { contentRoutes } from './content.ts'
import { dataRoutes } from './data.ts'
import { gatewayRoutes } from './gateway.ts'
import { modelsRoutes } from './models.ts'
import { provenanceRoutes } from './provenance.ts'
import {
  buildDocument,
  type Document,
  errorResponse,
  errors,
  json,
  nodeError,
  octetStream,
  openApiRoute,
  type RouteSpec,
  route,
  z,
} from './shared.ts'
import { trainingRoutes } from './training.ts'

const notReady = (when: string) => ({ 503: errorResponse(nodeError, ['NOT_READY'], `${when}; \`message\` says why`) })

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/)
const decimal = z.string().regex(/^\d+$/)

const neuron = z.strictObject({
  uid: z.number().int(),
  hotkey: address,
  role: z.enum(['miner', 'validator']),
  endpoint: z.string(),
  metadataCid: z.string(),
  registeredBlock: z.number().int(),
})

export const networkAnswer = z
  .strictObject({
    status: z.strictObject({ ready: z.boolean(), reason: z.string() }),
    chain: z.strictObject({
      chainId: z.number().int(),
      rpcUrl: z.string(),
      embedded: z.boolean(),
      headBlock: z.number().int(),
      indexedBlock: z.number().int(),
    }),
    contracts: z.record(z.string(), address),
    subnets: z.array(
      z.strictObject({
        netuid: z.number().int(),
        owner: address,
        name: z.string(),
        taskType: z.string(),
        scoringSpecCid: z.string(),
        maxNeurons: z.number().int(),
        registrationCost: decimal,
        createdBlock: z.number().int(),
        neuronCount: z.number().int(),
        neurons: z.array(neuron),
      }),
    ),
  })
  .openapi('Network')

const event = z.strictObject({
  blockNumber: z.number().int(),
  logIndex: z.number().int(),
  txHash: z.string().regex(/^0x[0-9a-f]{64}$/),
  name: z.string(),
  args: z.record(z.string(), z.unknown()),
})

const price = z.strictObject({ perRequest: decimal, per1kUnits: decimal })
const payments = z
  .strictObject({
    miner: z
      .looseObject({
        url: z.string(),
        payee: address,
        offerCid: z.string(),
        token: address,
        models: z.array(z.looseObject({ id: z.string(), task: z.string(), price, paidRequests: z.number().int() })),
        channels: z.array(
          z.looseObject({
            channelId: decimal,
            payer: address,
            served: decimal,
            pending: z.string(),
            modelId: decimal.nullable().openapi({
              description:
                'The ModelRegistry id a model channel pays (royalties split in every voucher); null: a plain channel',
            }),
          }),
        ),
        recentRequests: z.array(z.looseObject({ channelId: decimal, model: z.string(), price: decimal })),
      })
      .optional()
      .openapi({ description: 'Absent when this node runs no miner' }),
    gateway: z
      .looseObject({
        paidRequests: z.number().int(),
        failedAttempts: z.number().int(),
        deposited: decimal,
        miners: z.array(z.looseObject({ payee: address, endpoint: z.string(), healthy: z.boolean() })),
        channels: z.array(
          z.looseObject({
            channelId: decimal,
            payee: address,
            deposit: decimal,
            modelId: decimal.nullable().openapi({
              description:
                'The ModelRegistry id a model channel pays (royalties split in every voucher); null: a plain channel',
            }),
          }),
        ),
        ranking: z
          .array(
            z.strictObject({
              model: z.string(),
              payee: address,
              endpoint: z.string(),
              healthy: z.boolean(),
              price,
              latencyMs: z.number().openapi({ description: 'Smoothed time to the response headers; 0 = not measured' }),
              standings: z
                .array(
                  z.strictObject({
                    netuid: z.number().int(),
                    subnet: z.string(),
                    epoch: z.number().int().openapi({ description: "The subnet's latest final epoch" }),
                    uid: z.number().int(),
                    incentive: z
                      .number()
                      .openapi({ description: "Its share of the epoch's consensus incentive, 0..1" }),
                    relative: z.number().openapi({ description: "Incentive × the epoch's miners: 1 = average" }),
                    immune: z.boolean().openapi({ description: 'Inside its immunity period at the snapshot' }),
                  }),
                )
                .openapi({ description: 'What the validators measured, per subnet serving the model' }),
              quality: z
                .number()
                .openapi({ description: 'The relative incentive the weight uses (1 when unmeasured)' }),
              weight: z.number(),
              share: z.number().openapi({ description: "Expected share of the model's first attempts, 0..1" }),
              served: z.number().int().openapi({ description: 'Requests it answered for the model' }),
            }),
          )
          .openapi({
            description: "Per model, its miners as the gateway ranks them (docs/inference.md, 'Choosing a miner')",
          }),
      })
      .optional()
      .openapi({ description: 'Absent when this node runs no gateway' }),
  })
  .openapi('Payments')

const incentives = z
  .strictObject({
    subnets: z.array(
      z.looseObject({
        netuid: z.number().int(),
        name: z.string(),
        tempo: z.number().int(),
        kappa: z.number(),
        neurons: z.array(z.looseObject({ uid: z.number().int(), stake: decimal })),
        weights: z.array(z.looseObject({ uid: z.number().int(), weights: z.array(z.number().int()) })),
        scores: z.array(z.looseObject({ validator: address, miners: z.array(z.looseObject({})) })),
        epochs: z.array(z.looseObject({ epoch: z.number().int(), final: z.boolean(), matches: z.boolean() })),
      }),
    ),
  })
  .openapi('Incentives')

export const nodeApiRoutes: RouteSpec[] = [
  openApiRoute,
  route({
    method: 'get',
    path: '/health',
    summary: 'Liveness: answers as soon as the HTTP server is up',
    responses: {
      200: {
        description: 'Up',
        content: json(z.strictObject({ status: z.literal('ok'), uptimeSeconds: z.number().int().min(0) })),
      },
    },
  }),
  route({
    method: 'get',
    path: '/ready',
    summary: 'Readiness: chain connected, contracts checked, index caught up',
    responses: {
      200: {
        description: 'Ready',
        content: json(
          z.strictObject({ ready: z.literal(true), chainId: z.number().int(), indexedBlock: z.number().int() }),
        ),
      },
      503: {
        description: 'Not ready (its own body, not the error shape): `reason` is the start step or the failure',
        content: json(z.strictObject({ ready: z.literal(false), reason: z.string() })),
      },
    },
  }),
  route({
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus text exposition',
    responses: {
      200: { description: 'Metrics', content: { 'text/plain': { schema: z.string() } } },
    },
  }),
  route({
    method: 'get',
    path: '/api/network',
    summary: 'The indexed network: chain, contracts, subnets with their neurons',
    responses: {
      200: { description: 'The network', content: json(networkAnswer) },
      ...notReady('before the node is ready, after the embedded devnet exited, while shutting down'),
      ...errors(nodeError, {}),
    },
  }),
  route({
    method: 'get',
    path: '/api/events',
    summary: 'The most recent registry events, newest first',
    request: {
      query: z.object({
        limit: z
          .string()
          .regex(/^\d+$/)
          .optional()
          .openapi({ param: { name: 'limit', in: 'query' }, description: 'An integer from 1 to 500 (default 50)' }),
      }),
    },
    responses: {
      200: { description: 'Events', content: json(z.strictObject({ events: z.array(event) })) },
      ...errors(nodeError, { 400: ['INVALID_LIMIT'] }),
      ...notReady('before the node is ready'),
    },
  }),
  route({
    method: 'get',
    path: '/api/content/{cid}',
    summary: "A blob of this node's content store (CIDv0 or v1)",
    request: { params: z.object({ cid: z.string().openapi({ param: { name: 'cid', in: 'path' } }) }) },
    responses: {
      200: { description: 'The bytes', content: octetStream },
      ...errors(nodeError, { 400: ['INVALID_CID'], 404: ['NOT_FOUND'] }),
      ...notReady('before the content store is open'),
    },
  }),
  route({
    method: 'get',
    path: '/api/payments',
    summary: "The paid inference market as this node's miner and gateway see it",
    responses: {
      200: { description: 'Amounts are decimal strings of token units', content: json(payments) },
      ...notReady('before the roles started, or when the node runs no gateway or miner'),
      ...errors(nodeError, {}),
    },
  }),
  route({
    method: 'get',
    path: '/api/incentives',
    summary: "Per subnet: stake, revealed weights, local validators' scores, recent epochs",
    request: {
      query: z.object({
        epochs: z
          .string()
          .regex(/^\d{1,3}$/)
          .optional()
          .openapi({
            param: { name: 'epochs', in: 'query' },
            description: 'How many recent epochs, a whole number from 0 to 999 (default 30)',
          }),
      }),
    },
    responses: {
      200: { description: 'Incentives', content: json(incentives) },
      ...errors(nodeError, { 400: ['INVALID_QUERY'] }),
      ...notReady('before the node is ready'),
    },
  }),
  route({
    method: 'post',
    path: '/api/miner/claim',
    summary:
      "Claims every channel that owes one of this node's miners (its own, and the devnet demo's): one transaction per miner",
    responses: {
      200: {
        description: 'What was claimed, or why nothing was',
        content: json(
          z.union([
            z.strictObject({
              claimed: z.literal(true),
              tx: z.string().openapi({ description: 'The first claim transaction (see `claims` for each)' }),
              channels: z.number().int(),
              paid: decimal,
              gasUsed: decimal,
              claims: z.array(
                z.strictObject({
                  payee: address,
                  tx: z.string(),
                  channels: z.number().int(),
                  paid: decimal,
                  gasUsed: decimal,
                }),
              ),
            }),
            z.strictObject({ claimed: z.literal(false), reason: z.string() }),
          ]),
        ),
      },
      ...notReady('when the node runs no miner'),
      ...errors(nodeError, {}),
    },
  }),
]

/** Every route on the node's port: its API, and the gateway's routes with a 503 while the node runs no gateway. */
export const nodeRoutes: RouteSpec[] = [
  ...nodeApiRoutes,
  ...modelsRoutes,
  ...trainingRoutes,
  ...dataRoutes,
  ...provenanceRoutes,
  ...contentRoutes,
  ...gatewayRoutes.map((spec) => ({
    ...spec,
    responses: {
      ...spec.responses,
      ...notReady('before the gateway started, or when the node runs none (the node API error shape)'),
    },
  })),
]

/** The node's OpenAPI 3.1 document: its API and the gateway routes on its port. */
export const nodeOpenApi = (): Document =>
  buildDocument({
    title: 'mycel node',
    description:
      'The node API (no authentication, no CORS; loopback by default) and, under `/v1` and `/v2`, the gateway. ' +
      'Unknown `/api/*` routes (any method) answer 404 `NOT_FOUND`. See docs/http-api.md.',
    routes: nodeRoutes,
    fallbacks: [
      {
        method: 'GET',
        path: '/*',
        description:
          'The dashboard: any other GET path is a file of the dashboard folder (`/` is index.html); 404 NOT_FOUND otherwise',
      },
    ],
  })
