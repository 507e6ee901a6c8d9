/**
 * The miner's HTTP API (miner/miner.ts) as OpenAPI 3.1: the OpenAI-compatible text routes and the Open Inference
 * Protocol tensor routes, paid by a voucher header (or free for a validator's signed request), its offer and its
 * open weights, and the content store's `/ipfs` routes (./content.ts). Request bodies are the schemas the routes validate with; answers are described in ./inference.ts.
 */

import { inferRequest } from '../../inference/kserve.ts'
import { minerOfferSchema } from '../../inference/offer.ts'
import { chatCompletionRequest, completionRequest } from '../../inference/openai.ts'
import { x402RefusalCodes } from '../../payments/x402.ts'
import { contentRoutes } from './content.ts'
import {
  chatCompletion,
  inferResponse,
  live,
  minerModel,
  modelList,
  ready,
  tensorModelMetadata,
  textCompletion,
} from './inference.ts'
import {
  buildDocument,
  type Document,
  errors,
  eventStream,
  inferenceError,
  json,
  octetStream,
  openApiRoute,
  type RouteSpec,
  route,
  z,
} from './shared.ts'

/** Refusals of a voucher (miner/ledger.ts): each carries the payment requirements under `error.payment`. */
const PAYMENT_REFUSALS = [
  'PAYMENT_REQUIRED',
  'UNDERPAID',
  'UNKNOWN_CHANNEL',
  'CHANNEL_CLOSING',
  'WRONG_PAYEE',
  'WRONG_TOKEN',
  'INSUFFICIENT_DEPOSIT',
  'UNAUTHORIZED_SIGNER',
  'SESSION_CAP_EXCEEDED',
  'SESSION_KEY_PENDING',
  'SESSION_KEY_RETIRING',
  'VOUCHER_REPLAYED',
  // The model market (docs/models-market-node.md): a model with terms is paid on its own channel with a split.
  'MODEL_SPLIT_REQUIRED',
  'MODEL_SPLIT_INVALID',
  'MODEL_SPLIT_UNKNOWN_MODEL',
  'MODEL_SPLIT_DECREASED',
  'MODEL_CHANNEL_MISMATCH',
  // x402 exact (payments/x402.ts; X402_INVALID_PAYLOAD is a 400).
  ...x402RefusalCodes.filter((code) => code !== 'X402_INVALID_PAYLOAD'),
]
const BAD_BODY = ['INVALID_CONTENT_TYPE', 'INVALID_JSON', 'INVALID_REQUEST']
/** A text request the miner refuses as it stands (a gateway passes these through). */
export const TEXT_REFUSALS = ['UNSUPPORTED_FIELD', 'WRONG_TASK', 'MAX_TOKENS_TOO_LARGE', 'PROMPT_TOO_LONG']
/** A tensor request the miner or its model refuses as it stands (a gateway passes these through). */
export const TENSOR_REFUSALS = [
  'WRONG_TASK',
  'INVALID_TENSOR',
  'BATCH_TOO_LARGE',
  'UNKNOWN_INPUT',
  'DUPLICATE_INPUT',
  'MISSING_INPUT',
  'WRONG_DATATYPE',
  'WRONG_SHAPE',
  'UNKNOWN_OUTPUT',
  'INFERENCE_FAILED',
]
const BAD_VOUCHER = ['INVALID_VOUCHER', 'INVALID_SIGNATURE', 'USAGE_DECREASED', 'X402_INVALID_PAYLOAD']
const VALIDATOR_REFUSALS = {
  401: [
    'VALIDATOR_MALFORMED',
    'VALIDATOR_EXPIRED',
    'VALIDATOR_FROM_THE_FUTURE',
    'VALIDATOR_REPLAYED',
    'VALIDATOR_BAD_SIGNATURE',
  ],
  403: ['NOT_IN_SUBNET', 'NO_VALIDATOR_PERMIT'],
}

/** A paid route: a voucher, a validator's signature, or nothing for a free model. */
const paid = [{ voucher: [] }, { x402: [] }, { validator: [] }, {}]

const modelName = z.object({
  name: z
    .string()
    .min(1)
    .openapi({ param: { name: 'name', in: 'path' }, description: 'A tensor model id' }),
})

