/**
 * A multilayer perceptron trained by the engine's rules: dense layers with ReLU between them, softmax cross-entropy,
 * mini-batches drawn in a seeded order. `createMlpTrainer` owns every buffer (allocated once) and advances one step
 * at a time, so a caller can commit to the state between steps; the same spec and data give the same bits.
 */
import { keccak256 } from 'viem'
import { sqrt32 } from './f32.ts'
import { addBias, columnSums, expRow, relu, reluBackward, softmaxCrossEntropy } from './ops.ts'
import { createOptimizerState, type OptimizerSpec, type OptimizerState, optimizerStep } from './optim.ts'
import { outputRows, type RunKernel, runKernel } from './parallel/kernels.ts'
import { exampleAt, randomWord, STREAMS, streamKey, unitFloat32 } from './random.ts'

const f = Math.fround

export type MlpSpec = {
  /** Layer widths, input first and classes last, e.g. [784, 128, 10]. */
  layers: number[]
  optimizer: OptimizerSpec
  batchSize: number
  /** Seeds the initial weights and the order of examples (random.ts: separate streams of one seed). */
  seed: number
}

/** Examples as rows of binary32 features and their class labels. */
export type Dataset = { inputs: Float32Array; labels: ArrayLike<number>; count: number }

export type MlpTrainer = {
  /** Weights and biases per layer, in order: W1, b1, W2, b2, … (W is fan-in × fan-out, row-major). */
  readonly params: Float32Array[]
  readonly optimizer: OptimizerState
  /** Steps taken so far. */
  readonly steps: number
  /** One mini-batch step; returns its mean loss. */
  step: () => number
  /** Every tensor the step's matrix products touch (for a worker pool to share, see parallel/trainer.ts). */
  readonly tensors: readonly Float32Array[]
  /** A copy of everything the next steps depend on (commit.ts hashes it; `resume` continues from it). */
  snapshot: () => TrainerState
}

/**
 * A trainer's whole state between steps: the step count, the parameters and the optimizer's state. The data order
 * is a function of the seed and the position (random.ts `exampleAt`), so it needs no state. Resuming from it and
 * stepping gives the same bits as never having stopped.
 */
export type TrainerState = {
  steps: number
  params: Float32Array[]
  optimizer: OptimizerState
}

export type MlpTrainerOptions = {
  /** Allocates every tensor (shared memory for a worker pool). */
  allocate?: (length: number) => Float32Array
  run?: RunKernel
  /** Continue from a snapshot of a trainer of the same spec and data instead of the spec's initial state. */
  resume?: TrainerState
  /** Called after each operation of a step with the tensors it wrote (trace.ts builds a step's trace from it). */
  onOp?: OnOp
}

/** The operations of a step, in order (see {@link OnOp}). */
export type OpName =
  | 'batch'
  | 'matmul'
  | 'addBias'
  | 'relu'
  | 'softmaxCrossEntropy'
  | 'matmulTransA'
  | 'columnSums'
  | 'matmulTransB'
  | 'reluBackward'
  | 'update'

/**
 * One operation of a step has run: `layer` is the layer it belongs to (1-based; 0 for the batch; for `update`, the
 * index of the parameter tensor), `outputs` the tensors it wrote — live buffers, valid until the next operation.
 * A step is: batch; per layer 1..D matmul, addBias, relu (not on the last); softmaxCrossEntropy (each row's maximum,
 * each row's sum of exponentials, the gradient); per layer D..1
 * matmulTransA, columnSums, and below the top matmulTransB, reluBackward; then update per parameter tensor (the
 * tensor, then its optimizer slots).
 */
export type OnOp = (name: OpName, layer: number, outputs: readonly Float32Array[]) => void

const onThisThread: RunKernel = (kernel, a, b, out, d1, d2, d3) =>
  runKernel(kernel, a, b, out, d1, d2, d3, 0, outputRows(kernel, d1, d2))

