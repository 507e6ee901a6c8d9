/**
 * The node API's model market routes (http/modelsRoutes.ts) as OpenAPI 3.1: the catalog (`GET /api/models`,
 * `GET /api/models/{id}`, the shape fixed in docs/models-market-node-api.md) and the governance actions the node
 * signs for the dashboard (`POST /api/models/{id}/governance/{action}`). The schemas are the answers markets/catalog.ts
 * and markets/governance.ts build; the request bodies are governance.ts's zod schemas themselves.
 */
import { governanceBodies } from '../../markets/governance.ts'
import { errorResponse, errors, json, nodeError, type RouteSpec, route, z } from './shared.ts'

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/)
const decimal = z.string().regex(/^\d+$/)
const amount = z.strictObject({ token: address, symbol: z.string(), amount: decimal })

export const catalogModel = z
  .strictObject({
    id: decimal,
    name: z.string().openapi({ description: 'From the model card (`model-<id>` while the card is unreadable)' }),
    owner: address.openapi({ description: 'The model NFT owner: its timelock once fractionalized' }),
    weightsCid: z.string(),
    cardCid: z.string(),
    format: z.string(),
    parents: z.array(decimal),
    children: z.array(decimal),
    registeredAt: z.number().int().openapi({ description: 'Block number' }),
    terms: z
      .strictObject({
        commercialUse: z.boolean(),
        derivativesAllowed: z.boolean(),
        attribution: z.boolean(),
        royaltyBps: z.number().int(),
        minPricePerRequest: decimal,
        currency: address,
        currencySymbol: z.string(),
        licenseDuration: z.number().int().openapi({ description: 'Seconds; 0 = perpetual' }),
        mintFee: decimal,
      })
      .nullable(),
    route: z
      .array(z.strictObject({ modelId: decimal, bps: z.number().int() }))
      .openapi({ description: 'Its royalty route: the model itself (at its terms) then its ancestors' }),
    royalties: z.strictObject({
      credited: z.array(amount).openapi({ description: 'All time, from channel claims' }),
      mintFees: z.array(amount).openapi({ description: 'All time, from licenses sold' }),
      pending: z.array(amount).openapi({ description: 'Held by the sources, not yet released' }),
    }),
    licenses: z.array(
      z.strictObject({
        id: decimal,
        holder: address,
        expiresAt: z.number().int().openapi({ description: 'Unix seconds; 0 = perpetual' }),
        revoked: z.boolean(),
        valid: z.boolean(),
        royaltyBps: z.number().int(),
      }),
    ),
    servedBy: z.array(address).openapi({ description: "Payees of the miners offering it (the gateway's discovery)" }),
    fractional: z
      .strictObject({
        vault: address,
        governor: address,
        timelock: address,
        symbol: z.string(),
        totalSupply: decimal,
        wiringOk: z.boolean(),
        holders: z.array(
          z.strictObject({
            address,
            shares: decimal,
            votes: decimal,
            withdrawable: z.array(z.strictObject({ token: address, amount: decimal })),
          }),
        ),
        proposals: z.array(
          z.strictObject({
            id: decimal,
            description: z.string(),
            state: z.enum(['Pending', 'Active', 'Canceled', 'Defeated', 'Succeeded', 'Queued', 'Expired', 'Executed']),
            forVotes: decimal,
            againstVotes: decimal,
            abstainVotes: decimal,
            voteEnd: z.number().int(),
            eta: z.number().int(),
            votes: z.array(z.strictObject({ voter: address, support: z.number().int(), weight: decimal })),
          }),
        ),
      })
      .nullable(),
  })
  .openapi('CatalogModel')

export const catalogAnswer = z
  .strictObject({ registry: address, licenses: address, paymentChannels: address, models: z.array(catalogModel) })
  .openapi('ModelCatalog')

const id = z.string().openapi({ param: { name: 'id', in: 'path' }, description: 'A model id, a whole number from 1' })
const notReady = { 503: errorResponse(nodeError, ['NOT_READY'], 'before the chain is known') }

const governanceResult = z.looseObject({
  action: z.enum(['delegate', 'propose', 'vote', 'queue', 'execute']),
  tx: z.string().regex(/^0x[0-9a-f]{64}$/),
  signer: address,
})

const rejected = {
  409: errorResponse(
    nodeError,
    ['NOT_FRACTIONALIZED', 'GOVERNANCE_REJECTED'],
    'the model has no governor, or the chain refused the transaction (`message` names the revert)',
  ),
}

export const modelsRoutes: RouteSpec[] = [
  route({
    method: 'get',
    path: '/api/models',
    summary: 'The model market: every model with terms, lineage, royalties, licenses and governance',
    responses: {
      200: { description: 'Amounts are decimal strings of token units', content: json(catalogAnswer) },
      ...notReady,
      ...errors(nodeError, {}),
    },
  }),
  route({
    method: 'get',
    path: '/api/models/{id}',
    summary: 'One model of the market',
    request: { params: z.object({ id }) },
    responses: {
      200: { description: 'The model', content: json(catalogModel) },
      ...errors(nodeError, { 400: ['INVALID_MODEL_ID'], 404: ['UNKNOWN_MODEL'] }),
      ...notReady,
    },
  }),
  ...(Object.keys(governanceBodies) as (keyof typeof governanceBodies)[]).map((action) =>
    route({
      method: 'post',
      path: `/api/models/{id}/governance/${action}`,
      summary: `Governance of a fractionalized model: ${action} (signed by the node; \`account\` 0–9 on the devnet only)`,
      request: {
        params: z.object({ id }),
        body: { content: json(governanceBodies[action]) },
      },
      responses: {
        200: { description: 'The transaction sent and mined', content: json(governanceResult) },
        ...errors(nodeError, {
          400: ['INVALID_MODEL_ID', 'INVALID_REQUEST'],
          403: ['SIGNER_NOT_ALLOWED'],
          404: ['UNKNOWN_MODEL', 'UNKNOWN_PROPOSAL', 'NOT_FOUND'],
        }),
        ...rejected,
        ...notReady,
      },
    }),
  ),
]
