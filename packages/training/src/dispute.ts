/**
 * The dispute game's moves, computed (docs/training.md, "The dispute game"; `TrainingDisputes.sol` plays it on
 * chain). Pure functions over a party's own records: what the provider posts or reveals at each phase, and which
 * sub-segment, tensor, node or value the challenger disputes. Both sides compute from their own tensors; the contract
 * only ever sees roots, proofs and one operation's inputs.
 *
 * - `chainSpec`: the spec as the contracts take it (binary32 hyperparameters as bits, the dataset root);
 * - `recordStep`: one step re-run from a state with every tensor kept, and its opening (the provider may claim an
 *   end state other than the step's — that is what a dispute catches);
 * - bisection: `innerPoints`, `pickSegment`; tree descent: `descendNodes`, `pickNode`, `firstLane`;
 * - `disputedTensor`: the first tensor where two openings of one step part;
 * - `partialSums`: an element's fixed-order partial sums; `evidence`: the proofs of one operation's inputs.
 */
import { encodeAbiParameters, type Hex } from 'viem'
import { type DatasetTree, exampleFeatures, openState, type StateOpening } from './commit.ts'
import { bitsOf32, exp32, fromBits32 } from './f32.ts'
import {
  elementInputs,
  entryOf,
  gradientRoot,
  OPS,
  outputOp,
  type Read,
  reductionTerms,
  rootEntry,
  rootIndex,
  SOFTMAX_MAX,
  SOFTMAX_SUM,
  termInputs,
} from './layout.ts'
import { chunkOf, tensorTree, VALUES_PER_CHUNK } from './merkle.ts'
import type { Dataset, MlpSpec, OnOp, TrainerState } from './mlp.ts'
import { exampleAt } from './random.ts'
import { traceStep } from './trace.ts'

const f = Math.fround

/** ITrainingJobs.Spec as viem encodes it. */
export type ChainSpec = {
  layers: number[]
  batchSize: number
  seed: number
  steps: number
  checkpointEvery: number
  optimizer: number
  learningRate: number
  beta1: number
  beta2: number
  epsilon: number
  datasetRoot: Hex
  datasetCount: number
}

export const CHAIN_SPEC_ABI = {
  type: 'tuple',
  components: [
    { name: 'layers', type: 'uint32[]' },
    { name: 'batchSize', type: 'uint32' },
    { name: 'seed', type: 'uint32' },
    { name: 'steps', type: 'uint32' },
    { name: 'checkpointEvery', type: 'uint32' },
    { name: 'optimizer', type: 'uint8' },
    { name: 'learningRate', type: 'uint32' },
    { name: 'beta1', type: 'uint32' },
    { name: 'beta2', type: 'uint32' },
    { name: 'epsilon', type: 'uint32' },
    { name: 'datasetRoot', type: 'bytes32' },
    { name: 'datasetCount', type: 'uint32' },
  ],
} as const

/** The spec as the contracts take it. */
export function chainSpec(
  spec: MlpSpec,
  job: { steps: number; checkpointEvery: number; datasetRoot: Hex; datasetCount: number },
): ChainSpec {
  const o = spec.optimizer
  return {
    layers: [...spec.layers],
    batchSize: spec.batchSize,
    seed: spec.seed,
    steps: job.steps,
    checkpointEvery: job.checkpointEvery,
    optimizer: o.kind === 'sgd' ? 0 : 1,
    learningRate: bitsOf32(o.learningRate),
    beta1: bitsOf32(o.kind === 'sgd' ? o.momentum : o.beta1),
    beta2: o.kind === 'sgd' ? 0 : bitsOf32(o.beta2),
    epsilon: o.kind === 'sgd' ? 0 : bitsOf32(o.epsilon),
    datasetRoot: job.datasetRoot,
    datasetCount: job.datasetCount,
  }
}

