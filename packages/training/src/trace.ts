/**
 * The trace of one training step, built lazily — only when a dispute needs it — by re-running the step from a
 * snapshot (docs/training.md, "The dispute game"). Each operation of the step before the optimizer's update
 * (mlp.ts `OpName`) becomes an entry with the tensor roots (merkle.ts) of what it wrote; the trace root is a merkle.ts
 * item tree over keccak256(abi.encode(uint8 operation code, uint32 layer, bytes32[] output roots)), so a provider
 * commits to a step's whole trace at once and a challenger proves the first entry where the two traces part. The
 * update's outputs are the next state's tensors themselves, which the state hash already commits.
 */
import { encodeAbiParameters, type Hex, keccak256 } from 'viem'
import { stateHash } from './commit.ts'
import { itemTree, tensorRoot, verifyItem } from './merkle.ts'
import { createMlpTrainer, type Dataset, type MlpSpec, type OnOp, type OpName, type TrainerState } from './mlp.ts'

/** Operation codes in trace entries (stable: committed traces depend on them). */
export const OP_CODES: Record<OpName, number> = {
  batch: 0,
  matmul: 1,
  addBias: 2,
  relu: 3,
  softmaxCrossEntropy: 4,
  matmulTransA: 5,
  columnSums: 6,
  matmulTransB: 7,
  reluBackward: 8,
  update: 9,
}

export type TraceEntry = { index: number; name: OpName; layer: number; roots: Hex[] }

export type StepTrace = {
  /** The operations before the update, in order. */
  entries: TraceEntry[]
  /** The trace's Merkle root. */
  root: Hex
  /** The state after the step (what the next state hash commits: the update's outputs). */
  next: TrainerState
  /** The Merkle proof of entry `index`. */
  proof: (index: number) => Hex[]
  /** With `keep`: a copy of every output, by root index (layout.ts: the batch's two first, then one per entry). */
  tensors: Float32Array[]
}

/** keccak256(abi.encode(uint8 code, uint32 layer, bytes32[] roots)): one entry as an item of the trace tree. */
export function entryItem(entry: Pick<TraceEntry, 'name' | 'layer' | 'roots'>): Hex {
  return keccak256(
    encodeAbiParameters(
      [{ type: 'uint8' }, { type: 'uint32' }, { type: 'bytes32[]' }],
      [OP_CODES[entry.name], entry.layer, entry.roots],
    ),
  )
}

/** Re-runs the step after `state` and records every operation before the update. */
export type TraceOptions = {
  /** Keep a copy of every output (`StepTrace.tensors`). */
  keep?: boolean
  /** Called on each operation's live outputs before they are recorded (tests inject a faulty provider's errors). */
  tamper?: OnOp | undefined
}

export function traceStep(spec: MlpSpec, data: Dataset, state: TrainerState, options: TraceOptions = {}): StepTrace {
  const entries: TraceEntry[] = []
  const tensors: Float32Array[] = []
  const trainer = createMlpTrainer(spec, data, {
    resume: state,
    onOp: (name, layer, outputs) => {
      options.tamper?.(name, layer, outputs)
      if (name === 'update') return
      entries.push({ index: entries.length, name, layer, roots: outputs.map(tensorRoot) })
      if (options.keep) for (const t of outputs) tensors.push(Float32Array.from(t))
    },
  })
  trainer.step()
  const tree = itemTree(entries.map(entryItem))
  return { entries, root: tree.root, next: trainer.snapshot(), proof: tree.proof, tensors }
}

/**
 * The first entry where two traces of the same step differ; `entries.length` when the entries agree but the next
 * states differ (the update); undefined when they agree throughout.
 */
export function firstDifference(a: StepTrace, b: StepTrace): number | undefined {
  const n = Math.max(a.entries.length, b.entries.length)
  for (let i = 0; i < n; i++) {
    const x = a.entries[i]
    const y = b.entries[i]
    if (!x || !y || entryItem(x) !== entryItem(y)) return i
  }
  return stateHash(a.next) !== stateHash(b.next) ? n : undefined
}

/** Whether `proof` shows `entry` in the trace under `root`. */
export const verifyTraceEntry = (root: Hex, entry: TraceEntry, proof: readonly Hex[]) =>
  verifyItem(root, entry.index, entryItem(entry), proof)
