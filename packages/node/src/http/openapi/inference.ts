/**
 * Response schemas of the inference APIs the miner serves and the gateway passes through: OpenAI chat and text
 * completions with mycel's `mycel` receipt, model objects, and the Open Inference Protocol (KServe v2) model
 * metadata and inference answer. The routes build these answers by hand (inference/openai.ts, miner/miner.ts,
 * gateway/models.ts), so their schemas are defined here; the request schemas are the ones the routes validate with.
 */
import { z } from './shared.ts'

const decimal = z.string().regex(/^\d+$/).openapi({ description: 'Token units, as a decimal string' })
const price = z.strictObject({ perRequest: decimal, per1kUnits: decimal }).openapi('Price')

/** What a paid (or free) request cost, added by the miner to every answer. */
export const receipt = z
  .strictObject({
    channelId: z.string().nullable().openapi({ description: 'null when nothing was paid (free model, validator)' }),
    cost: decimal,
    units: z.number().int().min(0),
    served: decimal.openapi({ description: 'Everything the channel has been served so far' }),
    royalty: z
      .strictObject({
        modelId: decimal.openapi({ description: 'The ModelRegistry id of the model with license terms' }),
        totalBps: z.number().int().min(0).max(10_000).openapi({ description: 'The royalty route, in basis points' }),
        amount: decimal.openapi({
          description: "This request's part of what the claim pays the route's owners: Σ cost × bps / 10,000",
        }),
        route: z
          .array(z.strictObject({ modelId: decimal, bps: z.number().int().min(0).max(10_000), amount: decimal }))
          .openapi({ description: 'The model, then its ancestors: each one’s share and its part of `amount`' }),
      })
      .optional()
      .openapi({ description: 'Present when the model has license terms (paid on a model channel)' }),
    provenance: z
      .strictObject({
        kind: z.enum(['ai', 'human']),
        model: z.string(),
        request: z.string(),
        output: z.string(),
        time: z.number().int(),
        signer: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
        signature: z.string(),
        digest: z.string(),
      })
      .optional()
      .openapi({
        description:
          "The answer's signed provenance receipt (docs/provenance.md): the model's weights CID, SHA-256 of request and output, the time; also in the x-mycel-receipt header",
      }),
  })
  .openapi('Receipt')

const usage = z.strictObject({
  prompt_tokens: z.number().int().min(0),
  completion_tokens: z.number().int().min(0),
  total_tokens: z.number().int().min(0),
})
const finishReason = z.enum(['stop', 'length'])

export const chatCompletion = z
  .strictObject({
    id: z.string(),
    object: z.literal('chat.completion'),
    created: z.number().int(),
    model: z.string(),
    choices: z.array(
      z.strictObject({
        index: z.number().int(),
        message: z.strictObject({ role: z.literal('assistant'), content: z.string() }),
        finish_reason: finishReason,
        logprobs: z.null(),
      }),
    ),
    usage,
    mycel: receipt,
  })
  .openapi('ChatCompletion')

export const textCompletion = z
  .strictObject({
    id: z.string(),
    object: z.literal('text_completion'),
    created: z.number().int(),
    model: z.string(),
    choices: z.array(
      z.strictObject({ index: z.number().int(), text: z.string(), finish_reason: finishReason, logprobs: z.null() }),
    ),
    usage,
    mycel: receipt,
  })
  .openapi('TextCompletion')

const task = z.enum(['text-generation', 'tensor'])
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/)

/** A model as a miner lists it: its own price, in its unit. */
export const minerModel = z
  .strictObject({
    id: z.string(),
    object: z.literal('model'),
    created: z.number().int(),
    owned_by: address.openapi({ description: "The miner's payee" }),
    context_length: z.number().int().nullable(),
    mycel: z.strictObject({ task, price, unit: z.enum(['token', 'instance']), token: address }),
  })
  .openapi('MinerModel')

/** A model as the gateway lists it: how many miners serve it and the cheapest price. */
export const gatewayModel = z
  .strictObject({
    id: z.string(),
    object: z.literal('model'),
    created: z.number().int(),
    owned_by: z.string(),
    context_length: z.number().int().nullable().openapi({
      description: 'The smallest any of its miners states; null for tensor models',
    }),
    mycel: z.strictObject({ task: z.string(), miners: z.number().int().min(1), price, token: address }),
  })
  .openapi('GatewayModel')

export const modelList = <model extends z.ZodType>(model: model) =>
  z.strictObject({ object: z.literal('list'), data: z.array(model) })

const datatype = z.enum(['FP32', 'FP64', 'INT64', 'INT32', 'UINT8', 'BOOL'])
const tensorSpec = z.strictObject({
  name: z.string(),
  datatype: z.union([datatype, z.literal('unknown')]),
  shape: z.array(z.union([z.number().int(), z.string()])),
})

/** Open Inference Protocol model metadata, with the miner's price. */
export const tensorModelMetadata = z
  .strictObject({
    name: z.string(),
    versions: z.array(z.string()),
    platform: z.string(),
    inputs: z.array(tensorSpec),
    outputs: z.array(tensorSpec),
    mycel: z.strictObject({ price, unit: z.literal('instance'), token: address }),
  })
  .openapi('TensorModelMetadata')

/** Open Inference Protocol inference answer, with the receipt. */
export const inferResponse = z
  .strictObject({
    model_name: z.string(),
    model_version: z.string(),
    id: z.string(),
    outputs: z.array(
      z.strictObject({ name: z.string(), datatype, shape: z.array(z.number().int()), data: z.array(z.number()) }),
    ),
    mycel: receipt,
  })
  .openapi('InferResponse')

export const live = z.strictObject({ live: z.literal(true) })
export const ready = z.strictObject({ ready: z.boolean() })
