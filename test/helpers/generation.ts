/** Runs a text model's generation to its end, for backend tests: the pieces it streamed and the usage it reported. */
import type { GenerateRequest, Model, Usage } from '../../packages/node/src/inference/backend.ts'

export async function generateAll(
  model: Model | undefined,
  request: Pick<GenerateRequest, 'messages' | 'maxTokens' | 'temperature'> & Partial<GenerateRequest>,
): Promise<{ pieces: string[]; usage: Usage }> {
  if (!model?.text) throw new Error('not a text model')
  const generation = model.text.generate({ topP: 1, stop: [], signal: new AbortController().signal, ...request })
  const pieces: string[] = []
  let step = await generation.next()
  while (!step.done) {
    pieces.push(step.value)
    step = await generation.next()
  }
  return { pieces, usage: step.value }
}
