/**
 * The gateway's HTTP API (gateway/gateway.ts) as OpenAPI 3.1: the miners' OpenAI-compatible and Open Inference
 * Protocol routes without a voucher (the gateway pays the miners), plus the gateway's own refusals, and what its
 * clients pay it with x402 `exact` (`PAYMENT-SIGNATURE`; gateway/charge.ts, docs/x402.md). The node serves these
 * routes under `/v1` and `/v2` on its port (see ./node.ts). Request bodies are the schemas the routes (or, for
 * tensors, the miners they forward to) validate with.
 */
import { inferRequest } from '../../inference/kserve.ts'
import { chatCompletionRequest, completionRequest } from '../../inference/openai.ts'
import { x402RefusalCodes } from '../../payments/x402.ts'
import {
  chatCompletion,
  gatewayModel,
  inferResponse,
  live,
  modelList,
  ready,
  tensorModelMetadata,
  textCompletion,
} from './inference.ts'
import { TENSOR_REFUSALS, TEXT_REFUSALS } from './miner.ts'
import {
  buildDocument,
  type Document,
  errors,
  eventStream,
  inferenceError,
  json,
  openApiRoute,
  type RouteSpec,
  route,
  z,
} from './shared.ts'

/** What the gateway refuses before paying anyone; a miner's own 400 / 404 / 413 is passed through as it is. */
const BAD_BODY = ['INVALID_JSON', 'INVALID_REQUEST', 'X402_INVALID_PAYLOAD']
/**
 * 402s: the budget is spent (free mode), no payment (x402 mode), or the client's x402 payment refused; each is also
 * an x402 v2 PaymentRequired offering `exact` to the gateway (`PAYMENT-REQUIRED` header, `accepts` in the body).
 */
const PAYMENT_REFUSALS = [
  'BUDGET_EXHAUSTED',
  'PAYMENT_REQUIRED',
  ...x402RefusalCodes.filter((code) => code !== 'X402_INVALID_PAYLOAD'),
]
const FORWARDED = {
  402: PAYMENT_REFUSALS,
  404: ['MODEL_NOT_FOUND'],
  413: ['BODY_TOO_LARGE'],
  502: ['NO_MINER_AVAILABLE'],
  // gatewayCharge x402 on a token without EIP-3009: nothing to pay with; a model with terms no miner is licensed for.
  503: ['X402_UNAVAILABLE', 'NO_LICENSED_MINER'],
}
/** Paid by the gateway (nothing sent), or by the client with x402 `exact`. */
const security = [{}, { x402: [] }]

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
    security,
    request: { body: { required: true, content: json(body) } },
    responses: {
      200: {
        description: "The miner's completion, with its `mycel` receipt; with `stream: true`, server-sent events",
        content: { ...json(answer), ...eventStream },
      },
      ...errors(inferenceError, { 400: [...BAD_BODY, ...TEXT_REFUSALS], ...FORWARDED }),
    },
  })

export const gatewayRoutes: RouteSpec[] = [
  route({
    method: 'get',
    path: '/v1/models',
    summary: 'Every model a discovered miner offers, at its cheapest price',
    responses: { 200: { description: 'OpenAI model list', content: json(modelList(gatewayModel)) } },
  }),
  route({
    method: 'get',
    path: '/v1/models/{id}',
    summary: 'One model (`models.retrieve`); the id may contain `/`',
    request: {
      params: z.object({
        id: z
          .string()
          .min(1)
          .openapi({ param: { name: 'id', in: 'path' } }),
      }),
    },
    responses: {
      200: { description: 'The model', content: json(gatewayModel) },
      ...errors(inferenceError, { 404: ['MODEL_NOT_FOUND'] }),
    },
  }),
  textRoute(
    '/v1/chat/completions',
    'OpenAI chat completion, paid by the gateway or with x402',
    chatCompletionRequest,
    chatCompletion,
  ),
  textRoute(
    '/v1/completions',
    'OpenAI text completion, paid by the gateway or with x402',
    completionRequest,
    textCompletion,
  ),
  route({
    method: 'get',
    path: '/v2/models/{name}',
    summary: "A tensor model's metadata, from the first miner that serves it",
    request: { params: modelName },
    responses: {
      200: { description: 'Open Inference Protocol model metadata', content: json(tensorModelMetadata) },
      ...errors(inferenceError, { 400: ['WRONG_TASK'], 404: ['MODEL_NOT_FOUND'], 502: ['MINER_UNREACHABLE'] }),
    },
  }),
  route({
    method: 'post',
    path: '/v2/models/{name}/infer',
    summary: 'Open Inference Protocol inference, paid by the gateway or with x402',
    security,
    request: { params: modelName, body: { required: true, content: json(inferRequest) } },
    responses: {
      200: { description: "The miner's outputs, with its `mycel` receipt", content: json(inferResponse) },
      ...errors(inferenceError, { 400: [...BAD_BODY, ...TENSOR_REFUSALS], ...FORWARDED }),
    },
  }),
  route({
    method: 'get',
    path: '/v2/health/ready',
    summary: 'Whether the gateway knows at least one miner',
    responses: { 200: { description: 'Readiness', content: json(ready) } },
  }),
  route({
    method: 'get',
    path: '/v2/health/live',
    summary: 'Open Inference Protocol liveness',
    responses: { 200: { description: 'Live', content: json(live) } },
  }),
]

/** The gateway app's OpenAPI 3.1 document (its routes and `/openapi.json`). */
export const gatewayOpenApi = (): Document =>
  buildDocument({
    title: 'mycel gateway',
    description:
      "OpenAI-compatible and Open Inference Protocol routes backed by the network's miners; the gateway pays them " +
      'with vouchers from its channels, so a client sends none. A gateway that charges (`gatewayCharge: x402`, or ' +
      'its budget spent) answers 402 with an x402 v2 PaymentRequired; the client pays it per request with x402 ' +
      '`exact` in `PAYMENT-SIGNATURE` (docs/x402.md). Unknown `/v1` and `/v2` routes answer 404 `NOT_FOUND`.',
    routes: [openApiRoute, ...gatewayRoutes],
  })
