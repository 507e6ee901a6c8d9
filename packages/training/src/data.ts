/** Examples as a `Dataset`: rows of binary32 features (`width` per example) and their labels. */
import type { Dataset } from './mlp.ts'

export function datasetOf(samples: readonly { pixels: Float32Array; label: number }[], width: number): Dataset {
  const inputs = new Float32Array(samples.length * width)
  samples.forEach((s, i) => {
    if (s.pixels.length !== width) throw new RangeError(`example ${i} has ${s.pixels.length} features, not ${width}`)
    inputs.set(s.pixels, i * width)
  })
  return { inputs, labels: Uint8Array.from(samples.map((s) => s.label)), count: samples.length }
}
