/**
 * The OpenAI-compatible request and response shapes (`/v1/chat/completions`, `/v1/completions`, `/v1/models`), as
 * the official clients send and read them. Unknown request fields are accepted and ignored, as OpenAI-compatible
 * servers do; known ones are validated, and `n` other than 1, or tools, are refused with a clear 400.
 */
import { z } from 'zod'
import type { ChatMessage, Usage } from './backend.ts'

const contentPart = z.looseObject({ type: z.string(), text: z.string().optional() })

const message = z.looseObject({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
  content: z.union([z.string(), z.array(contentPart), z.null()]).optional(),
})

const stop = z.union([z.string(), z.array(z.string()).max(4)]).optional()

const common = {
  model: z.string().min(1).max(200),
  stream: z.boolean().optional(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullable().optional(),
  max_tokens: z.number().int().min(1).nullable().optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().gt(0).max(1).nullable().optional(),
  seed: z.number().int().nullable().optional(),
  stop: stop.nullable(),
  n: z.literal(1, { error: 'only n = 1 is supported' }).nullable().optional(),
}

export const chatCompletionRequest = z.looseObject({
  ...common,
  messages: z.array(message).min(1, { error: 'messages must not be empty' }).max(1000),
  max_completion_tokens: z.number().int().min(1).nullable().optional(),
  tools: z.undefined({ error: 'tools are not supported by this miner' }).optional(),
})

export const completionRequest = z.looseObject({
  ...common,
  prompt: z.union([z.string(), z.array(z.string()).length(1, { error: 'only one prompt per request is supported' })]),
})

export type ChatCompletionRequest = z.output<typeof chatCompletionRequest>
export type CompletionRequest = z.output<typeof completionRequest>

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

/** An OpenAI-style error body; `code` is stable and machine-readable. */
export const errorBody = (code: string, message: string, extra: Record<string, unknown> = {}) => ({
  error: { code, message, type: code === 'PAYMENT_REQUIRED' ? 'payment_required' : 'invalid_request_error', ...extra },
})
