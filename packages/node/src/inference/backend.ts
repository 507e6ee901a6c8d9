/**
 * What a miner serves: models behind one small interface, whatever runs them (ONNX in process, a GGUF file through
 * node-llama-cpp, or an OpenAI-compatible server upstream). Text models generate (chat and completions, streamed
 * piece by piece); tensor models answer Open Inference Protocol (KServe v2) requests.
 */
import { NodeError } from '../common/errors.ts'

export type ChatMessage = { role: string; content: string }

export type GenerateRequest = {
  /** Chat messages, or a plain prompt for `/v1/completions`. */
  messages?: ChatMessage[]
  prompt?: string
  maxTokens: number
  temperature: number
  topP: number
  seed?: number | undefined
  stop: string[]
  signal: AbortSignal
}

export type Usage = { promptTokens: number; completionTokens: number }

/** Yields the generated text piece by piece; returns the usage counted by the backend. */
export type Generation = AsyncGenerator<string, Usage, void>

export type TensorDatatype = 'FP32' | 'FP64' | 'INT64' | 'INT32' | 'UINT8' | 'BOOL'

export type Tensor = { name: string; datatype: TensorDatatype; shape: number[]; data: number[] }

export type TensorSpec = { name: string; datatype: TensorDatatype | 'unknown'; shape: (number | string)[] }

export type ModelBackendKind = 'onnx' | 'gguf' | 'upstream'

export type Model = {
  /** The id clients ask for ("digits", "text", or the file's base name). */
  id: string
  backend: ModelBackendKind
  description: string
  /** Set for models that generate text. */
  text?: {
    generate: (request: GenerateRequest) => Generation
    /** Most tokens one request may ask for; bounds what a miner serves before it is paid for metered tokens. */
    maxTokens: number
    /** Most tokens of prompt and completion together, when the model has such a limit (a GGUF context). */
    contextLength?: number
  }
  /** Set for models that take tensors. */
  tensor?: {
    inputs: TensorSpec[]
    outputs: TensorSpec[]
    infer: (inputs: Tensor[], outputs: string[] | undefined) => Promise<Tensor[]>
    /** Most elements one request may send in all its inputs together. */
    maxElements: number
  }
  /** The model file's bytes, when the weights are open (ONNX): published by CID so validators can re-execute. */
  weights?: Uint8Array
  close: () => Promise<void>
}

/** A request a model cannot take (wrong tensor shape, unknown input, …): a 400 with this code and message. */
export class ModelInputError extends NodeError {
  override name = 'ModelInputError'
  constructor(code: string, message: string) {
    super(code, message)
  }
}
