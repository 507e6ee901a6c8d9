/**
 * Where everything is in one training step of an MLP, exactly as the on-chain referee lays it out
 * (`contracts/src/training/TrainingShapes.sol`; a test compares the two for many shapes): the trace's entries and
 * their output roots, each tensor's size, and which elements one output element — or one term of its reduction —
 * reads. The dispute game's automatic players (dispute.ts) use it to compute partial sums and to prove inputs.
 *
 * A trace of depth D has 7D − 1 entries: 0 batch (outputs: inputs, labels); for l = 1..D, at 1 + 3(l − 1): matmul,
 * addBias, relu (not on layer D); 3D softmaxCrossEntropy; for l = D..1, at 3D + 1 + 4(D − l): matmulTransA,
 * columnSums, and above layer 1 matmulTransB, reluBackward. Output roots are numbered in entry order, the batch's two
 * first: entry k > 0's root is k + 1.
 */
import type { MlpSpec, OpName } from './mlp.ts'

export const OPS: OpName[] = [
  'batch',
  'matmul',
  'addBias',
  'relu',
  'softmaxCrossEntropy',
  'matmulTransA',
  'columnSums',
  'matmulTransB',
  'reluBackward',
]

type Shape = Pick<MlpSpec, 'layers' | 'batchSize'>

/** One element an operation reads: of parameter tensor `at` of the step's starting state, or of trace root `at`. */
export type Read = { fromParams: boolean; at: number; element: number }

const depthOf = (spec: Shape) => spec.layers.length - 1
const width = (spec: Shape, l: number) => spec.layers[l] as number

export const traceEntries = (spec: Shape) => 7 * depthOf(spec) - 1
export const traceRoots = (spec: Shape) => 7 * depthOf(spec)

/** The operation and layer of trace entry k. */
export function entryOf(spec: Shape, k: number): { op: OpName; layer: number } {
  const d = depthOf(spec)
  if (!Number.isInteger(k) || k < 0 || k > 7 * d - 2) throw new RangeError(`no trace entry ${k} (0..${7 * d - 2})`)
  if (k === 0) return { op: 'batch', layer: 0 }
  if (k < 3 * d) return { op: OPS[1 + ((k - 1) % 3)] as OpName, layer: Math.floor((k - 1) / 3) + 1 }
  if (k === 3 * d) return { op: 'softmaxCrossEntropy', layer: d }
  const b = k - 3 * d - 1
  return { op: OPS[5 + (b % 4)] as OpName, layer: d - Math.floor(b / 4) }
}

/** The root index of entry k's output o. */
export const rootIndex = (k: number, o: number) => (k === 0 ? o : k + 1)

/** The entry and output of root index r. */
export const rootEntry = (r: number) => (r <= 1 ? { entry: 0, output: r } : { entry: r - 1, output: 0 })

/** Values in entry k's output o. */
export function entrySize(spec: Shape, k: number, o: number): number {
  const { op, layer: l } = entryOf(spec, k)
  if (o > (k === 0 ? 1 : 0)) throw new RangeError(`trace entry ${k} has no output ${o}`)
  const batch = spec.batchSize
  if (op === 'batch') return o === 0 ? batch * width(spec, 0) : batch
  if (['matmul', 'addBias', 'relu', 'softmaxCrossEntropy'].includes(op)) return batch * width(spec, l)
  if (op === 'matmulTransA') return width(spec, l - 1) * width(spec, l)
  if (op === 'columnSums') return width(spec, l)
  return batch * width(spec, l - 1)
}

/** Terms of entry k's reduction per output element (0 for an elementwise operation). */
export function reductionTerms(spec: Shape, k: number): number {
  const { op, layer: l } = entryOf(spec, k)
  if (op === 'matmul') return width(spec, l - 1)
  if (op === 'matmulTransA' || op === 'columnSums') return spec.batchSize
  if (op === 'matmulTransB') return width(spec, l)
  return 0
}

/** Values in parameter tensor t (W_l for even t, b_l for odd t; l = t/2 + 1). */
export function paramSize(spec: Shape, t: number): number {
  const l = (t >> 1) + 1
  return t % 2 === 0 ? width(spec, l - 1) * width(spec, l) : width(spec, l)
}

/** Trace root of layer l's activation (0: the batch's inputs; else its ReLU output). */
export const activationRoot = (l: number) => (l === 0 ? 0 : 3 * l + 1)

/** Trace root of layer l's delta. */
export function deltaRoot(spec: Shape, l: number): number {
  const d = depthOf(spec)
  return l === d ? 3 * d + 1 : 3 * d + 1 + 4 * (d - l - 1) + 4
}

/** Trace root of parameter tensor t's gradient. */
export function gradientRoot(spec: Shape, t: number): number {
  const d = depthOf(spec)
  const l = (t >> 1) + 1
  return 3 * d + 1 + 4 * (d - l) + 1 + (t % 2)
}

/** What term t of output element `element` of entry k's reduction reads: a, then b for the products. */
export function termInputs(spec: Shape, k: number, element: number, t: number): Read[] {
  const { op, layer: l } = entryOf(spec, k)
  const fanIn = width(spec, l - 1)
  const fanOut = width(spec, l)
  const weights = 2 * (l - 1)
  if (op === 'matmul') {
    const [i, j] = [Math.floor(element / fanOut), element % fanOut]
    return [
      { fromParams: false, at: activationRoot(l - 1), element: i * fanIn + t },
      { fromParams: true, at: weights, element: t * fanOut + j },
    ]
  }
  if (op === 'matmulTransA') {
    const [i, j] = [Math.floor(element / fanOut), element % fanOut]
    return [
      { fromParams: false, at: activationRoot(l - 1), element: t * fanIn + i },
      { fromParams: false, at: deltaRoot(spec, l), element: t * fanOut + j },
    ]
  }
  if (op === 'columnSums') return [{ fromParams: false, at: deltaRoot(spec, l), element: t * fanOut + element }]
  if (op === 'matmulTransB') {
    const [i, j] = [Math.floor(element / fanIn), element % fanIn]
    return [
      { fromParams: false, at: deltaRoot(spec, l), element: i * fanOut + t },
      { fromParams: true, at: weights, element: j * fanOut + t },
    ]
  }
  throw new RangeError(`trace entry ${k} (${op}) is not a reduction`)
}

/** What output element `element` of elementwise entry k reads (softmax: the row's logits, then its label). */
export function elementInputs(spec: Shape, k: number, element: number): Read[] {
  const { op, layer: l } = entryOf(spec, k)
  if (op === 'addBias')
    return [
      { fromParams: false, at: k, element },
      { fromParams: true, at: 2 * (l - 1) + 1, element: element % width(spec, l) },
    ]
  if (op === 'relu') return [{ fromParams: false, at: k, element }]
  if (op === 'reluBackward')
    return [
      { fromParams: false, at: k, element },
      { fromParams: false, at: activationRoot(l - 1), element },
    ]
  if (op === 'softmaxCrossEntropy') {
    const classes = width(spec, l)
    const row = Math.floor(element / classes)
    return [
      ...Array.from({ length: classes }, (_, c) => ({ fromParams: false, at: k, element: row * classes + c })),
      { fromParams: false, at: 1, element: row },
    ]
  }
  throw new RangeError(`trace entry ${k} (${op}) is not elementwise`)
}
