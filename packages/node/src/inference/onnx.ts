/**
 * The ONNX backend (onnxruntime-node, CPU). Every ONNX model is served as a tensor model (Open Inference Protocol);
 * a model whose metadata carries a `vocabulary` and a `context` length (the built-in `text` model) also generates
 * text, one character per step: the last `context` characters go in, a probability per vocabulary entry comes out,
 * and the next character is sampled from it.
 */
import { readFileSync } from 'node:fs'
import onnxProto from 'onnx-proto'
import { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-node'
import {
  type GenerateRequest,
  type Generation,
  type Model,
  ModelInputError,
  type Tensor,
  type TensorDatatype,
  type TensorSpec,
} from './backend.ts'
import { ModelLoadError } from './errors.ts'
import { matchInputs } from './kserve.ts'
import { createRandom, sample } from './sampling.ts'

const { onnx } = onnxProto

const ortType: Record<TensorDatatype, OrtTensor.Type> = {
  FP32: 'float32',
  FP64: 'float64',
  INT64: 'int64',
  INT32: 'int32',
  UINT8: 'uint8',
  BOOL: 'bool',
}
const kserveType = Object.fromEntries(Object.entries(ortType).map(([k, v]) => [v, k])) as Record<string, TensorDatatype>

/** Most elements across all inputs of one tensor request (4 MB of float32). */
export const MAX_TENSOR_ELEMENTS = 1 << 20
/** Most characters one text request may generate with the built-in character model. */
export const MAX_TEXT_TOKENS = 2048

function specsOf(metadata: readonly InferenceSession.ValueMetadata[]): TensorSpec[] {
  return metadata.map((m) =>
    m.isTensor
      ? { name: m.name, datatype: kserveType[m.type] ?? 'unknown', shape: [...m.shape] }
      : { name: m.name, datatype: 'unknown', shape: [] },
  )
}

/** The model's metadata_props (key → value), read from the file itself. */
function metadataProps(bytes: Uint8Array): Record<string, string> {
  const model = onnx.ModelProto.decode(bytes)
  const props: Record<string, string> = {}
  for (const p of model.metadataProps ?? []) if (p.key) props[p.key] = p.value ?? ''
  return props
}

export async function loadOnnxModel(file: string, id: string): Promise<Model> {
  let bytes: Uint8Array
  try {
    bytes = readFileSync(file)
  } catch (error) {
    throw new ModelLoadError(
      `Cannot read ONNX model ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    )
  }
  return loadOnnxBytes(bytes, id, file)
}

/** Serves an ONNX model from its bytes (`source` names it in errors). */
export async function loadOnnxBytes(bytes: Uint8Array, id: string, source: string): Promise<Model> {
  const file = source
  let props: Record<string, string>
  let session: InferenceSession
  try {
    props = metadataProps(bytes)
    session = await InferenceSession.create(bytes, {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
    })
  } catch (error) {
    throw new ModelLoadError(`${file} is not a loadable ONNX model: ${(error as Error).message.split('\n')[0]}`)
  }
  const inputs = specsOf(session.inputMetadata)
  const outputs = specsOf(session.outputMetadata)

  const model: Model = {
    id,
    backend: 'onnx',
    description:
      props.description ??
      `ONNX model ${id} (${inputs.map((i) => i.name).join(', ')} → ${outputs.map((o) => o.name).join(', ')})`,
    tensor: {
      inputs,
      outputs,
      maxElements: MAX_TENSOR_ELEMENTS,
      infer: (given, wanted) => runTensors(session, inputs, outputs, given, wanted),
    },
    weights: bytes,
    close: () => session.release(),
  }

  const vocabulary = props.vocabulary === undefined ? undefined : parseVocabulary(props.vocabulary, file)
  if (vocabulary) {
    const context = Number(props.context)
    const input = inputs[0]
    const output = outputs[0]
    if (!Number.isInteger(context) || context < 1 || !input || !output || input.datatype !== 'INT64') {
      throw new ModelLoadError(
        `${file} has a vocabulary but no usable context length or int64 input; it cannot generate text.`,
      )
    }
    model.description =
      props.description ?? `character-level language model (${vocabulary.length} symbols, context ${context})`
    model.text = {
      maxTokens: MAX_TEXT_TOKENS,
      generate: (request) =>
        generateCharacters(session, { vocabulary, context, input: input.name, output: output.name }, request),
    }
  }
  return model
}

function parseVocabulary(raw: string, file: string): string[] {
  let parsed: unknown
  try {
    parsed = JSON.parse(raw)
  } catch {
    throw new ModelLoadError(`${file}: metadata "vocabulary" is not JSON.`)
  }
  if (typeof parsed !== 'string' || parsed.length === 0)
    throw new ModelLoadError(`${file}: metadata "vocabulary" must be a JSON string.`)
  return [...parsed]
}

/** The text a character model continues: the messages' contents, one per line. */
export function promptOf(request: Pick<GenerateRequest, 'messages' | 'prompt'>): string {
  if (request.prompt !== undefined) return request.prompt
  return `${(request.messages ?? []).map((m) => m.content).join('\n')}\n`
}

async function* generateCharacters(
  session: InferenceSession,
  lm: { vocabulary: string[]; context: number; input: string; output: string },
  request: GenerateRequest,
): Generation {
  const { vocabulary, context } = lm
  const index = new Map(vocabulary.map((c, i) => [c, i]))
  const space = index.get(' ') ?? 0
  const prompt = promptOf(request)
  const window = new BigInt64Array(context) // ids before the text count as the first symbol (newline)
  const push = (id: number) => {
    window.copyWithin(0, 1)
    window[context - 1] = BigInt(id)
  }
  for (const ch of prompt.slice(-context)) push(index.get(ch) ?? space)
  const random = createRandom(request.seed ?? Math.floor(Math.random() * 2 ** 32))
  const scratch = new Float64Array(vocabulary.length)
  const stops = request.stop.filter((s) => s.length > 0)
  const hold = Math.max(0, ...stops.map((s) => s.length - 1))
  let pending = ''
  let generated = 0
  while (generated < request.maxTokens && !request.signal.aborted) {
    const result = await session.run({ [lm.input]: new OrtTensor('int64', window.slice(), [1, context]) })
    const probabilities = result[lm.output]?.data as Float32Array
    const id = sample(probabilities, request.temperature, request.topP, random, scratch)
    generated += 1
    push(id)
    pending += vocabulary[id] ?? ' '
    const hit = stops.map((s) => pending.indexOf(s)).filter((i) => i >= 0)
    if (hit.length > 0) {
      const cut = Math.min(...hit)
      if (cut > 0) yield pending.slice(0, cut)
      return { promptTokens: [...prompt].length, completionTokens: generated }
    }
    if (pending.length > hold) {
      yield pending.slice(0, pending.length - hold)
      pending = pending.slice(pending.length - hold)
    }
  }
  if (pending.length > 0) yield pending
  return { promptTokens: [...prompt].length, completionTokens: generated }
}

async function runTensors(
  session: InferenceSession,
  inputs: TensorSpec[],
  outputs: TensorSpec[],
  given: Tensor[],
  wanted: string[] | undefined,
): Promise<Tensor[]> {
  matchInputs(inputs, given)
  const feeds: Record<string, OrtTensor> = {}
  for (const tensor of given) feeds[tensor.name] = toOrt(tensor)
  const names = wanted ?? outputs.map((o) => o.name)
  for (const name of names) {
    if (!outputs.some((o) => o.name === name)) {
      throw new ModelInputError(
        'UNKNOWN_OUTPUT',
        `The model has no output "${name}"; its outputs are ${outputs.map((o) => `"${o.name}"`).join(', ')}.`,
      )
    }
  }
  let result: InferenceSession.OnnxValueMapType
  try {
    result = await session.run(feeds, names)
  } catch (error) {
    throw new ModelInputError(
      'INFERENCE_FAILED',
      `The model refused the input: ${(error as Error).message.split('\n')[0]}`,
    )
  }
  return names.map((name) => {
    const t = result[name] as OrtTensor
    const datatype = kserveType[t.type] ?? 'FP32'
    const data = Array.from(t.data as ArrayLike<number | bigint | boolean>, (x) => Number(x))
    return { name, datatype, shape: [...t.dims], data }
  })
}

function toOrt(tensor: Tensor): OrtTensor {
  const { data, shape } = tensor
  switch (tensor.datatype) {
    case 'FP32':
      return new OrtTensor('float32', Float32Array.from(data), shape)
    case 'FP64':
      return new OrtTensor('float64', Float64Array.from(data), shape)
    case 'INT32':
      return new OrtTensor('int32', Int32Array.from(data), shape)
    case 'INT64':
      return new OrtTensor(
        'int64',
        BigInt64Array.from(data, (x) => BigInt(x)),
        shape,
      )
    case 'UINT8':
      return new OrtTensor('uint8', Uint8Array.from(data), shape)
    case 'BOOL':
      return new OrtTensor(
        'bool',
        Uint8Array.from(data, (x) => (x ? 1 : 0)),
        shape,
      )
  }
}
