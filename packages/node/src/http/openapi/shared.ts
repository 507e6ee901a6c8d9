/**
 * What the three OpenAPI 3.1 documents (node API, miner, gateway) share: the two JSON error shapes with their
 * status codes, the payment headers as security schemes, small helpers to state a route's responses, the document
 * builder (`@hono/zod-openapi`'s generator, fed route specifications rather than handlers, so the route files keep
 * their plain Hono handlers) and the one-line `GET /openapi.json` each app mounts.
 */
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi'
import { VALIDATOR_HEADER } from '@mycel/sdk'
import type { Hono } from 'hono'
import { VOUCHER_HEADER } from '../../payments/voucherHeader.ts'

export { z }

/** A route's specification, as `@hono/zod-openapi`'s `createRoute` takes it. */
export type RouteSpec = ReturnType<typeof createRoute>

/** Where every app serves its document. */
export const OPENAPI_PATH = '/openapi.json'

/** One of the stable error codes a route documents for a status. */
const errorCode = (codes: string[]) => z.enum(codes as [string, ...string[]])

/**
 * The node API's error (`/api/*`, `/health`, …, and the 503 before the gateway runs) with one of `codes`:
 * `{ error: { code, message } }`.
 */
export const nodeError = (codes: string[]) =>
  z
    .strictObject({
      error: z.strictObject({
        code: errorCode(codes),
        message: z.string(),
        type: z.enum(['invalid_request_error', 'payment_required']),
      }),
    })
    .openapi({
      description:
        'An error of the node API in the one envelope of every mycel server (http/errors.ts): a stable `code`, a ' +
        "human `message` and OpenAI's `type`.",
    })

/** The payment requirements a miner sends with a 402 (and with every payment refusal), under `error.payment`. */
export const paymentRequirements = z
  .looseObject({
    scheme: z.literal('mycel-channel'),
    version: z.literal(1),
    chainId: z.number().int(),
    paymentChannels: z.string(),
    payee: z.string(),
    token: z.string(),
    model: z.string(),
    price: z.strictObject({ perRequest: z.string(), per1kUnits: z.string() }),
    unit: z.enum(['token', 'instance']),
    maxUnitsPerRequest: z.number().int(),
    header: z.literal(VOUCHER_HEADER),
    channelId: z.string().optional(),
  })
  .openapi('PaymentRequirements', {
    description:
      'How to pay this model: the channel contract, payee, token and price. A payment refusal adds `channelId` and ' +
      'the refusal details (e.g. `requiredAmount` for `UNDERPAID`), all decimal strings.',
  })

/** One x402 v2 `PaymentRequirements` of a 402's `accepts` (docs/x402.md): `mycel-channel` or `exact`. */
export const x402Requirements = z
  .looseObject({
    scheme: z.string(),
    network: z.string(),
    amount: z.string(),
    asset: z.string(),
    payTo: z.string(),
    maxTimeoutSeconds: z.number().int(),
    extra: z.record(z.string(), z.unknown()).optional(),
  })
  .openapi('X402PaymentRequirements', {
    description: 'An x402 v2 payment option: `mycel-channel` (extra: the voucher requirements) or `exact` (EIP-3009).',
  })

/** The inference APIs' error (miner and gateway) with one of `codes`, in OpenAI's shape so OpenAI clients read it. */
export const inferenceError = (codes: string[]) =>
  z
    .strictObject({
      error: z.looseObject({
        code: errorCode(codes),
        message: z.string(),
        type: z.enum(['invalid_request_error', 'payment_required']),
        param: z.string().nullable().optional(),
        payment: paymentRequirements.optional(),
      }),
      // A miner's payment refusal is also an x402 v2 PaymentRequired (also in the PAYMENT-REQUIRED header).
      x402Version: z.literal(2).optional(),
      resource: z.looseObject({ url: z.string() }).optional(),
      accepts: z.array(x402Requirements).optional(),
    })
    .openapi({
      description: 'An error of the OpenAI-compatible and Open Inference Protocol routes (OpenAI error shape).',
    })

/** An error shape, given the codes it may carry. */
export type ErrorShape = (codes: string[]) => z.ZodType

