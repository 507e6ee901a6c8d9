/**
 * The engine's seeded random numbers: xoshiro128** (Blackman and Vigna) on 32-bit integers, seeded from one 32-bit
 * seed through splitmix32, so weight initialisation and data shuffling are the same on every engine (only integer
 * operations and `Math.imul`; floats are built from the top 24 bits, exactly).
 */

export type Random = {
  /** The next 32-bit unsigned integer. */
  u32: () => number
  /** A binary32 number in [0, 1): a multiple of 2^−24. */
  float32: () => number
  /** An integer in [0, n), without modulo bias (n from 1 to 2^32). */
  below: (n: number) => number
  /** The four state words: `randomFromState(r.state())` continues the same sequence. */
  state: () => [number, number, number, number]
}

function splitmix32(state: number): () => number {
  let s = state >>> 0
  return () => {
    s = (s + 0x9e3779b9) >>> 0
    let z = s
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0
    return (z ^ (z >>> 16)) >>> 0
  }
}

const rotl = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0

export function createRandom(seed: number): Random {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new RangeError(`seed must be an integer from 0 to 2^32 − 1, got ${seed}`)
  }
  const next = splitmix32(seed)
  return randomFromState([next(), next(), next(), next()])
}

/** The generator from its four state words (tests check it against the reference sequence). */
export function randomFromState(state: readonly [number, number, number, number]): Random {
  let [a, b, c, d] = state.map((x) => x >>> 0) as [number, number, number, number]
  if ((a | b | c | d) === 0) a = 1 // the all-zero state is the one xoshiro cannot leave
  const u32 = () => {
    const result = Math.imul(rotl(Math.imul(b, 5) >>> 0, 7), 9) >>> 0
    const t = (b << 9) >>> 0
    c ^= a
    d ^= b
    b ^= c
    a ^= d
    c ^= t
    d = rotl(d, 11)
    a >>>= 0
    b >>>= 0
    c >>>= 0
    return result
  }
  return {
    u32,
    state: () => [a >>> 0, b >>> 0, c >>> 0, d >>> 0],
    float32: () => (u32() >>> 8) * 2 ** -24,
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

/** Shuffles `items` in place (Fisher–Yates, from the end), deterministically for a given `random`. */
export function shuffle<T>(items: T[] | Uint32Array, random: Random): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = random.below(i + 1)
    const t = items[i] as T
    items[i] = items[j] as T
    items[j] = t as never
  }
}