export function validateSpec(spec: MlpSpec, data?: Dataset): void {
  const bad = (what: string) => {
    throw new RangeError(`training spec: ${what}`)
  }
  if (!Array.isArray(spec.layers) || spec.layers.length < 2) bad('layers must list at least an input and an output')
  for (const w of spec.layers) if (!Number.isInteger(w) || w < 1 || w > 65_536) bad(`layer width ${w} is not 1..65536`)
  if (!Number.isInteger(spec.batchSize) || spec.batchSize < 1) bad('batchSize must be a positive integer')
  if (!Number.isInteger(spec.seed) || spec.seed < 0 || spec.seed > 2 ** 32 - 1) bad('seed must be 0..2^32 − 1')
  if (!(spec.optimizer.learningRate > 0)) bad('learningRate must be positive')
  if (data) {
    const inputs = spec.layers[0] as number
    const classes = spec.layers[spec.layers.length - 1] as number
    if (data.inputs.length !== data.count * inputs)
      bad(`the data has ${data.inputs.length} inputs, not ${data.count}×${inputs}`)
    if (data.count < spec.batchSize) bad(`the data has ${data.count} examples, fewer than one batch`)
    for (let i = 0; i < data.count; i++) {
      const label = data.labels[i] as number
      if (!Number.isInteger(label) || label < 0 || label >= classes) bad(`example ${i} has label ${label}`)
    }
  }
}

/** The He-uniform bound of layer l's weights (1-based): a = √(6 / fan-in). */
export const initBound = (spec: MlpSpec, layer: number) => sqrt32(f(6 / (spec.layers[layer - 1] as number)))

/**
 * Element `index` of parameter tensor `t` at initialisation: weights (even t) are He-uniform,
 * ((2u − 1)·a) with u = word `index` of stream INIT + t as a float in [0, 1), every step rounded; biases are 0.
 */
export function initialValue(spec: MlpSpec, t: number, index: number, bound = initBound(spec, (t >> 1) + 1)): number {
  if (t % 2 === 1) return 0
  const u = unitFloat32(randomWord(streamKey(spec.seed, STREAMS.INIT + t), index))
  return f(f(f(2 * u) - 1) * bound)
}

/** The initial parameters (see {@link initialValue}): W1, b1, W2, b2, … */
export function initialParams(
  spec: MlpSpec,
  allocate: (length: number) => Float32Array = (n) => new Float32Array(n),
): Float32Array[] {
  const params: Float32Array[] = []
  for (let l = 1; l < spec.layers.length; l++) {
    const fanIn = spec.layers[l - 1] as number
    const fanOut = spec.layers[l] as number
    const t = 2 * (l - 1)
    const bound = initBound(spec, l)
    const w = allocate(fanIn * fanOut)
    for (let i = 0; i < w.length; i++) w[i] = initialValue(spec, t, i, bound)
    params.push(w, allocate(fanOut))
  }
  return params
}