/** The payment headers, as OpenAPI security schemes (in `components.securitySchemes`). */
export const securitySchemes = {
  voucher: {
    type: 'apiKey' as const,
    in: 'header' as const,
    name: VOUCHER_HEADER,
    description:
      'A payment-channel voucher (EIP-712, cumulative amount) signed by the channel payer or its session key, as ' +
      'base64url JSON (see docs/inference.md). Without it a paid model answers 402 with the payment requirements.',
  },
  x402: {
    type: 'apiKey' as const,
    in: 'header' as const,
    name: 'PAYMENT-SIGNATURE',
    description:
      "An x402 v2 PaymentPayload (base64 JSON) for the `exact` scheme: an EIP-3009 authorization of the 402's " +
      'amount to the miner, settled on chain before the request is served (docs/x402.md).',
  },
  validator: {
    type: 'apiKey' as const,
    in: 'header' as const,
    name: VALIDATOR_HEADER,
    description:
      "A validator's signed request (docs/validators.md): served free when the signer holds a validator permit in a " +
      'subnet the miner is registered in.',
  },
}

/** `content` for a JSON body or response. */
export const json = <schema extends z.ZodType>(schema: schema) => ({ 'application/json': { schema } })

/** Bytes (`application/octet-stream`). */
export const octetStream = {
  'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) },
}

/** Server-sent events: one `data:` line per JSON chunk, then `data: [DONE]`. */
export const eventStream = {
  'text/event-stream': {
    schema: z.string().openapi({
      description: 'Server-sent events: `data: <chunk JSON>` per piece, then `data: [DONE]`.',
    }),
  },
}

/** An error response whose `code` is one of `codes` (listed in its description too). */
/**
 * One error response of a route. Its schema is built on first read (a getter): responses are only read to write the
 * OpenAPI document, and building every route's error schemas when the module loads cost a node's start ~0.1 s.
 */
export const errorResponse = (shape: ErrorShape, codes: string[], when?: string) => {
  let content: ReturnType<typeof json> | undefined
  return {
    description: `code: ${codes.map((c) => `\`${c}\``).join(', ')}${when ? `, ${when}` : ''}`,
    get content() {
      content ??= json(shape(codes))
      return content
    },
  }
}

/** Error responses, keyed by status, each with the codes it may carry; and 500 `INTERNAL`. */
export function errors(
  shape: ErrorShape,
  byStatus: Partial<Record<400 | 401 | 402 | 403 | 404 | 409 | 413 | 502 | 503, string[]>>,
) {
  const responses: Record<string, ReturnType<typeof errorResponse>> = {}
  for (const [status, codes] of Object.entries(byStatus)) responses[status] = errorResponse(shape, codes)
  responses['500'] = errorResponse(
    shape,
    ['INTERNAL'],
    'an unexpected failure (details in the log, never a stack trace)',
  )
  return responses
}

/** A route's specification; `path` in OpenAPI form (`/v2/models/{name}`). */
export const route = createRoute

/** `GET /openapi.json` itself. */
export const openApiRoute = route({
  method: 'get',
  path: OPENAPI_PATH,
  summary: 'This OpenAPI 3.1 document',
  responses: { 200: { description: 'The document', content: json(z.looseObject({ openapi: z.literal('3.1.0') })) } },
})

export type Document = ReturnType<OpenAPIHono['getOpenAPI31Document']>

/** A route the app serves under a wildcard (not expressible as an OpenAPI path), listed in `x-mycel-fallbacks`. */
export type Fallback = { method: string; path: string; description: string }

/** An OpenAPI 3.1 document of `routes`, with the payment security schemes and the error shapes as components. */
export function buildDocument(p: {
  title: string
  description: string
  routes: RouteSpec[]
  fallbacks?: Fallback[]
}): Document {
  const doc = new OpenAPIHono()
  for (const [name, scheme] of Object.entries(securitySchemes)) {
    doc.openAPIRegistry.registerComponent('securitySchemes', name, scheme)
  }
  for (const spec of p.routes) doc.openAPIRegistry.registerPath(spec)
  const document = doc.getOpenAPI31Document({
    openapi: '3.1.0',
    info: { title: p.title, version: '0.1.0', description: p.description },
  })
  return p.fallbacks ? { ...document, 'x-mycel-fallbacks': p.fallbacks } : document
}

/** Mounts `GET /openapi.json` answering `document` (built once, on first request). */
export function serveOpenApi(app: Hono, document: () => Document): void {
  let built: Document | undefined
  app.get(OPENAPI_PATH, (c) => {
    built ??= document()
    return c.json(built)
  })
}

/** A Hono route path in OpenAPI form: `/v1/models/:id{.+}` → `/v1/models/{id}`. */
export const openApiPath = (honoPath: string) => honoPath.replace(/:([A-Za-z0-9_]+)(\{[^}]*\})?/g, '{$1}')