const textRoute = (path: string, summary: string, body: z.ZodType, answer: z.ZodType) =>
  route({
    method: 'post',
    path,
    summary,
    security: paid,
    request: { body: { required: true, content: json(body) } },
    responses: {
      200: {
        description: 'The completion, with the `mycel` receipt; with `stream: true`, server-sent events',
        content: { ...json(answer), ...eventStream },
      },
      ...errors(inferenceError, {
        400: [...BAD_BODY, ...TEXT_REFUSALS, ...BAD_VOUCHER],
        ...VALIDATOR_REFUSALS,
        402: PAYMENT_REFUSALS,
        404: ['MODEL_NOT_FOUND'],
        413: ['BODY_TOO_LARGE'],
        502: ['BACKEND_FAILED'],
        // A model with terms this miner holds no valid license of: no voucher can fix it (error.payment.reason).
        503: ['LICENSE_INVALID'],
      }),
    },
  })

export const minerRoutes: RouteSpec[] = [
  openApiRoute,
  route({
    method: 'get',
    path: '/health',
    summary: 'Liveness',
    responses: {
      200: {
        description: 'Up',
        content: json(z.strictObject({ status: z.literal('ok'), role: z.literal('miner'), payee: z.string() })),
      },
    },
  }),
  route({
    method: 'get',
    path: '/v1/mycel/offer',
    summary: "The miner's offer (models, prices, payee, contract); its CID is the neuron's metadata on chain",
    responses: {
      200: { description: 'The offer document, byte for byte what was published', content: json(minerOfferSchema) },
      ...errors(inferenceError, { 503: ['NOT_READY'] }),
    },
  }),
  route({
    method: 'get',
    path: '/v1/mycel/content/{cid}',
    summary: "An open model's weights, by the CID its offer states (for validators to re-execute)",
    request: { params: z.object({ cid: z.string().openapi({ param: { name: 'cid', in: 'path' } }) }) },
    responses: {
      200: { description: 'The bytes', content: octetStream },
      ...errors(inferenceError, { 404: ['NOT_FOUND'] }),
    },
  }),
  route({
    method: 'get',
    path: '/v1/models',
    summary: 'The models this miner serves, with their prices',
    responses: { 200: { description: 'OpenAI model list', content: json(modelList(minerModel)) } },
  }),
  textRoute('/v1/chat/completions', 'OpenAI chat completion, paid per request', chatCompletionRequest, chatCompletion),
  textRoute('/v1/completions', 'OpenAI text completion, paid per request', completionRequest, textCompletion),
  route({
    method: 'get',
    path: '/v2/health/live',
    summary: 'Open Inference Protocol liveness',
    responses: { 200: { description: 'Live', content: json(live) } },
  }),
  route({
    method: 'get',
    path: '/v2/health/ready',
    summary: 'Open Inference Protocol readiness',
    responses: { 200: { description: 'Ready', content: json(ready) } },
  }),
  route({
    method: 'get',
    path: '/v2/models/{name}',
    summary: "A tensor model's metadata and price",
    request: { params: modelName },
    responses: {
      200: { description: 'Open Inference Protocol model metadata', content: json(tensorModelMetadata) },
      ...errors(inferenceError, { 400: ['WRONG_TASK'], 404: ['MODEL_NOT_FOUND'] }),
    },
  }),
  route({
    method: 'post',
    path: '/v2/models/{name}/infer',
    summary: 'Open Inference Protocol inference, paid per request',
    security: paid,
    request: { params: modelName, body: { required: true, content: json(inferRequest) } },
    responses: {
      200: { description: 'The outputs, with the `mycel` receipt', content: json(inferResponse) },
      ...errors(inferenceError, {
        400: [...BAD_BODY, ...TENSOR_REFUSALS, ...BAD_VOUCHER],
        ...VALIDATOR_REFUSALS,
        402: PAYMENT_REFUSALS,
        404: ['MODEL_NOT_FOUND'],
        413: ['BODY_TOO_LARGE'],
        502: ['BACKEND_FAILED'],
        // A model with terms this miner holds no valid license of: no voucher can fix it (error.payment.reason).
        503: ['LICENSE_INVALID'],
      }),
    },
  }),
  // The content store's IPFS trustless gateway, so peers fetch weights (and cards) from miners' registered endpoints.
  ...contentRoutes,
]

/** The miner's OpenAPI 3.1 document. */
export const minerOpenApi = (): Document =>
  buildDocument({
    title: 'mycel miner',
    description:
      'A miner serving models for pay. A paid model answers a request without a voucher with 402 and the payment ' +
      'requirements (`error.payment`); see docs/inference.md for vouchers and channels. Unknown routes answer 404 ' +
      '`NOT_FOUND`.',
    routes: minerRoutes,
  })
