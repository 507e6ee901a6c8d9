/**
 * Merkle trees over tensors, for proving one element of a committed tensor to a contract (the dispute game's last
 * step, docs/training.md). A tensor (binary32, or uint32 such as the data order) is cut into 32-byte chunks of eight
 * 32-bit values, little-endian (the last chunk zero-padded); leaf i = sha256(uint32 i big-endian ‖ chunk i), so a proof binds the element's position; a node
 * is sha256 of its two children in ascending order (commutative), so a proof needs no left/right bits and
 * OpenZeppelin's `MerkleProof.processProof(proof, leaf, hasher)` verifies it with a sha256 hasher. SHA-256, not
 * keccak256: committing a state hashes every element at every checkpoint, and SHA-256 is native in Node (~2 µs per
 * node) and a precompile on chain (72 gas per node), where keccak256 in JavaScript is ~5× slower.
 *
 * The tree is built level by level; a level's odd last node moves up unchanged. `itemTree` builds the same tree over
 * 32-byte items (checkpoint state hashes, trace entries, examples), so everything the dispute game proves uses one
 * proof format.
 */
import { hash } from 'node:crypto'
import type { Hex } from 'viem'

export const VALUES_PER_CHUNK = 8

const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1
const sha256 = (data: Uint8Array): Uint8Array => hash('sha256', data, 'buffer') as unknown as Uint8Array
const hex = (bytes: Uint8Array): Hex => `0x${Buffer.from(bytes).toString('hex')}`

/** sha256 of the two 32-byte nodes in ascending byte order. */
function nodeHash(a: Uint8Array, b: Uint8Array, scratch: Uint8Array): Uint8Array {
  const aFirst = Buffer.compare(a, b) <= 0
  scratch.set(aFirst ? a : b, 0)
  scratch.set(aFirst ? b : a, 32)
  return sha256(scratch)
}

/** 32-bit values a tree can hold: binary32 tensors, and uint32 arrays such as the data order. */
export type Words = Float32Array | Uint32Array

/** The canonical quiet NaN, what every NaN of a binary32 tensor is committed as (the referee's NaN). */
export const CANONICAL_NAN = 0x7fc00000

/**
 * A tensor's 32-bit words as committed: a binary32 tensor's NaNs (whatever their sign and payload, which JavaScript
 * engines do not pin down) become the canonical NaN, so the commitment of a value is the same on every engine and the
 * referee compares bits.
 */
function wordsOf(values: Words): Uint32Array {
  const words = new Uint32Array(values.buffer, values.byteOffset, values.length)
  if (!(values instanceof Float32Array)) return words
  let nan = -1
  for (let i = 0; i < words.length; i++) {
    if (((words[i] as number) & 0x7fffffff) > 0x7f800000) {
      nan = i
      break
    }
  }
  if (nan < 0) return words
  const canonical = Uint32Array.from(words)
  for (let i = nan; i < canonical.length; i++) {
    if (((canonical[i] as number) & 0x7fffffff) > 0x7f800000) canonical[i] = CANONICAL_NAN
  }
  return canonical
}

/** The chunk of eight values that holds `values[8i … 8i+7]`, each 32-bit word little-endian, zero-padded. */
export function chunkOf(values: Words, chunk: number): Uint8Array {
  const words = wordsOf(values.subarray(chunk * VALUES_PER_CHUNK, (chunk + 1) * VALUES_PER_CHUNK) as Words)
  const out = new Uint8Array(32)
  const view = new DataView(out.buffer)
  for (let j = 0; j < words.length; j++) view.setUint32(j * 4, words[j] as number, true)
  return out
}

/** Leaf `index`: sha256(uint32 index big-endian ‖ chunk). */
export function chunkLeaf(index: number, chunk: Uint8Array): Uint8Array {
  const data = new Uint8Array(36)
  new DataView(data.buffer).setUint32(0, index)
  data.set(chunk, 4)
  return sha256(data)
}

export type TensorTree = {
  root: Hex
  /** Number of chunks (leaves). */
  chunks: number
  /** The Merkle proof of chunk `index` (siblings from the leaf up). */
  proof: (index: number) => Hex[]
  /** The root's level (0 for one chunk). */
  height: number
  /** Nodes `first` … `first + count − 1` of `level` (0: the leaves), clipped to those that exist. */
  nodes: (level: number, first: number, count: number) => Hex[]
}

