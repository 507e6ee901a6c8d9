/**
 * The GGUF backend: llama.cpp through node-llama-cpp (an optional dependency: a node installed without it serves
 * everything else, and a `.gguf` model then fails with the install hint). CPU only, prebuilt binding, nothing is
 * built or downloaded at run time. Each request takes one of the context's sequences (requests beyond that wait),
 * generates a completion of the prompt (the messages' contents, one per line, as for the built-in text model),
 * streams the text pieces, and reports the tokens used.
 */
import type { GenerateRequest, Generation, Model } from './backend.ts'
import { ContextExceededError, GgufUnavailableError, ModelLoadError } from './errors.ts'
import { promptOf } from './onnx.ts'

/** Requests one GGUF model serves at once (sequences of its context). */
const SEQUENCES = 4

type NodeLlamaCpp = typeof import('node-llama-cpp')

async function loadBinding(): Promise<NodeLlamaCpp> {
  try {
    return await import('node-llama-cpp')
  } catch {
    throw new GgufUnavailableError(
      'GGUF models need the optional dependency node-llama-cpp 3.21.1, which is not installed here: run `npm install -E node-llama-cpp@3.21.1`, or serve the file through llama.cpp server or Ollama and give that URL.',
    )
  }
}

export async function loadGgufModel(file: string, id: string): Promise<Model> {
  const binding = await loadBinding()
  const llama = await binding.getLlama({ gpu: false, build: 'never', logLevel: binding.LlamaLogLevel.error })
  let model: Awaited<ReturnType<typeof llama.loadModel>>
  try {
    model = await llama.loadModel({ modelPath: file })
  } catch (error) {
    throw new ModelLoadError(`${file} is not a loadable GGUF model: ${(error as Error).message.split('\n')[0]}`)
  }
  const contextSize = Math.min(model.trainContextSize, 4096)
  const context = await model.createContext({ contextSize, sequences: SEQUENCES })
  const maxTokens = Math.max(1, Math.floor(contextSize / 2))
  // Requests wait for a free sequence.
  const waiting: (() => void)[] = []
  let free = SEQUENCES
  const acquire = () =>
    free > 0
      ? Promise.resolve(void free--)
      : new Promise<void>((resolve) => {
          waiting.push(resolve)
        })
  const releaseSlot = () => {
    const next = waiting.shift()
    if (next) next()
    else free++
  }

  async function* generate(request: GenerateRequest): Generation {
    const prompt = promptOf(request)
    const promptTokens = model.tokenize(prompt).length
    if (promptTokens + request.maxTokens > contextSize) {
      throw new ContextExceededError(
        `the prompt (${promptTokens} tokens) and max_tokens do not fit the context of ${contextSize}`,
      )
    }
    await acquire()
    const sequence = context.getSequence()
    const completion = new binding.LlamaCompletion({ contextSequence: sequence })
    const queue: string[] = []
    let wake: (() => void) | undefined
    let completionTokens = 0
    let finished = false
    let failure: unknown
    const done = completion
      .generateCompletion(prompt, {
        maxTokens: request.maxTokens,
        temperature: request.temperature,
        topP: request.topP,
        ...(request.seed !== undefined ? { seed: request.seed } : {}),
        ...(request.stop.length > 0 ? { customStopTriggers: request.stop } : {}),
        signal: request.signal,
        stopOnAbortSignal: true,
        onTextChunk: (text) => {
          queue.push(text)
          wake?.()
        },
        onToken: (tokens) => {
          completionTokens += tokens.length
        },
      })
      .catch((error: unknown) => {
        failure = error
      })
      .finally(() => {
        finished = true
        wake?.()
      })
    try {
      for (;;) {
        const piece = queue.shift()
        if (piece !== undefined) {
          yield piece
          continue
        }
        if (finished) break
        await new Promise<void>((resolve) => {
          wake = resolve
        })
        wake = undefined
      }
      await done
      if (failure !== undefined) throw failure
      return { promptTokens, completionTokens: Math.min(completionTokens, request.maxTokens) }
    } finally {
      completion.dispose()
      sequence.dispose()
      releaseSlot()
    }
  }

  return {
    id,
    backend: 'gguf',
    description: `GGUF model ${id} (llama.cpp, ${contextSize}-token context)`,
    text: { maxTokens, contextLength: contextSize, generate },
    close: async () => {
      await context.dispose()
      await model.dispose()
    },
  }
}
