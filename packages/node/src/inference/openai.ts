/**
 * The OpenAI-compatible request and response shapes (`/v1/chat/completions`, `/v1/completions`, `/v1/models`), as
 * the official clients send and read them. Supported fields are validated. Every other field is refused with a 400
 * naming it (code `UNSUPPORTED_FIELD`), so a client never gets an answer that silently ignored what it asked for;
 * the only exceptions are the fields in {@link ignoredFields} (they cannot change the answer) and unsupported
 * fields sent at the value that asks for nothing (`logprobs: false`, `response_format: {"type": "text"}`, …).
 * docs/http-api.md lists them.
 */
import { z } from 'zod'
import type { ChatMessage, Usage } from './backend.ts'

const message = z.looseObject({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
  content: z
    .union([z.string(), z.array(z.looseObject({ type: z.string(), text: z.string().optional() })), z.null()])
    .optional(),
})

const stop = z.union([z.string(), z.array(z.string()).max(4)]).optional()

const common = {
  model: z.string().min(1).max(200),
  stream: z.boolean().nullable().optional(),
  stream_options: z
    .strictObject({ include_usage: z.boolean().optional(), include_obfuscation: z.boolean().optional() })
    .nullable()
    .optional(),
  max_tokens: z.number().int().min(1).nullable().optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().gt(0).max(1).nullable().optional(),
  seed: z.number().int().nullable().optional(),
  stop: stop.nullable(),
}

/** Fields accepted and ignored because they cannot change the answer: who asks, tags, and hints for OpenAI's caches. */
export const ignoredFields = ['user', 'safety_identifier', 'metadata', 'prompt_cache_key', 'parallel_tool_calls']

type Rule = { harmless: (value: unknown) => boolean; refusal: string }
const nullish = (v: unknown) => v === null || v === undefined
const oneOf =
  (...values: unknown[]) =>
  (v: unknown) =>
    nullish(v) || values.includes(v)
const empty = (v: unknown) =>
  nullish(v) || (Array.isArray(v) ? v.length === 0 : typeof v === 'object' && Object.keys(v as object).length === 0)
const penalty: Rule = { harmless: oneOf(0), refusal: 'penalties are not supported; send 0 or leave it out' }

/** Fields both endpoints refuse unless sent at the value that asks for nothing. */
const sharedRules: Record<string, Rule> = {
  n: { harmless: oneOf(1), refusal: 'only n = 1 is supported' },
  frequency_penalty: penalty,
  presence_penalty: penalty,
  logit_bias: { harmless: empty, refusal: 'logit bias is not supported' },
  store: { harmless: oneOf(false), refusal: 'mycel stores no completions' },
  service_tier: {
    harmless: oneOf('auto', 'default'),
    refusal: 'mycel has one service tier; send "auto" or leave it out',
  },
}

const chatRules: Record<string, Rule> = {
  ...sharedRules,
  logprobs: { harmless: oneOf(false), refusal: 'log probabilities are not returned' },
  top_logprobs: { harmless: nullish, refusal: 'log probabilities are not returned' },
  response_format: {
    harmless: (v) => nullish(v) || (typeof v === 'object' && (v as { type?: unknown }).type === 'text'),
    refusal: 'structured output (json_object, json_schema) is not supported; only {"type": "text"}',
  },
  tools: { harmless: empty, refusal: 'tools are not supported by this miner' },
  tool_choice: { harmless: oneOf('none', 'auto'), refusal: 'tools are not supported by this miner' },
  functions: { harmless: empty, refusal: 'functions are not supported by this miner' },
  function_call: { harmless: oneOf('none', 'auto'), refusal: 'functions are not supported by this miner' },
  modalities: {
    harmless: (v) => nullish(v) || (Array.isArray(v) && v.every((m) => m === 'text')),
    refusal: 'only text output is supported; send ["text"] or leave it out',
  },
  audio: { harmless: nullish, refusal: 'audio output is not supported' },
  prediction: { harmless: nullish, refusal: 'predicted outputs are not supported' },
  web_search_options: { harmless: nullish, refusal: 'web search is not supported' },
  reasoning_effort: { harmless: nullish, refusal: 'the models served here do not take a reasoning effort' },
  verbosity: { harmless: nullish, refusal: 'the models served here do not take a verbosity' },
}

const completionRules: Record<string, Rule> = {
  ...sharedRules,
  logprobs: { harmless: oneOf(0), refusal: 'log probabilities are not returned' },
  best_of: { harmless: oneOf(1), refusal: 'only best_of = 1 is supported' },
  echo: { harmless: oneOf(false), refusal: 'echoing the prompt is not supported' },
  suffix: { harmless: (v) => nullish(v) || v === '', refusal: 'a suffix (insertion) is not supported' },
}

/** Marks an issue as an unsupported field rather than a malformed one (see {@link requestProblem}). */
const UNSUPPORTED = { unsupported: true }