/** The Merkle tree of one tensor (a tensor of no values has one zero chunk). */
export function tensorTree(values: Words): TensorTree {
  const words = wordsOf(values)
  const chunks = Math.max(1, Math.ceil(values.length / VALUES_PER_CHUNK))
  // Leaves from one reused buffer: the index, then the chunk's values written little-endian in place.
  const data = new Uint8Array(36)
  const index = new DataView(data.buffer)
  const chunkWords = new Uint32Array(data.buffer, 4, VALUES_PER_CHUNK)
  const leaves: Uint8Array[] = []
  for (let c = 0; c < chunks; c++) {
    index.setUint32(0, c)
    if (littleEndian && (c + 1) * VALUES_PER_CHUNK <= values.length) {
      chunkWords.set(words.subarray(c * VALUES_PER_CHUNK, (c + 1) * VALUES_PER_CHUNK))
    } else data.set(chunkOf(values, c), 4)
    leaves.push(sha256(data))
  }
  return treeOf(leaves)
}

/**
 * The same tree over 32-byte items (state hashes, trace entries, examples' hashes): leaf i = sha256(uint32 i ‖ item),
 * exactly a tensor tree whose chunk i is item i, so one proof format — and one Solidity check — serves them all.
 */
export function itemTree(items: readonly Hex[]): TensorTree {
  if (items.length === 0) throw new RangeError('a tree needs at least one item')
  return treeOf(
    items.map((item, i) => {
      const bytes = Buffer.from(item.slice(2), 'hex')
      if (bytes.length !== 32) throw new RangeError(`item ${i} is not 32 bytes: ${item}`)
      return chunkLeaf(i, bytes)
    }),
  )
}

/** Whether `proof` shows `item` at `index` under `root`. */
export const verifyItem = (root: Hex, index: number, item: Hex, proof: readonly Hex[]) =>
  verifyChunk(root, index, Buffer.from(item.slice(2), 'hex'), proof)

/** Levels up from the leaves (a level's odd last node moves up unchanged), with range-checked proofs. */
function treeOf(leaves: Uint8Array[]): TensorTree {
  const chunks = leaves.length
  const levels: Uint8Array[][] = [leaves]
  const scratch = new Uint8Array(64)
  for (let level = levels[0] as Uint8Array[]; level.length > 1; ) {
    const up: Uint8Array[] = []
    for (let i = 0; i < level.length; i += 2) {
      const right = level[i + 1]
      up.push(right ? nodeHash(level[i] as Uint8Array, right, scratch) : (level[i] as Uint8Array))
    }
    levels.push(up)
    level = up
  }
  return {
    root: hex((levels.at(-1) as Uint8Array[])[0] as Uint8Array),
    chunks,
    height: levels.length - 1,
    nodes(level, first, count) {
      const at = levels[level]
      if (!at) throw new RangeError(`no level ${level} (0..${levels.length - 1})`)
      return at.slice(first, first + count).map(hex)
    },
    proof(index) {
      if (!Number.isInteger(index) || index < 0 || index >= chunks)
        throw new RangeError(`no chunk ${index} (0..${chunks - 1})`)
      const proof: Hex[] = []
      for (let l = 0, i = index; l < levels.length - 1; l++, i >>= 1) {
        const sibling = (levels[l] as Uint8Array[])[i ^ 1]
        if (sibling) proof.push(hex(sibling))
      }
      return proof
    },
  }
}

/** The root of one tensor's tree (no proofs kept). */
export function tensorRoot(values: Words): Hex {
  return tensorTree(values).root
}

/** Whether `proof` shows `chunk` at `index` under `root` (what a contract checks with a sha256 hasher). */
export function verifyChunk(root: Hex, index: number, chunk: Uint8Array, proof: readonly Hex[]): boolean {
  const scratch = new Uint8Array(64)
  let node = chunkLeaf(index, chunk)
  for (const sibling of proof) node = nodeHash(node, Buffer.from(sibling.slice(2), 'hex'), scratch)
  return hex(node) === root.toLowerCase()
}