export function createMlpTrainer(spec: MlpSpec, data: Dataset, options: MlpTrainerOptions = {}): MlpTrainer {
  validateSpec(spec, data)
  const { layers, batchSize: batch } = spec
  const depth = layers.length - 1
  const allocate = options.allocate ?? ((n: number) => new Float32Array(n))
  const run = options.run ?? onThisThread
  const params = initialParams(spec, allocate)
  const optimizer = createOptimizerState(
    spec.optimizer,
    params.map((p) => p.length),
  )
  const resume = options.resume
  if (resume) restore(resume, params, optimizer)
  const grads = params.map((p) => allocate(p.length))
  // activations[0] is the batch's input; activations[l] the output of layer l (after ReLU except the last).
  const activations = layers.map((width) => allocate(batch * width))
  const deltas = layers.map((width) => allocate(batch * width))
  const labels = new Uint8Array(batch)
  const rowMax = new Float32Array(batch)
  const rowSum = new Float32Array(batch)
  let steps = resume ? resume.steps : 0
  const inputWidth = layers[0] as number

  const nextBatch = () => {
    const input = activations[0] as Float32Array
    for (let b = 0; b < batch; b++) {
      const example = exampleAt(spec.seed, data.count, steps * batch + b)
      input.set(data.inputs.subarray(example * inputWidth, (example + 1) * inputWidth), b * inputWidth)
      labels[b] = data.labels[example] as number
    }
  }

  return {
    params,
    optimizer,
    tensors: [...params, ...grads, ...activations, ...deltas],
    snapshot: () => ({
      steps,
      params: params.map((p) => Float32Array.from(p)),
      optimizer: {
        ...optimizer,
        slots: optimizer.slots.map((per) => per.map((slot) => Float32Array.from(slot))),
      },
    }),
    get steps() {
      return steps
    },
    step() {
      const onOp = options.onOp
      nextBatch()
      onOp?.('batch', 0, [activations[0] as Float32Array, Float32Array.from(labels)])
      forward(params, layers, activations, batch, run, onOp)
      const out = layers[depth] as number
      const loss = softmaxCrossEntropy(
        activations[depth] as Float32Array,
        labels,
        batch,
        out,
        deltas[depth] as Float32Array,
        rowMax,
        rowSum,
      )
      // The rows' maxima and sums, then the gradient; the loss is reported, not traced.
      onOp?.('softmaxCrossEntropy', depth, [rowMax, rowSum, deltas[depth] as Float32Array])
      for (let l = depth; l >= 1; l--) {
        const fanIn = layers[l - 1] as number
        const fanOut = layers[l] as number
        const delta = deltas[l] as Float32Array
        run(
          'matmulTransA',
          activations[l - 1] as Float32Array,
          delta,
          grads[2 * (l - 1)] as Float32Array,
          batch,
          fanIn,
          fanOut,
        )
        onOp?.('matmulTransA', l, [grads[2 * (l - 1)] as Float32Array])
        columnSums(delta, batch, fanOut, grads[2 * (l - 1) + 1] as Float32Array)
        onOp?.('columnSums', l, [grads[2 * (l - 1) + 1] as Float32Array])
        if (l > 1) {
          const below = deltas[l - 1] as Float32Array
          run('matmulTransB', delta, params[2 * (l - 1)] as Float32Array, below, batch, fanOut, fanIn)
          onOp?.('matmulTransB', l, [below])
          reluBackward(below, activations[l - 1] as Float32Array, batch * fanIn)
          onOp?.('reluBackward', l, [below])
        }
      }
      optimizerStep(spec.optimizer, optimizer, params, grads)
      // Elementwise and independent per tensor: one traced operation per parameter tensor.
      if (onOp) for (const [t, p] of params.entries()) onOp('update', t, [p, ...(optimizer.slots[t] ?? [])])
      steps += 1
      return loss
    },
  }
}

/** Copies a snapshot into a fresh trainer's tensors, checking it fits the spec and the data. */
function restore(state: TrainerState, params: Float32Array[], optimizer: OptimizerState): void {
  const bad = (what: string) => {
    throw new RangeError(`resume: ${what}`)
  }
  if (!Number.isInteger(state.steps) || state.steps < 0) bad(`steps ${state.steps} is not a step count`)
  if (state.params.length !== params.length || state.params.some((p, i) => p.length !== params[i]?.length))
    bad('the parameters do not have the shapes of the spec')
  const slots = optimizer.slots
  if (
    state.optimizer.slots.length !== slots.length ||
    state.optimizer.slots.some(
      (per, i) => per.length !== slots[i]?.length || per.some((s, j) => s.length !== slots[i]?.[j]?.length),
    )
  )
    bad("the optimizer's state does not fit the spec's optimizer")
  state.params.forEach((p, i) => {
    params[i]?.set(p)
  })
  state.optimizer.slots.forEach((per, i) => {
    per.forEach((s, j) => {
      slots[i]?.[j]?.set(s)
    })
  })
  optimizer.step = state.optimizer.step
  optimizer.beta1Power = state.optimizer.beta1Power
  optimizer.beta2Power = state.optimizer.beta2Power
}

