/**
 * The Open Inference Protocol (KServe v2) request shape for tensor models: named inputs with a datatype, a shape and
 * flat (or nested, row-major) data. Validated here so a model only ever sees well-formed tensors.
 */
import { z } from 'zod'
import { ModelInputError, type Tensor, type TensorDatatype, type TensorSpec } from './backend.ts'
import { InvalidTensorError } from './errors.ts'

const datatypes = ['FP32', 'FP64', 'INT64', 'INT32', 'UINT8', 'BOOL'] as const satisfies TensorDatatype[]

/** Deepest nesting of `data` accepted (row-major nested arrays have one level per dimension). */
const MAX_DEPTH = 8

const input = z.strictObject({
  name: z.string().min(1).max(200),
  shape: z
    .array(
      z
        .number()
        .int()
        .min(0)
        .max(1 << 24),
    )
    .max(8),
  datatype: z.enum(datatypes, { error: `datatype must be one of ${datatypes.join(', ')}` }),
  data: z.array(z.unknown()),
  parameters: z.record(z.string(), z.unknown()).optional(),
})

export const inferRequest = z.strictObject({
  id: z.string().max(200).optional(),
  inputs: z.array(input).min(1).max(64),
  outputs: z
    .array(z.looseObject({ name: z.string().min(1) }))
    .max(64)
    .optional(),
  parameters: z.record(z.string(), z.unknown()).optional(),
})

export type InferRequest = z.output<typeof inferRequest>

const ranges: Partial<Record<TensorDatatype, [number, number]>> = {
  INT32: [-(2 ** 31), 2 ** 31 - 1],
  INT64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  UINT8: [0, 255],
}

/**
 * The request's tensors, flattened and checked: data length equals the product of the shape, every value fits the
 * datatype, and all inputs together hold at most `maxElements` values. Throws an Error whose message says what is
 * wrong.
 */
export function tensorsOf(request: InferRequest, maxElements: number): Tensor[] {
  let total = 0
  return request.inputs.map((t) => {
    const count = t.shape.reduce((a, b) => a * b, 1)
    total += count
    if (total > maxElements)
      throw new InvalidTensorError(`the inputs hold more than ${maxElements} values; send smaller batches`)
    const data = flatten(t.data, t.name)
    if (data.length !== count) {
      throw new InvalidTensorError(
        `input "${t.name}" has ${data.length} values but shape [${t.shape.join(', ')}] needs ${count}`,
      )
    }
    const range = ranges[t.datatype]
    const numbers = data.map((x, i) => {
      if (t.datatype === 'BOOL') {
        if (typeof x !== 'boolean') throw new InvalidTensorError(`input "${t.name}" value ${i} must be true or false`)
        return x ? 1 : 0
      }
      if (typeof x !== 'number' || !Number.isFinite(x))
        throw new InvalidTensorError(`input "${t.name}" value ${i} must be a finite number`)
      if (range && (!Number.isInteger(x) || x < range[0] || x > range[1])) {
        throw new InvalidTensorError(`input "${t.name}" value ${i} (${x}) is not a ${t.datatype} integer`)
      }
      return x
    })
    return { name: t.name, datatype: t.datatype, shape: t.shape, data: numbers }
  })
}

/** Checks the tensors against the model's inputs (names, datatypes, fixed dimensions); throws {@link ModelInputError}. */
export function matchInputs(inputs: TensorSpec[], given: Tensor[]): void {
  const seen = new Set<string>()
  for (const tensor of given) {
    const spec = inputs.find((i) => i.name === tensor.name)
    if (!spec) {
      throw new ModelInputError(
        'UNKNOWN_INPUT',
        `The model has no input "${tensor.name}"; its inputs are ${inputs.map((i) => `"${i.name}"`).join(', ')}.`,
      )
    }
    if (seen.has(tensor.name)) throw new ModelInputError('DUPLICATE_INPUT', `Input "${tensor.name}" is given twice.`)
    seen.add(tensor.name)
    if (spec.datatype !== tensor.datatype) {
      throw new ModelInputError(
        'WRONG_DATATYPE',
        `Input "${tensor.name}" must be ${spec.datatype}, got ${tensor.datatype}.`,
      )
    }
    const fixedMismatch = spec.shape.some((d, i) => typeof d === 'number' && d >= 0 && d !== tensor.shape[i])
    if (spec.shape.length !== tensor.shape.length || fixedMismatch) {
      throw new ModelInputError(
        'WRONG_SHAPE',
        `Input "${tensor.name}" must have shape [${spec.shape.join(', ')}], got [${tensor.shape.join(', ')}].`,
      )
    }
  }
  const missing = inputs.filter((i) => !seen.has(i.name))
  if (missing.length > 0) {
    throw new ModelInputError('MISSING_INPUT', `Missing input ${missing.map((i) => `"${i.name}"`).join(', ')}.`)
  }
}

/** Row-major flattening without recursion, refusing nesting deeper than {@link MAX_DEPTH}. */
function flatten(data: unknown[], name: string): unknown[] {
  const out: unknown[] = []
  const stack: { items: unknown[]; at: number }[] = [{ items: data, at: 0 }]
  while (stack.length > 0) {
    const top = stack[stack.length - 1] as { items: unknown[]; at: number }
    if (top.at >= top.items.length) {
      stack.pop()
      continue
    }
    const item = top.items[top.at++]
    if (Array.isArray(item)) {
      if (stack.length >= MAX_DEPTH)
        throw new InvalidTensorError(`input "${name}" data is nested deeper than ${MAX_DEPTH} levels`)
      stack.push({ items: item, at: 0 })
    } else out.push(item)
  }
  return out
}
