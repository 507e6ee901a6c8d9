/**
 * Where everything is in one training step of an MLP, exactly as the on-chain referee lays it out
 * (`contracts/src/training/TrainingShapes.sol`; a test compares the two for many shapes): the trace's entries and
 * their output roots, each tensor's size, and which elements one output element — or one term of its reduction —
 * reads. The dispute game's automatic players (dispute.ts) use it to compute partial sums and to prove inputs.
 *
 * A trace of depth D has 7D − 1 entries: 0 batch (outputs: inputs, labels); for l = 1..D, at 1 + 3(l − 1): matmul,
 * addBias, relu (not on layer D); 3D softmaxCrossEntropy (outputs: each row's maximum, each row's sum of
 * exponentials, the gradient — so that a disputed gradient element reads four values, and the maximum and the sum are
 * reductions bisected like any other); for l = D..1, at 3D + 1 + 4(D − l): matmulTransA, columnSums, and above layer
 * 1 matmulTransB, reluBackward. Output roots are numbered in entry order: 7D + 2 in all.
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
export const traceRoots = (spec: Shape) => 7 * depthOf(spec) + 2

/** Outputs of entry k: the batch two, softmax three, every other one. */
export const outputsOf = (spec: Shape, k: number) => (k === 0 ? 2 : k === 3 * depthOf(spec) ? 3 : 1)

/** Pseudo operations of the softmax entry's outputs (the referee's term and element functions tell them apart). */
export const SOFTMAX_MAX = 9
export const SOFTMAX_SUM = 10
/** The operation code of entry k's output o: the entry's, except the softmax's maximum and sum. */
export function outputOp(spec: Shape, k: number, o: number): number {
  const { op } = entryOf(spec, k)
  if (op === 'softmaxCrossEntropy' && o < 2) return o === 0 ? SOFTMAX_MAX : SOFTMAX_SUM
  return OPS.indexOf(op)
}

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
export function rootIndex(spec: Shape, k: number, o: number): number {
  const s = 3 * depthOf(spec)
  if (k === 0) return o
  if (k < s) return k + 1
  if (k === s) return s + 1 + o
  return k + 3
}

/** The entry and output of root index r. */
export function rootEntry(spec: Shape, r: number): { entry: number; output: number } {
  const s = 3 * depthOf(spec)
  if (r <= 1) return { entry: 0, output: r }
  if (r <= s) return { entry: r - 1, output: 0 }
  if (r <= s + 3) return { entry: s, output: r - s - 1 }
  return { entry: r - 3, output: 0 }
}

/** Values in entry k's output o. */
export function entrySize(spec: Shape, k: number, o: number): number {
  const { op, layer: l } = entryOf(spec, k)
  if (o >= outputsOf(spec, k)) throw new RangeError(`trace entry ${k} has no output ${o}`)
  const batch = spec.batchSize
  if (op === 'batch') return o === 0 ? batch * width(spec, 0) : batch
  if (op === 'softmaxCrossEntropy' && o < 2) return batch
  if (['matmul', 'addBias', 'relu', 'softmaxCrossEntropy'].includes(op)) return batch * width(spec, l)
  if (op === 'matmulTransA') return width(spec, l - 1) * width(spec, l)
  if (op === 'columnSums') return width(spec, l)
  return batch * width(spec, l - 1)
}

/** Terms of entry k's output o's reduction per element (0 for an elementwise operation). */
export function reductionTerms(spec: Shape, k: number, o = 0): number {
  const { op, layer: l } = entryOf(spec, k)
  if (op === 'softmaxCrossEntropy') return o < 2 ? width(spec, l) : 0
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

/** Trace root of layer l's delta (the softmax gradient on top, else the ReLU gradient from above). */
export function deltaRoot(spec: Shape, l: number): number {
  const d = depthOf(spec)
  return l === d ? rootIndex(spec, 3 * d, 2) : rootIndex(spec, 3 * d + 1 + 4 * (d - l - 1) + 3, 0)
}

/** Trace root of parameter tensor t's gradient (matmulTransA or columnSums of its layer). */
export function gradientRoot(spec: Shape, t: number): number {
  const d = depthOf(spec)
  const l = (t >> 1) + 1
  return rootIndex(spec, 3 * d + 1 + 4 * (d - l) + (t % 2), 0)
}

/**
 * What term t of element `element` of entry k's output o's reduction reads: a, then b for the products; the softmax's
 * maximum reads the row's logit t, its sum the logit and the row's maximum.
 */
export function termInputs(spec: Shape, k: number, o: number, element: number, t: number): Read[] {
  const { op, layer: l } = entryOf(spec, k)
  const fanIn = width(spec, l - 1)
  const fanOut = width(spec, l)
  const weights = 2 * (l - 1)
  if (op === 'softmaxCrossEntropy') {
    const logit = { fromParams: false, at: rootIndex(spec, k - 1, 0), element: element * fanOut + t }
    if (o === 0) return [logit]
    if (o === 1) return [logit, { fromParams: false, at: rootIndex(spec, k, 0), element }]
  }
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

/**
 * What element `element` of elementwise entry k reads; the softmax gradient (output 2): the logit, the row's maximum
 * and sum, and the row's label.
 */
export function elementInputs(spec: Shape, k: number, element: number): Read[] {
  const { op, layer: l } = entryOf(spec, k)
  const previous = { fromParams: false, at: rootIndex(spec, k - 1, 0), element }
  if (op === 'addBias') return [previous, { fromParams: true, at: 2 * (l - 1) + 1, element: element % width(spec, l) }]
  if (op === 'relu') return [previous]
  if (op === 'reluBackward') return [previous, { fromParams: false, at: activationRoot(l - 1), element }]
  if (op === 'softmaxCrossEntropy') {
    const row = Math.floor(element / width(spec, l))
    return [
      previous,
      { fromParams: false, at: rootIndex(spec, k, 0), element: row },
      { fromParams: false, at: rootIndex(spec, k, 1), element: row },
      { fromParams: false, at: 1, element: row },
    ]
  }
  throw new RangeError(`trace entry ${k} (${op}) is not elementwise`)
}
