/**
 * Sampling the next token from a probability vector: temperature, nucleus (top-p), and a seeded PRNG so that a
 * request with `seed` is reproducible (as OpenAI's API documents `seed`).
 */

/** The seeded PRNG of a request's `seed` (the generator training uses too). */
export { mulberry32 as createRandom } from '@mycel/models'

/**
 * Picks an index from `probabilities` (non-negative, any scale). Temperature 0 is greedy (the most likely index,
 * lowest index on ties); otherwise the probabilities are sharpened or flattened by 1/temperature and cut to the
 * smallest set whose mass reaches `topP`. `scratch` (at least as long as `probabilities`) avoids an allocation per
 * token on the generation path.
 */
export function sample(
  probabilities: ArrayLike<number>,
  temperature: number,
  topP: number,
  random: () => number,
  scratch: Float64Array = new Float64Array(probabilities.length),
): number {
  const n = probabilities.length
  if (n === 0) throw new RangeError('cannot sample from an empty distribution')
  if (temperature <= 0) return argmax(probabilities)
  const weights = scratch
  const exponent = 1 / temperature
  let total = 0
  for (let i = 0; i < n; i++) {
    const p = Math.max(probabilities[i] as number, 0)
    const w = exponent === 1 ? p : p ** exponent
    const finite = Number.isFinite(w) ? w : 0
    weights[i] = finite
    total += finite
  }
  if (!(total > 0)) return argmax(probabilities)
  if (topP >= 1) {
    let r = random() * total
    for (let i = 0; i < n; i++) {
      r -= weights[i] as number
      if (r < 0) return i
    }
    // Rounding left a sliver: the last index with weight.
    for (let i = n - 1; i >= 0; i--) if ((weights[i] as number) > 0) return i
    return n - 1
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (weights[b] as number) - (weights[a] as number))
  let mass = 0
  let kept = 0
  while (kept < n && mass < topP * total) mass += weights[order[kept++] as number] as number
  kept = Math.max(kept, 1)
  let r = random() * mass
  for (let k = 0; k < kept; k++) {
    const i = order[k] as number
    r -= weights[i] as number
    if (r < 0) return i
  }
  return order[kept - 1] as number
}

function argmax(values: ArrayLike<number>): number {
  let best = 0
  for (let i = 1; i < values.length; i++) if ((values[i] as number) > (values[best] as number)) best = i
  return best
}
