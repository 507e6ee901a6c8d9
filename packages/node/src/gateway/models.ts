/**
 * The gateway's model list (`GET /v1/models`, `GET /v1/models/{id}`): every model some discovered miner offers, in
 * OpenAI's model shape, with its context length (`context_length`, the field OpenRouter and other OpenAI-compatible
 * servers use; the smallest any of its miners states, so every routed request fits) and mycel's extras (task, how
 * many miners serve it, the cheapest price).
 */
import type { Price } from '../payments/pricing.ts'

export type OfferedModel = {
  task: 'text-generation' | 'tensor'
  price: Price
  maxUnits: bigint
  /** Text models: the most tokens of prompt and completion one request may use at this miner. */
  contextLength?: number | undefined
}

export type ModelObject = {
  id: string
  object: 'model'
  created: number
  owned_by: string
  /** null for tensor models and for text models no miner states a context for. */
  context_length: number | null
  mycel: { task: string; miners: number; price: { perRequest: string; per1kUnits: string }; token: string }
}

export function listModels(
  miners: Iterable<{ models: Map<string, OfferedModel> }>,
  token: string,
): Map<string, ModelObject> {
  const byId = new Map<string, { task: string; miners: number; cheapest: Price; context: number | null }>()
  for (const m of miners) {
    for (const [id, offered] of m.models) {
      const context = offered.contextLength ?? null
      const seen = byId.get(id)
      if (!seen) byId.set(id, { task: offered.task, miners: 1, cheapest: offered.price, context })
      else {
        seen.miners += 1
        if (offered.price.perRequest < seen.cheapest.perRequest) seen.cheapest = offered.price
        if (context !== null && (seen.context === null || context < seen.context)) seen.context = context
      }
    }
  }
  const out = new Map<string, ModelObject>()
  for (const [id, info] of byId) {
    out.set(id, {
      id,
      object: 'model',
      created: 0,
      owned_by: 'mycel',
      context_length: info.context,
      mycel: {
        task: info.task,
        miners: info.miners,
        price: { perRequest: info.cheapest.perRequest.toString(), per1kUnits: info.cheapest.per1kUnits.toString() },
        token,
      },
    })
  }
  return out
}