function refuseUnsupported(
  body: Record<string, unknown>,
  supported: readonly string[],
  rules: Record<string, Rule>,
  endpoint: string,
  ctx: z.RefinementCtx,
) {
  for (const [field, value] of Object.entries(body)) {
    if (supported.includes(field) || ignoredFields.includes(field)) continue
    const rule = rules[field]
    if (rule?.harmless(value)) continue
    ctx.addIssue({
      code: 'custom',
      path: [field],
      params: UNSUPPORTED,
      message: rule ? rule.refusal : `not a field ${endpoint} takes here (see docs/http-api.md)`,
    })
  }
}

/** Text content only: an image, audio or file part is refused, naming it. */
function refuseNonText(messages: z.output<typeof message>[], ctx: z.RefinementCtx) {
  messages.forEach((m, i) => {
    if (Array.isArray(m.content)) {
      m.content.forEach((part, j) => {
        if (part.type !== 'text') {
          ctx.addIssue({
            code: 'custom',
            path: ['messages', i, 'content', j, 'type'],
            params: UNSUPPORTED,
            message: `${JSON.stringify(part.type)} content parts are not supported; the models served here take text parts only`,
          })
        }
      })
    }
    const calls = (m as { tool_calls?: unknown }).tool_calls
    if (!empty(calls) || !nullish((m as { function_call?: unknown }).function_call)) {
      ctx.addIssue({
        code: 'custom',
        path: ['messages', i, empty(calls) ? 'function_call' : 'tool_calls'],
        params: UNSUPPORTED,
        message: 'tool and function calls are not supported by this miner',
      })
    }
  })
}

const chatShape = {
  ...common,
  messages: z.array(message).min(1, { error: 'messages must not be empty' }).max(1000),
  max_completion_tokens: z.number().int().min(1).nullable().optional(),
}
export const chatCompletionRequest = z.looseObject(chatShape).superRefine((body, ctx) => {
  refuseUnsupported(body, Object.keys(chatShape), chatRules, '/v1/chat/completions', ctx)
  refuseNonText(body.messages, ctx)
})

const completionShape = {
  ...common,
  prompt: z.union([z.string(), z.array(z.string()).length(1, { error: 'only one prompt per request is supported' })]),
}
export const completionRequest = z.looseObject(completionShape).superRefine((body, ctx) => {
  refuseUnsupported(body, Object.keys(completionShape), completionRules, '/v1/completions', ctx)
})

export type ChatCompletionRequest = z.output<typeof chatCompletionRequest>
export type CompletionRequest = z.output<typeof completionRequest>

/**
 * What is wrong with a request, for a 400: `UNSUPPORTED_FIELD` (a field mycel does not implement) or
 * `INVALID_REQUEST` (a malformed one), the message naming the field, and the field as OpenAI's `param`.
 */
export function requestProblem(error: z.ZodError): { code: string; message: string; param: string | null } {
  const issue = error.issues[0]
  if (!issue) return { code: 'INVALID_REQUEST', message: 'invalid request', param: null }
  const path = issue.path.map(String).join('.')
  const unsupported = issue.code === 'custom' && (issue.params as typeof UNSUPPORTED | undefined)?.unsupported
  return {
    code: unsupported ? 'UNSUPPORTED_FIELD' : 'INVALID_REQUEST',
    message: `${path || 'body'}: ${issue.message}`,
    param: path || null,
  }
}

/** The messages with their content flattened to text (content parts of type "text" are joined). */
export function chatMessages(request: ChatCompletionRequest): ChatMessage[] {
  return request.messages.map((m) => ({
    role: m.role,
    content:
      typeof m.content === 'string'
        ? m.content
        : (m.content ?? []).map((part) => (part.type === 'text' ? (part.text ?? '') : '')).join(''),
  }))
}

export function stopList(value: string | string[] | null | undefined): string[] {
  return value === undefined || value === null ? [] : typeof value === 'string' ? [value] : value
}

export const usageJson = (usage: Usage) => ({
  prompt_tokens: usage.promptTokens,
  completion_tokens: usage.completionTokens,
  total_tokens: usage.promptTokens + usage.completionTokens,
})

export type FinishReason = 'stop' | 'length'

export function chatCompletion(
  id: string,
  model: string,
  created: number,
  text: string,
  finish: FinishReason,
  usage: Usage,
) {
  return {
    id,
    object: 'chat.completion',
    created,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: finish, logprobs: null }],
    usage: usageJson(usage),
  }
}

export function chatChunk(
  id: string,
  model: string,
  created: number,
  delta: Record<string, string>,
  finish: FinishReason | null,
) {
  return {
    id,
    object: 'chat.completion.chunk',
    created,
    model,
    choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
  }
}

export function textCompletion(
  id: string,
  model: string,
  created: number,
  text: string,
  finish: FinishReason | null,
  usage?: Usage,
) {
  return {
    id,
    object: 'text_completion',
    created,
    model,
    choices: [{ index: 0, text, finish_reason: finish, logprobs: null }],
    ...(usage ? { usage: usageJson(usage) } : {}),
  }
}

/** The error body moved to http/errors.ts (one envelope for every server); re-exported until the miner imports it there. */