/** The engine's spec of a job's chain spec (binary32 bits back to numbers; the inverse of {@link chainSpec}). */
export function mlpSpecOfChain(
  c: Pick<ChainSpec, 'layers' | 'batchSize' | 'seed' | 'optimizer' | 'learningRate' | 'beta1' | 'beta2' | 'epsilon'>,
): MlpSpec {
  const lr = fromBits32(c.learningRate)
  return {
    layers: [...c.layers],
    batchSize: c.batchSize,
    seed: c.seed,
    optimizer:
      c.optimizer === 0
        ? { kind: 'sgd', learningRate: lr, momentum: fromBits32(c.beta1) }
        : {
            kind: 'adam',
            learningRate: lr,
            beta1: fromBits32(c.beta1),
            beta2: fromBits32(c.beta2),
            epsilon: fromBits32(c.epsilon),
          },
  }
}

const STATE_ABI = {
  type: 'tuple',
  components: [
    { name: 'params', type: 'bytes32[]' },
    { name: 'slots', type: 'bytes32[]' },
    { name: 'optimizerStep', type: 'uint64' },
    { name: 'beta1Power', type: 'uint32' },
    { name: 'beta2Power', type: 'uint32' },
  ],
} as const

/** `TrainingDisputes.StepOpening` as viem encodes it: the state before, the state after, the trace's roots. */
export const OPENING_ABI = [
  {
    type: 'tuple',
    components: [
      { ...STATE_ABI, name: 'start' },
      { ...STATE_ABI, name: 'end' },
      { name: 'trace', type: 'bytes32[]' },
    ],
  },
] as const

const state = (o: StateOpening | undefined) => ({
  params: o?.paramRoots ?? [],
  slots: o?.slotRoots ?? [],
  optimizerStep: o?.optimizerStep ?? 0n,
  beta1Power: o?.beta1Power ?? 0,
  beta2Power: o?.beta2Power ?? 0,
})

/** abi.encode(StepOpening): what `openStep`/`openInit` take and every later move repeats. */
export function encodeOpening(start: StateOpening, end?: StateOpening, trace: readonly Hex[] = []): Hex {
  return encodeAbiParameters(OPENING_ABI, [{ start: state(start), end: state(end), trace: [...trace] }])
}

/** One step re-run from `start` with every tensor kept; `end` is the state the party claims after it. */
export type StepRecord = {
  step: number
  start: TrainerState
  end: TrainerState
  /** Every trace output by root index. */
  tensors: Float32Array[]
  /** The trace's output roots by root index. */
  roots: Hex[]
  opening: Hex
}

/** Re-runs the step after `start` keeping every tensor; `end` defaults to the honest next state. */
export function recordStep(
  spec: MlpSpec,
  data: Dataset,
  start: TrainerState,
  end?: TrainerState,
  tamper?: OnOp,
): StepRecord {
  const trace = traceStep(spec, data, start, { keep: true, tamper })
  const claimed = end ?? trace.next
  const roots = trace.entries.flatMap((e) => e.roots)
  return {
    step: start.steps,
    start,
    end: claimed,
    tensors: trace.tensors,
    roots,
    opening: encodeOpening(openState(start), openState(claimed), roots),
  }
}

/** The initial state's opening (no end, no trace). */
export const initOpening = (initial: TrainerState): Hex => encodeOpening(openState(initial))

export const TARGET = { entry: 0, update: 1, init: 2 } as const
export type Named = { target: number; entry: number; output: number }

/** The tensor a name refers to in a record (init: the record's start state). */
export function namedTensor(spec: MlpSpec, record: Pick<StepRecord, 'start' | 'end' | 'tensors'>, n: Named) {
  if (n.target === TARGET.entry) return record.tensors[rootIndex(spec, n.entry, n.output)] as Float32Array
  const s = n.target === TARGET.init ? record.start : record.end
  const t = s.params[n.entry]
  if (!t) throw new RangeError(`no parameter tensor ${n.entry}`)
  if (n.output === 0) return t
  const slot = s.optimizer.slots[n.entry]?.[n.output - 1]
  if (!slot) throw new RangeError(`parameter tensor ${n.entry} has no slot ${n.output - 1}`)
  return slot
}

