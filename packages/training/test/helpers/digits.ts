/** The real MNIST digits of the `mnist` package as the engine's datasets (train and held-out test), loaded once. */
import { loadDigits } from '../../../../models/digits/train.ts'
import { type Dataset, datasetOf } from '../../src/index.ts'

let cached: { train: Dataset; test: Dataset } | undefined
export function digits(): { train: Dataset; test: Dataset } {
  if (!cached) {
    const split = loadDigits()
    cached = { train: datasetOf(split.train, 784), test: datasetOf(split.test, 784) }
  }
  return cached
}
