/**
 * The trace of one training step, built lazily — only when a dispute needs it — by re-running the step from a
 * snapshot (docs/training.md, "The dispute game"). Each operation of the step (mlp.ts `OpName`) becomes an entry
 * with the tensor roots (merkle.ts) of what it wrote; the trace root is an OpenZeppelin standard Merkle tree over
 * (index, operation code, layer, keccak256(abi.encode(bytes32[] output roots))), so a provider commits to a step's
 * whole trace at once and a challenger proves the first entry where the two traces part.
 */
import { StandardMerkleTree } from '@openzeppelin/merkle-tree'
import { encodeAbiParameters, type Hex, keccak256 } from 'viem'
import { indexedTree, tensorRoot } from './merkle.ts'
import { createMlpTrainer, type Dataset, type MlpSpec, type OpName, type TrainerState } from './mlp.ts'

/** Operation codes in trace leaves (stable: committed traces depend on them). */
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

export const TRACE_LEAF = ['uint256', 'uint8', 'uint32', 'bytes32'] as const

export type TraceEntry = { index: number; name: OpName; layer: number; roots: Hex[] }

export type StepTrace = {
  entries: TraceEntry[]
  /** The trace's Merkle root. */
  root: Hex
  /** The state after the step (what the next state hash commits). */
  next: TrainerState
  /** The Merkle proof of entry `index`. */
  proof: (index: number) => Hex[]
}

/** keccak256(abi.encode(bytes32[] roots)): an entry's outputs in one word. */
export function outputsHash(roots: readonly Hex[]): Hex {
  return keccak256(encodeAbiParameters([{ type: 'bytes32[]' }], [roots]))
}

/** Re-runs the step after `state` and records every operation. */
export function traceStep(spec: MlpSpec, data: Dataset, state: TrainerState): StepTrace {
  const entries: TraceEntry[] = []
  const trainer = createMlpTrainer(spec, data, {
    resume: state,
    onOp: (name, layer, outputs) => {
      entries.push({ index: entries.length, name, layer, roots: outputs.map(tensorRoot) })
    },
  })
  trainer.step()
  const tree = indexedTree(
    entries.map((e) => [BigInt(e.index), OP_CODES[e.name], e.layer, outputsHash(e.roots)]),
    TRACE_LEAF,
    'trace entry',
  )
  return { entries, root: tree.root, next: trainer.snapshot(), proof: tree.proof }
}

/** The first entry where two traces of the same step differ (undefined when they agree throughout). */
export function firstDifference(a: StepTrace, b: StepTrace): number | undefined {
  const n = Math.max(a.entries.length, b.entries.length)
  for (let i = 0; i < n; i++) {
    const x = a.entries[i]
    const y = b.entries[i]
    if (!x || !y || x.name !== y.name || x.layer !== y.layer || outputsHash(x.roots) !== outputsHash(y.roots)) return i
  }
  return undefined
}

/** Whether `proof` shows `entry` in the trace under `root`. */
export function verifyTraceEntry(root: Hex, entry: TraceEntry, proof: readonly Hex[]): boolean {
  return StandardMerkleTree.verify(
    root,
    [...TRACE_LEAF],
    [BigInt(entry.index), OP_CODES[entry.name], entry.layer, outputsHash(entry.roots)],
    [...proof],
  )
}