/**
 * The first tensor where the provider's opening of a step (its trace roots and end state) parts from the
 * challenger's own record of the same step: a trace output, else a parameter or slot of the next state; undefined
 * when they agree.
 */
export function disputedTensor(
  spec: MlpSpec,
  mine: Pick<StepRecord, 'roots' | 'end'>,
  theirs: { roots: readonly Hex[]; end: StateOpening },
): Named | undefined {
  for (let r = 0; r < mine.roots.length; r++) {
    if (mine.roots[r] !== theirs.roots[r]) return { target: TARGET.entry, ...rootEntry(spec, r) }
  }
  return stateDifference(openState(mine.end), theirs.end, TARGET.update)
}

/** The first parameter or slot where two opened states differ (as a name with `target`). */
export function stateDifference(mine: StateOpening, theirs: StateOpening, target: number): Named | undefined {
  const per = mine.slotRoots.length / mine.paramRoots.length
  for (let t = 0; t < mine.paramRoots.length; t++) {
    if (mine.paramRoots[t] !== theirs.paramRoots[t]) return { target, entry: t, output: 0 }
    for (let s = 0; s < per; s++) {
      if (mine.slotRoots[t * per + s] !== theirs.slotRoots[t * per + s]) return { target, entry: t, output: 1 + s }
    }
  }
  return undefined
}

// ---------------------------------------------------------------- k-ary bisection

/** Values posted per round at most (the contract's FANOUT): n = min(16, hi − lo) sub-segments. */
export const FANOUT = 16

/** The segment's points 0 … n: point j = lo + ⌊(hi − lo)·j / n⌋. */
export function segmentPoints(lo: number, hi: number): number[] {
  const n = Math.min(FANOUT, hi - lo)
  return Array.from({ length: n + 1 }, (_, j) => lo + Math.floor(((hi - lo) * j) / n))
}

/** The points whose values the provider posts: 1 … n − 1. */
export const innerPoints = (lo: number, hi: number) => segmentPoints(lo, hi).slice(1, -1)

/**
 * The sub-segment the challenger disputes: the first point whose posted value (or hi's) differs from its own,
 * minus one. `mine(point)` gives the challenger's value; `posted` are the provider's inner values.
 */
export function pickSegment(lo: number, hi: number, posted: readonly Hex[], hiValue: Hex, mine: (p: number) => Hex) {
  const points = segmentPoints(lo, hi)
  const theirs = [...posted, hiValue]
  for (let j = 1; j < points.length; j++) {
    if (theirs[j - 1]?.toLowerCase() !== mine(points[j] as number).toLowerCase()) return j - 1
  }
  return points.length - 2 // they agree everywhere with the challenger: its last sub-segment holds the disputed hi
}

/** A binary32 value as the bisection posts it: bytes32 with the bits in the low 32. */
export const sumWord = (x: number): Hex => `0x${bitsOf32(x).toString(16).padStart(64, '0')}`

// ---------------------------------------------------------------- tree descent

/** Tree levels revealed per descent round (the contract's DESCENT). */
export const DESCENT = 4

/** The provider's nodes `min(4, level)` levels below node (level, index) of its tensor's tree. */
export function descendNodes(values: Float32Array, level: number, index: number): Hex[] {
  const down = Math.min(DESCENT, level)
  const tree = tensorTree(values)
  return tree.nodes(level - down, index * 2 ** down, 2 ** down)
}

/** The first revealed node that differs from the challenger's own (its index among them). */
export function pickNode(mine: Float32Array, level: number, index: number, theirs: readonly Hex[]): number {
  const own = descendNodes(mine, level, index)
  const j = theirs.findIndex((node, i) => node !== own[i])
  return Math.max(j, 0)
}

/** The first value of chunk `chunk` where the provider's revealed chunk differs from the challenger's tensor. */
export function firstLane(mine: Float32Array, chunk: number, theirs: Hex): number {
  const own = chunkOf(mine, chunk)
  const bytes = Buffer.from(theirs.slice(2), 'hex')
  for (let lane = 0; lane < VALUES_PER_CHUNK; lane++) {
    for (let b = 0; b < 4; b++) if (own[lane * 4 + b] !== bytes[lane * 4 + b]) return lane
  }
  return 0
}

