/**
 * Model cards: the small JSON a model's `cardCid` points at in the content store — its name (what `/api/models`
 * and a miner serving the model by CID call it), task, description, format and metrics when known. Parsing is
 * strict about the name (it becomes a served model id) and lenient about the rest (unknown fields are dropped).
 */
import { z } from 'zod'

const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/

export const modelCardSchema = z.object({
  kind: z.literal('mycel/model-card@1').optional(),
  name: z.string().regex(MODEL_NAME, 'letters, digits, . _ : / - (1–128)'),
  task: z.string().max(64).optional(),
  description: z.string().max(4096).optional(),
  format: z.string().max(32).optional(),
  metrics: z.record(z.string(), z.number()).optional(),
})
export type ModelCard = z.infer<typeof modelCardSchema>

/** The bytes of a card (pretty JSON, one trailing newline: the same card always has the same CID). */
export function encodeModelCard(card: ModelCard): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify({ kind: 'mycel/model-card@1', ...card }, null, 2)}\n`)
}

/** The card in `bytes`, or undefined when they are not a card (not JSON, or no valid name). */
export function parseModelCard(bytes: Uint8Array): ModelCard | undefined {
  if (bytes.length > 64 * 1024) return undefined
  try {
    const parsed = modelCardSchema.safeParse(JSON.parse(new TextDecoder().decode(bytes)))
    return parsed.success ? parsed.data : undefined
  } catch {
    return undefined
  }
}