/** Runs the layers over `activations[0]` (rows) into `activations[1..]`. */
function forward(
  params: Float32Array[],
  layers: number[],
  activations: Float32Array[],
  rows: number,
  run: RunKernel = onThisThread,
  onOp?: OnOp,
): void {
  const depth = layers.length - 1
  for (let l = 1; l <= depth; l++) {
    const fanIn = layers[l - 1] as number
    const fanOut = layers[l] as number
    const out = activations[l] as Float32Array
    run('matmul', activations[l - 1] as Float32Array, params[2 * (l - 1)] as Float32Array, out, rows, fanIn, fanOut)
    onOp?.('matmul', l, [out])
    addBias(out, params[2 * (l - 1) + 1] as Float32Array, rows, fanOut)
    onOp?.('addBias', l, [out])
    if (l < depth) {
      relu(out, rows * fanOut)
      onOp?.('relu', l, [out])
    }
  }
}

/** Runs the model over `data` in chunks of rows; `each` receives every chunk's logits (rows × classes) and offset. */
function forEachLogits(
  spec: MlpSpec,
  params: Float32Array[],
  data: Pick<Dataset, 'inputs' | 'count'>,
  each: (logits: Float32Array, start: number, rows: number) => void,
  chunk = 256,
): void {
  const { layers } = spec
  const depth = layers.length - 1
  const inputWidth = layers[0] as number
  const activations = layers.map((width) => new Float32Array(chunk * width))
  for (let start = 0; start < data.count; start += chunk) {
    const rows = Math.min(chunk, data.count - start)
    ;(activations[0] as Float32Array).set(data.inputs.subarray(start * inputWidth, (start + rows) * inputWidth))
    forward(params, layers, activations, rows)
    each(activations[depth] as Float32Array, start, rows)
  }
}

/** The share of `data` the model classifies right (argmax, the first maximum in ascending class order). */
export function accuracy(spec: MlpSpec, params: Float32Array[], data: Dataset): number {
  const classes = spec.layers[spec.layers.length - 1] as number
  let right = 0
  forEachLogits(spec, params, data, (logits, start, rows) => {
    for (let r = 0; r < rows; r++) {
      let best = 0
      for (let c = 1; c < classes; c++)
        if ((logits[r * classes + c] as number) > (logits[r * classes + best] as number)) best = c
      if (best === data.labels[start + r]) right++
    }
  })
  return right / data.count
}

/** Class probabilities (softmax of the logits, by the engine's rules) for every row of `data`. */
export function probabilities(spec: MlpSpec, params: Float32Array[], data: Pick<Dataset, 'inputs' | 'count'>) {
  const classes = spec.layers[spec.layers.length - 1] as number
  const out = new Float32Array(data.count * classes)
  forEachLogits(spec, params, data, (logits, start, rows) => {
    for (let r = 0; r < rows; r++) {
      const at = (start + r) * classes
      const { sum } = expRow(logits, r * classes, classes, out, at)
      for (let c = 0; c < classes; c++) out[at + c] = f((out[at + c] as number) / sum)
    }
  })
  return out
}

/**
 * The trained layers in the shape ONNX writers take (`models/src/onnx.ts` `mlpToOnnx`: row-major fan-in × fan-out
 * weights, bias, ReLU between layers), so the existing miners serve what the engine trained.
 */
export function denseLayers(spec: MlpSpec, params: Float32Array[]) {
  return spec.layers.slice(1).map((outputs, l) => ({
    weights: params[2 * l] as Float32Array,
    bias: params[2 * l + 1] as Float32Array,
    inputs: spec.layers[l] as number,
    outputs,
    activation: (l < spec.layers.length - 2 ? 'relu' : 'none') as 'relu' | 'none',
  }))
}

const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1

/** keccak256 of the tensors' binary32 values, little-endian, concatenated in order. */
export function tensorsHash(tensors: readonly Float32Array[]): `0x${string}` {
  const total = tensors.reduce((n, t) => n + t.length, 0)
  const bytes = new Uint8Array(total * 4)
  const view = new DataView(bytes.buffer)
  let offset = 0
  for (const t of tensors) {
    if (littleEndian) bytes.set(new Uint8Array(t.buffer, t.byteOffset, t.byteLength), offset)
    else for (let i = 0; i < t.length; i++) view.setFloat32(offset + i * 4, t[i] as number, true)
    offset += t.byteLength
  }
  return keccak256(bytes)
}
