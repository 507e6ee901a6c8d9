/**
 * Graded `digits` models: the same 784→16→10 perceptron trained on fewer MNIST samples, so their quality differs
 * by construction (more data, better model). They exist so that an incentive subnet can be run and measured with
 * miners of known, different true quality. Each trains in a fraction of a second, deterministically (seeded), so
 * the same id always gives the same ONNX bytes and its weights can be checked by anyone.
 */

import { artifact } from '../src/artifacts.ts'
import { mlpToOnnx } from '../src/onnx.ts'
import { accuracy, train } from './train.ts'

/** Graded ids and the number of training samples each learns from (spread evenly over the training split). */
export const gradedDigits = {
  'digits-100': 100,
  'digits-200': 200,
  'digits-1000': 1000,
} as const

export type GradedDigitsId = keyof typeof gradedDigits

export const isGradedDigits = (id: string): id is GradedDigitsId => Object.hasOwn(gradedDigits, id)

import { heldOutSplit } from '../src/heldOut.ts'

const digits = heldOutSplit

/** Trains graded model `id`: its ONNX bytes and its accuracy on the held-out test split. */
export function trainGradedDigits(id: GradedDigitsId): { onnx: Uint8Array; testAccuracy: number } {
  const { train: all, test } = digits()
  const n = gradedDigits[id]
  const step = Math.floor(all.length / n)
  const subset = all.filter((_, i) => i % step === 0).slice(0, n)
  const layers = train(subset, { hidden: 16, epochs: 8, learningRate: 0.1, batch: 32, seed: 20261125 })
  const testAccuracy = accuracy(layers, test)
  const onnx = mlpToOnnx(layers, {
    name: id,
    metadata: {
      testAccuracy: testAccuracy.toFixed(4),
      description: `MNIST digit classifier trained on ${n} samples (graded model; test accuracy ${(testAccuracy * 100).toFixed(1)}%)`,
    },
  })
  return { onnx, testAccuracy }
}

/** The ONNX bytes of graded model `id`, from the built artifacts (trained now only when they are not built yet). */
export function gradedDigitsOnnx(id: GradedDigitsId): Uint8Array {
  return artifact(`${id}.onnx`, () => trainGradedDigits(id).onnx)
}
