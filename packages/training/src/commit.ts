/**
 * What a training job commits to (issue #15, part 2; docs/training.md "Commitments"):
 * - a **state hash** per step: keccak256 over the step count, the Merkle roots of the parameter tensors and of the
 *   optimizer's slots (merkle.ts: one element provable under them), the optimizer's scalars and a hash of the data
 *   order (permutation, position, generator) — everything the next step depends on;
 * - a **checkpoint root**: a Merkle root over the state hashes every C steps, so one checkpoint can be proven to a
 *   contract with log₂ proof;
 * - a **dataset root**: a Merkle root over the examples (index, keccak256 of the binary32 features, label), so one
 *   example can be proven on chain.
 * The Merkle trees are OpenZeppelin's standard trees (`@openzeppelin/merkle-tree`: double-hashed ABI-encoded leaves,
 * sorted pairs), which OpenZeppelin's `MerkleProof` verifies in Solidity.
 */
import { StandardMerkleTree } from '@openzeppelin/merkle-tree'
import { encodeAbiParameters, type Hex, keccak256 } from 'viem'
import { bitsOf32 } from './f32.ts'
import { type IndexedTree, indexedTree, tensorRoot } from './merkle.ts'
import { type Dataset, type TrainerState, tensorsHash } from './mlp.ts'

/** The parts of a state hash, each a keccak256 (see {@link stateHash}). */
export function stateParts(state: TrainerState): { params: Hex; optimizer: Hex; data: Hex } {
  const o = state.optimizer
  return {
    params: keccak256(encodeAbiParameters([{ type: 'bytes32[]' }], [state.params.map(tensorRoot)])),
    optimizer: keccak256(
      encodeAbiParameters(
        [{ type: 'uint64' }, { type: 'uint32' }, { type: 'uint32' }, { type: 'bytes32[]' }],
        [BigInt(o.step), bitsOf32(o.beta1Power), bitsOf32(o.beta2Power), o.slots.flat().map(tensorRoot)],
      ),
    ),
    data: keccak256(
      encodeAbiParameters(
        [{ type: 'uint32' }, { type: 'uint32[4]' }, { type: 'bytes32' }],
        [state.cursor, state.random, tensorRoot(state.order)],
      ),
    ),
  }
}

/**
 * keccak256(abi.encode(uint64 steps, bytes32 params, bytes32 optimizer, bytes32 data)): the parameters as
 * keccak256(abi.encode(bytes32[] tensor roots)), the optimizer as keccak256(abi.encode(uint64 step, uint32 β₁^t bits,
 * uint32 β₂^t bits, bytes32[] slot roots)) — tensor roots as merkle.ts builds them — and the data order as
 * keccak256(abi.encode(uint32 cursor, uint32[4] generator, bytes32 tensor root of the permutation)), so one batch
 * row's example index can be proven.
 */
export function stateHash(state: TrainerState): Hex {
  const parts = stateParts(state)
  return keccak256(
    encodeAbiParameters(
      [{ type: 'uint64' }, { type: 'bytes32' }, { type: 'bytes32' }, { type: 'bytes32' }],
      [BigInt(state.steps), parts.params, parts.optimizer, parts.data],
    ),
  )
}

/** A checkpoint leaf: (index, state hash); checkpoint i is the state after i · every steps. */
export const CHECKPOINT_LEAF = ['uint256', 'bytes32'] as const

/** `count` checkpoints (the state before step 1 is checkpoint 0) and the proof of each. */
export type CheckpointTree = IndexedTree

/** The Merkle tree over checkpoint state hashes, in order (`hashes[i]` is checkpoint i). */
export function checkpointTree(hashes: readonly Hex[]): CheckpointTree {
  return indexedTree(
    hashes.map((h, i) => [BigInt(i), h]),
    CHECKPOINT_LEAF,
    'checkpoint',
  )
}

/** Whether `proof` shows checkpoint `index` has `hash` under `root` (what the contract's MerkleProof checks). */
export function verifyCheckpoint(root: Hex, index: number, hash: Hex, proof: readonly Hex[]): boolean {
  return StandardMerkleTree.verify(root, [...CHECKPOINT_LEAF], [BigInt(index), hash], [...proof])
}

/** A dataset leaf: (index, keccak256 of the example's binary32 features little-endian, label). */
export const EXAMPLE_LEAF = ['uint256', 'bytes32', 'uint256'] as const

/** keccak256 of example `index`'s features (width = inputs per example). */
export function exampleHash(data: Dataset, index: number, width: number): Hex {
  return tensorsHash([data.inputs.subarray(index * width, (index + 1) * width)])
}

export type DatasetTree = IndexedTree

/** The Merkle tree over a dataset's examples (rows of `width` features), in order. */
export function datasetTree(data: Dataset, width: number): DatasetTree {
  if (data.count < 1 || data.inputs.length !== data.count * width)
    throw new RangeError(`the data has ${data.inputs.length} features, not ${data.count}×${width}`)
  return indexedTree(
    Array.from({ length: data.count }, (_, i) => [BigInt(i), exampleHash(data, i, width), BigInt(data.labels[i] ?? 0)]),
    EXAMPLE_LEAF,
    'example',
  )
}

/** Whether `proof` shows example `index` (its features' hash and label) under the dataset `root`. */
export function verifyExample(root: Hex, index: number, features: Hex, label: number, proof: readonly Hex[]): boolean {
  return StandardMerkleTree.verify(root, [...EXAMPLE_LEAF], [BigInt(index), features, BigInt(label)], [...proof])
}
