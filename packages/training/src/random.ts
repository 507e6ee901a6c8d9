/**
 * The engine's seeded random numbers, **counter-based** (like JAX's Threefry or Philox): value i of a stream is a
 * hash of (seed, stream, i), not the i-th state of a sequential generator. That is what lets a contract recompute any
 * one of them directly — one initial weight, or the example at one position of the data order — when a dispute
 * narrows down to it (docs/training.md). Only 32-bit integer operations and `Math.imul`, so every engine and the
 * Solidity referee (`contracts/src/training/TrainingRandom.sol`) give the same words; floats are built from the top 24
 * bits, exactly.
 *
 * - `hash32` is Wellons' lowbias32 integer hash (a bijection on 32-bit words with low bias);
 * - a stream's key is hash32(seed ⊕ hash32(stream + φ)) with φ = 0x9e3779b9; word i is hash32(hash32(i ⊕ key) + key);
 * - the data order is a keyed permutation per epoch: a 4-round Feistel network on the smallest even number of bits
 *   that covers the examples, walking the cycle until it lands on an example (at most ~4 rounds of walking expected).
 */

const PHI = 0x9e3779b9

/** Wellons' lowbias32: a bijective 32-bit integer hash. */
export function hash32(x: number): number {
  x >>>= 0
  x = (x ^ (x >>> 16)) >>> 0
  x = Math.imul(x, 0x7feb352d) >>> 0
  x = (x ^ (x >>> 15)) >>> 0
  x = Math.imul(x, 0x846ca68b) >>> 0
  return (x ^ (x >>> 16)) >>> 0
}

/** The key of `stream` under `seed` (both 32-bit words). */
export function streamKey(seed: number, stream: number): number {
  return hash32((seed ^ hash32((stream + PHI) >>> 0)) >>> 0)
}

/** Word `counter` of the stream with key `key`. */
export function randomWord(key: number, counter: number): number {
  return hash32((hash32((counter ^ key) >>> 0) + key) >>> 0)
}

/** A binary32 number in [0, 1) from a word: its top 24 bits times 2^−24 (exact). */
export const unitFloat32 = (word: number) => (word >>> 8) * 2 ** -24

/** Streams the engine draws from (stable: committed jobs depend on them). */
export const STREAMS = {
  /** Stream t initialises parameter tensor t (`INIT + t`). */
  INIT: 0,
  /** Epoch e of the data order uses streams `ORDER + 4e … ORDER + 4e + 3` as its Feistel round keys. */
  ORDER: 0x4000_0000,
} as const

/**
 * Example index at `position` of the data order (position p is row p mod batch of step ⌊p / batch⌋): epoch
 * ⌊p / count⌋ permutes the `count` examples with its own keys, so every example is seen once per epoch.
 */
export function exampleAt(seed: number, count: number, position: number): number {
  if (!Number.isInteger(count) || count < 1 || count > 2 ** 31)
    throw new RangeError(`count must be 1..2^31, got ${count}`)
  if (!Number.isSafeInteger(position) || position < 0) throw new RangeError(`position ${position} is not an index`)
  const epoch = Math.floor(position / count)
  return permute(seed, epoch, count, position - epoch * count)
}

/** The Feistel permutation of epoch `epoch` over [0, count), applied to `index`. */
export function permute(seed: number, epoch: number, count: number, index: number): number {
  if (count === 1) return 0
  let bits = 2
  while (2 ** bits < count) bits++
  const half = Math.ceil(bits / 2)
  const mask = 2 ** half - 1
  const stream = (STREAMS.ORDER + 4 * epoch) >>> 0
  const keys = [0, 1, 2, 3].map((r) => streamKey(seed, (stream + r) >>> 0))
  let x = index
  do {
    let left = Math.floor(x / 2 ** half)
    let right = x & mask
    for (const key of keys) {
      const next = (left ^ (randomWord(key, right) & mask)) >>> 0
      left = right
      right = next
    }
    x = left * 2 ** half + right
  } while (x >= count)
  return x
}

export type Random = {
  /** The next 32-bit unsigned integer. */
  u32: () => number
  /** A binary32 number in [0, 1): a multiple of 2^−24. */
  float32: () => number
  /** An integer in [0, n), without modulo bias (n from 1 to 2^32). */
  below: (n: number) => number
}

/** A sequential view of stream `stream` under `seed` (words 0, 1, 2, …): for tests and tools, not for training. */
export function createRandom(seed: number, stream = 0): Random {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new RangeError(`seed must be an integer from 0 to 2^32 − 1, got ${seed}`)
  }
  const key = streamKey(seed, stream)
  let counter = 0
  const u32 = () => randomWord(key, counter++ >>> 0)
  return {
    u32,
    float32: () => unitFloat32(u32()),
    below(n) {
      if (!Number.isInteger(n) || n < 1 || n > 2 ** 32) throw new RangeError(`n must be from 1 to 2^32, got ${n}`)
      // Reject the top partial range so every value is equally likely.
      const limit = 2 ** 32 - (2 ** 32 % n)
      for (;;) {
        const x = u32()
        if (x < limit) return x % n
      }
    },
  }
}