/** A chunk as bytes32 hex. */
export const chunkHex = (values: Float32Array | Uint32Array, chunk: number): Hex =>
  `0x${Buffer.from(chunkOf(values, chunk)).toString('hex')}`

// ---------------------------------------------------------------- the referee's inputs

const readTensor = (record: Pick<StepRecord, 'start' | 'tensors'>, r: Read) =>
  (r.fromParams ? record.start.params[r.at] : record.tensors[r.at]) as Float32Array

/**
 * s₀ = +0, …, s_K: element `element` of entry k's output o's reduction, term by term in the engine's order — a sum
 * of products or of values, or a softmax row's maximum (s₁ = z₀, then the larger) or sum of e^(z − max).
 */
export function partialSums(
  spec: MlpSpec,
  record: Pick<StepRecord, 'start' | 'tensors'>,
  k: number,
  o: number,
  element: number,
) {
  const terms = reductionTerms(spec, k, o)
  const sums = new Float32Array(terms + 1)
  const op = outputOp(spec, k, o)
  for (let t = 0; t < terms; t++) {
    const [a, b] = termInputs(spec, k, o, element, t).map((r) => readTensor(record, r)[r.element] as number) as [
      number,
      number,
    ]
    const s = sums[t] as number
    if (op === SOFTMAX_MAX) sums[t + 1] = t === 0 || a > s ? a : s
    else if (op === SOFTMAX_SUM) sums[t + 1] = f(s + exp32(f(a - b)))
    else if (op === OPS.indexOf('columnSums')) sums[t + 1] = f(s + a)
    else sums[t + 1] = f(s + f(a * b))
  }
  return sums
}

export type Proven = { chunk: Hex; proof: Hex[] }
export type Evidence = { inputs: Proven[]; example: Hex; exampleProof: Hex[] }

/** The chunk holding `element` of `values` and its proof. */
export function prove(values: Float32Array, element: number): Proven {
  const c = Math.floor(element / VALUES_PER_CHUNK)
  return { chunk: chunkHex(values, c), proof: tensorTree(values).proof(c) }
}

/**
 * What the provider proves to resolve: the inputs of the one operation left — term `lo` of a reduction, an
 * elementwise operation, an update — or, for a batch row, its example under the dataset tree.
 */
export function evidence(
  spec: MlpSpec,
  data: Dataset,
  dataset: DatasetTree,
  record: Pick<StepRecord, 'start' | 'tensors' | 'step'>,
  n: Named,
  element: number,
  lo: number,
): Evidence {
  const none: Evidence = { inputs: [], example: '0x', exampleProof: [] }
  if (n.target === TARGET.update) {
    const t = n.entry
    const slots = record.start.optimizer.slots[t] ?? []
    const grad = record.tensors[gradientRoot(spec, t)] as Float32Array
    return {
      ...none,
      inputs: [record.start.params[t] as Float32Array, ...slots, grad].map((values) => prove(values, element)),
    }
  }
  const { op } = entryOf(spec, n.entry)
  if (op === 'batch') {
    const width = spec.layers[0] as number
    const row = n.output === 0 ? Math.floor(element / width) : element
    const index = exampleAt(spec.seed, data.count, record.step * spec.batchSize + row)
    const label = Buffer.alloc(4)
    label.writeUInt32BE(Number(data.labels[index] ?? 0))
    const example = Buffer.concat([Buffer.from(exampleFeatures(data, index, width)), label])
    return { inputs: [], example: `0x${example.toString('hex')}`, exampleProof: dataset.proof(index) }
  }
  const reads =
    reductionTerms(spec, n.entry, n.output) > 0
      ? termInputs(spec, n.entry, n.output, element, lo)
      : elementInputs(spec, n.entry, element)
  return { ...none, inputs: reads.map((r) => prove(readTensor(record, r), r.element)) }
}
