/**
 * The upstream backend: any OpenAI-compatible server (Ollama, vLLM, llama.cpp server, …) whose models the miner
 * resells. The miner lists the upstream's `/models` at start and forwards each request as a streamed chat
 * completion, reading the usage from the stream's last chunk (`stream_options.include_usage`); servers that do not
 * report usage are metered at one token per four characters, the usual rule of thumb, and the miner says so in its
 * offer.
 */
import type { GenerateRequest, Generation, Model } from './backend.ts'
import { UpstreamError } from './errors.ts'
import { createSseSplitter, sseData } from './sse.ts'

const TIMEOUT_MS = 10_000

export async function loadUpstreamModels(baseUrl: string): Promise<Model[]> {
  const base = baseUrl.replace(/\/+$/, '')
  let listed: unknown
  try {
    const response = await fetch(`${base}/models`, { signal: AbortSignal.timeout(TIMEOUT_MS) })
    if (!response.ok) throw new UpstreamError(`HTTP ${response.status}`)
    listed = await response.json()
  } catch (error) {
    throw new UpstreamError(
      `Cannot list the models of the upstream ${base} (${(error as Error).message}). Give the base URL of an OpenAI-compatible API, e.g. http://127.0.0.1:11434/v1 for Ollama.`,
    )
  }
  const data = (listed as { data?: unknown }).data
  if (!Array.isArray(data))
    throw new UpstreamError(`${base}/models did not return an OpenAI model list ({ data: [...] }).`)
  const listedModels = data.filter(
    (m): m is { id: string; context_length?: unknown; max_model_len?: unknown } =>
      typeof (m as { id?: unknown }).id === 'string' && (m as { id: string }).id.length > 0,
  )
  if (listedModels.length === 0) throw new UpstreamError(`The upstream ${base} lists no models.`)
  // The context the upstream states, under the names OpenAI-compatible servers use (vLLM: max_model_len).
  const contextOf = (m: { context_length?: unknown; max_model_len?: unknown }) =>
    [m.context_length, m.max_model_len].find((x): x is number => Number.isSafeInteger(x) && (x as number) > 0)
  return listedModels.map(({ id, ...m }) => {
    const contextLength = contextOf(m)
    return {
      id,
      backend: 'upstream' as const,
      description: `${id} from the upstream ${new URL(base).host}`,
      text: {
        maxTokens: contextLength === undefined ? 4096 : Math.min(4096, contextLength),
        ...(contextLength === undefined ? {} : { contextLength }),
        generate: (request: GenerateRequest) => generateUpstream(base, id, request),
      },
      close: async () => {},
    }
  })
}

const estimateTokens = (text: string) => Math.ceil(text.length / 4)

async function* generateUpstream(base: string, model: string, request: GenerateRequest): Generation {
  const messages = request.messages ?? [{ role: 'user', content: request.prompt ?? '' }]
  const response = await fetch(`${base}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model,
      messages,
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: request.maxTokens,
      temperature: request.temperature,
      top_p: request.topP,
      ...(request.seed !== undefined ? { seed: request.seed } : {}),
      ...(request.stop.length > 0 ? { stop: request.stop } : {}),
    }),
    signal: request.signal,
  })
  if (!response.ok || !response.body) {
    throw new UpstreamError(`the upstream answered HTTP ${response.status}: ${(await response.text()).slice(0, 200)}`)
  }
  let usage: { prompt_tokens?: number; completion_tokens?: number } | undefined
  let text = ''
  const events = createSseSplitter()
  const reader = response.body.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    for (const event of events.push(value)) {
      const payload = sseData(event)
      if (payload === undefined || payload === '[DONE]') continue
      let chunk: { choices?: { delta?: { content?: unknown } }[]; usage?: typeof usage }
      try {
        chunk = JSON.parse(payload)
      } catch {
        continue
      }
      if (chunk.usage) usage = chunk.usage
      const piece = chunk.choices?.[0]?.delta?.content
      if (typeof piece === 'string' && piece.length > 0) {
        text += piece
        yield piece
      }
    }
  }
  const promptText = messages.map((m) => m.content).join('\n')
  const count = (x: unknown) => (typeof x === 'number' && Number.isSafeInteger(x) && x >= 0 ? x : undefined)
  return {
    promptTokens: count(usage?.prompt_tokens) ?? estimateTokens(promptText),
    // Never more than asked for, whatever the upstream claims.
    completionTokens: Math.min(count(usage?.completion_tokens) ?? estimateTokens(text), request.maxTokens),
  }
}
