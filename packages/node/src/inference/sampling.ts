/**
 * Sampling the next token from a probability vector: temperature, nucleus (top-p), and a seeded PRNG so that a
 * request with `seed` is reproducible (as OpenAI's API documents `seed`).
 */

/** mulberry32: a tiny, fast 32-bit PRNG; plenty for sampling, never for keys. Returns floats in [0, 1). */
export function createRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * Picks an index from `probabilities` (non-negative, any scale). Temperature 0 is greedy (the most likely index,
 * lowest index on ties); otherwise the probabilities are sharpened or flattened by 1/temperature and cut to the
 * smallest set whose mass reaches `topP`.
 */
export function sample(probabilities: ArrayLike<number>, temperature: number, topP: number, random: () => number) {
  const n = probabilities.length
  if (n === 0) throw new RangeError('cannot sample from an empty distribution')
  if (temperature <= 0) {
    let best = 0
    for (let i = 1; i < n; i++) if ((probabilities[i] as number) > (probabilities[best] as number)) best = i
    return best
  }
  const weights = new Float64Array(n)
  let total = 0
  for (let i = 0; i < n; i++) {
    const p = Math.max(probabilities[i] as number, 0)
    const w = temperature === 1 ? p : p ** (1 / temperature)
    weights[i] = Number.isFinite(w) ? w : 0
    total += weights[i] as number
  }
  if (!(total > 0)) return sample(probabilities, 0, 1, random)
  let order: number[] | undefined
  let limit = total
  if (topP < 1) {
    order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (weights[b] as number) - (weights[a] as number))
    let mass = 0
    let kept = 0
    while (kept < n && mass < topP * total) mass += weights[order[kept++] as number] as number
    order = order.slice(0, Math.max(kept, 1))
    limit = mass
  }
  let r = random() * limit
  const indices = order ?? Array.from({ length: n }, (_, i) => i)
  for (const i of indices) {
    r -= weights[i] as number
    if (r < 0) return i
  }
  return indices[indices.length - 1] as number
}
