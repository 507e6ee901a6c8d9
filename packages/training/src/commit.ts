/**
 * What a training job commits to (issue #15, part 2; docs/training.md "Commitments"):
 * - a **state hash** per step: keccak256 over the step count, the Merkle roots of the parameter tensors and of the
 *   optimizer's slots (merkle.ts: one element provable under them) and the optimizer's scalars — everything the next
 *   step depends on (the data order is a function of the seed and the step, random.ts);
 * - a **checkpoint root**: a Merkle root over the state hashes every C steps, so one checkpoint can be proven to a
 *   contract with a log₂ proof; the contract rebuilds it from the posted hashes, so it cannot disagree with them;
 * - a **dataset root**: a Merkle root over the examples (keccak256 of each example's binary32 features and label), so
 *   one example can be proven on chain.
 * All three are merkle.ts item trees (sha256, leaf i = sha256(uint32 i ‖ item)): one proof format for everything.
 */
import { encodeAbiParameters, encodePacked, type Hex, keccak256 } from 'viem'
import { bitsOf32 } from './f32.ts'
import { itemTree, type TensorTree, tensorRoot, verifyItem } from './merkle.ts'
import type { Dataset, TrainerState } from './mlp.ts'

/** The opened form of a state hash: every tensor root and scalar the contract needs to check one element. */
export type StateOpening = {
  steps: bigint
  paramRoots: Hex[]
  optimizerStep: bigint
  beta1Power: number
  beta2Power: number
  /** Slot roots, tensor by tensor (SGD: velocity; Adam: first moment, second moment). */
  slotRoots: Hex[]
}

export function openState(state: TrainerState): StateOpening {
  const o = state.optimizer
  return {
    steps: BigInt(state.steps),
    paramRoots: state.params.map(tensorRoot),
    optimizerStep: BigInt(o.step),
    beta1Power: bitsOf32(o.beta1Power),
    beta2Power: bitsOf32(o.beta2Power),
    slotRoots: o.slots.flat().map(tensorRoot),
  }
}

/** The parts of a state hash: keccak256 of the parameter roots, and of the optimizer's scalars and slot roots. */
export function openingParts(o: StateOpening): { params: Hex; optimizer: Hex } {
  return {
    params: keccak256(encodeAbiParameters([{ type: 'bytes32[]' }], [o.paramRoots])),
    optimizer: keccak256(
      encodeAbiParameters(
        [{ type: 'uint64' }, { type: 'uint32' }, { type: 'uint32' }, { type: 'bytes32[]' }],
        [o.optimizerStep, o.beta1Power, o.beta2Power, o.slotRoots],
      ),
    ),
  }
}

/** keccak256(abi.encode(uint64 steps, bytes32 params, bytes32 optimizer)) of an opened state. */
export function openingHash(o: StateOpening): Hex {
  const parts = openingParts(o)
  return keccak256(
    encodeAbiParameters(
      [{ type: 'uint64' }, { type: 'bytes32' }, { type: 'bytes32' }],
      [o.steps, parts.params, parts.optimizer],
    ),
  )
}

/**
 * keccak256(abi.encode(uint64 steps, bytes32 params, bytes32 optimizer)): the parameters as
 * keccak256(abi.encode(bytes32[] tensor roots)), the optimizer as keccak256(abi.encode(uint64 step, uint32 β₁^t bits,
 * uint32 β₂^t bits, bytes32[] slot roots)), tensor roots as merkle.ts builds them.
 */
export const stateHash = (state: TrainerState): Hex => openingHash(openState(state))

/** `count` checkpoints (the state before step 1 is checkpoint 0) and the proof of each. */
export type CheckpointTree = TensorTree

/** The Merkle tree over checkpoint state hashes, in order (`hashes[i]` is checkpoint i). */
export const checkpointTree = (hashes: readonly Hex[]): CheckpointTree => itemTree(hashes)

/** Whether `proof` shows checkpoint `index` has `hash` under `root` (what the contract checks). */
export const verifyCheckpoint = verifyItem

const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1

/** The binary32 values as bytes, little-endian. */
export function float32Bytes(values: Float32Array): Uint8Array {
  if (littleEndian) return new Uint8Array(values.buffer, values.byteOffset, values.byteLength).slice()
  const out = new Uint8Array(values.length * 4)
  const view = new DataView(out.buffer)
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i] as number, true)
  return out
}

/** Example `index`'s features (width per example) as bytes, little-endian binary32. */
export const exampleFeatures = (data: Dataset, index: number, width: number) =>
  float32Bytes(data.inputs.subarray(index * width, (index + 1) * width))

/** keccak256(features ‖ uint32 label big-endian): example `index`'s item in the dataset tree. */
export function exampleHash(data: Dataset, index: number, width: number): Hex {
  const features = `0x${Buffer.from(exampleFeatures(data, index, width)).toString('hex')}` as Hex
  return keccak256(encodePacked(['bytes', 'uint32'], [features, Number(data.labels[index] ?? 0)]))
}

export type DatasetTree = TensorTree

/** The Merkle tree over a dataset's examples (rows of `width` features), in order. */
export function datasetTree(data: Dataset, width: number): DatasetTree {
  if (data.count < 1 || data.inputs.length !== data.count * width)
    throw new RangeError(`the data has ${data.inputs.length} features, not ${data.count}×${width}`)
  return itemTree(Array.from({ length: data.count }, (_, i) => exampleHash(data, i, width)))
}

/** Whether `proof` shows example `index` with `features` and `label` under the dataset `root`. */
export function verifyExample(root: Hex, index: number, features: Hex, label: number, proof: readonly Hex[]): boolean {
  return verifyItem(root, index, keccak256(encodePacked(['bytes', 'uint32'], [features, label])), proof)
}
