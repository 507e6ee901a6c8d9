/**
 * Synthetic disputes for the attack tests: a provider whose tensors are never materialised. The contracts only ever
 * see roots, revealed nodes and proofs, so a tensor of any allowed size can be stood in for by a *sparse* tree of the
 * right shape: the few leaves a dispute touches are real, every other subtree is a random hash. That plays a dispute
 * at full spec size (2^29 chunks) in milliseconds, to measure gas or reach elements a real run could not hold.
 */

import { hash } from 'node:crypto'
import { chunkLeaf } from '@mycel/training'
import { type Hex, keccak256, toHex } from 'viem'

const bytes = (h: Hex) => Buffer.from(h.slice(2), 'hex')
const hex = (b: Uint8Array): Hex => `0x${Buffer.from(b).toString('hex')}`

/** merkle.ts / TrainingMerkle: sha256 of the two nodes in ascending order. */
export function node(a: Hex, b: Hex): Hex {
  const x = bytes(a)
  const y = bytes(b)
  const pair = Buffer.compare(x, y) <= 0 ? Buffer.concat([x, y]) : Buffer.concat([y, x])
  return hex(hash('sha256', pair, 'buffer') as unknown as Uint8Array)
}

export const leaf = (index: number, chunk: Hex): Hex => hex(chunkLeaf(index, bytes(chunk)))

let counter = 0
/** A fresh pseudo-random 32-byte node (a subtree nobody opens). */
export const filler = (): Hex => keccak256(toHex(`filler ${counter++}`))

/** TrainingShapes.levelCount / height / descendants / hashUp. */
export function levelCount(chunks: number, level: number): number {
  let count = chunks
  for (let i = 0; i < level; i++) count = Math.ceil(count / 2)
  return count
}
export function height(chunks: number): number {
  let h = 0
  for (let count = chunks; count > 1; count = Math.ceil(count / 2)) h++
  return h
}
export function descendants(chunks: number, level: number, index: number, down: number) {
  const first = index * 2 ** down
  const available = levelCount(chunks, level - down)
  const end = first + 2 ** down
  return { first, count: Math.min(end, available) - first }
}
export function hashUp(nodes: readonly Hex[], down: number): Hex {
  let current = [...nodes]
  for (let step = 0; step < down; step++) {
    const up: Hex[] = []
    for (let q = 0; 2 * q < current.length; q++) {
      const right = current[2 * q + 1]
      up.push(right ? node(current[2 * q] as Hex, right) : (current[2 * q] as Hex))
    }
    current = up
  }
  return current[0] as Hex
}

/**
 * A descent path to chunk `leafIndex` of a tensor of `chunks` chunks: the root, and for each descent round (from the
 * top, 4 levels a round as TrainingDisputes.descend) the nodes the provider reveals and the index the challenger picks.
 */
export function descentPath(chunks: number, leafIndex: number, chunk: Hex) {
  const h = height(chunks)
  const levels = [h]
  for (let l = h; l > 0; ) {
    l -= Math.min(4, l)
    levels.push(l)
  }
  const rounds: { nodes: Hex[]; pick: number }[] = []
  let pathNode = leaf(leafIndex, chunk)
  for (let r = levels.length - 2; r >= 0; r--) {
    const up = levels[r] as number
    const low = levels[r + 1] as number
    const down = up - low
    const idxUp = Math.floor(leafIndex / 2 ** up)
    const idxLow = Math.floor(leafIndex / 2 ** low)
    const { first, count } = descendants(chunks, up, idxUp, down)
    const nodes = Array.from({ length: count }, (_, q) => (first + q === idxLow ? pathNode : filler()))
    pathNode = hashUp(nodes, down)
    rounds.unshift({ nodes, pick: idxLow - first })
  }
  return { root: pathNode, rounds }
}

/**
 * A sparse tree of `chunks` chunks whose leaves `first … first + chunksGiven.length − 1` are real (`first` aligned to
 * a power of two covering them); returns the root and each given chunk's proof (siblings from the leaf up).
 */
export function sparseTree(chunks: number, first: number, given: readonly Hex[]) {
  const n = given.length
  let span = 1
  while (span < n) span *= 2
  if (first % span !== 0) throw new RangeError('first must be aligned')
  // A real subtree over [first, first + span): the given leaves, then fillers up to the tensor's end.
  let level: Hex[] = []
  for (let i = 0; i < span && first + i < chunks; i++) level.push(i < n ? leaf(first + i, given[i] as Hex) : filler())
  const proofs: Hex[][] = given.map(() => [])
  let l = 0
  let base = first
  while (level.length > 1) {
    const up: Hex[] = []
    for (let q = 0; 2 * q < level.length; q++) {
      const right = level[2 * q + 1]
      up.push(right ? node(level[2 * q] as Hex, right) : (level[2 * q] as Hex))
    }
    for (let i = 0; i < n; i++) {
      const pos = Math.floor((first + i) / 2 ** l) - base
      const sib = level[pos ^ 1]
      if (sib) proofs[i]?.push(sib)
    }
    level = up
    l++
    base = Math.floor(base / 2)
  }
  let top = level[0] as Hex
  // Above the subtree: a filler sibling wherever the level has one.
  for (let idx = Math.floor(first / 2 ** l); l < height(chunks); l++, idx = Math.floor(idx / 2)) {
    if ((idx ^ 1) < levelCount(chunks, l)) {
      const sib = filler()
      for (const p of proofs) p.push(sib)
      top = node(top, sib)
    }
  }
  return { root: top, proofs }
}

/** Intrinsic gas of a transaction with `data` (EIP-2028), and the EIP-7623 floor; the EVM helper reports neither. */
export function intrinsicGas(data: Hex) {
  const b = bytes(data)
  let zeros = 0
  for (const x of b) if (x === 0) zeros++
  const nonzeros = b.length - zeros
  const standard = 21_000 + 4 * zeros + 16 * nonzeros
  const floor = 21_000 + 10 * (zeros + 4 * nonzeros)
  return { standard, floor }
}
