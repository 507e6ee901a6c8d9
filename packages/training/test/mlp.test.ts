/**
 * Training an MLP on the real MNIST digits of the `mnist` package with the engine: it learns, the same spec gives the
 * same bits (two trainers side by side, and a golden hash that ties the bits across runs and machines), and another
 * seed or optimizer gives other bits. Bad specs and data are refused with a sentence.
 */
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { loadDigits } from '../../../models/digits/train.ts'
import { accuracy, createMlpTrainer, type Dataset, datasetOf, type MlpSpec, tensorsHash } from '../src/index.ts'

let train: Dataset
let test: Dataset

const dataset = (samples: { pixels: Float32Array; label: number }[]): Dataset => datasetOf(samples, 784)

beforeAll(() => {
  const split = loadDigits()
  train = dataset(split.train)
  test = dataset(split.test)
})

const sgd: MlpSpec = {
  layers: [784, 32, 10],
  optimizer: { kind: 'sgd', learningRate: 0.05, momentum: 0.9 },
  batchSize: 32,
  seed: 7,
}

function run(spec: MlpSpec, steps: number) {
  const trainer = createMlpTrainer(spec, train)
  const losses = Array.from({ length: steps }, () => trainer.step())
  return { trainer, losses, hash: tensorsHash(trainer.params) }
}

describe('MLP on MNIST', () => {
  it('learns: the loss falls and held-out accuracy passes 80 % after 150 steps of SGD with momentum', () => {
    const { trainer, losses } = run(sgd, 150)
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
    expect(mean(losses.slice(-20))).toBeLessThan(mean(losses.slice(0, 20)) / 3)
    expect(accuracy(sgd, trainer.params, test)).toBeGreaterThan(0.8)
    expect(trainer.steps).toBe(150)
  })

  it('the same spec and data give the same bits; the golden hash ties them across runs', () => {
    const a = run(sgd, 60)
    const b = run(sgd, 60)
    expect(a.hash).toBe(b.hash)
    expect(a.losses).toEqual(b.losses)
    expect(tensorsHash(a.trainer.optimizer.slots.flat())).toBe(tensorsHash(b.trainer.optimizer.slots.flat()))
    expect(a.hash).toMatchInlineSnapshot(`"0x74828286c1f60ae6f9a95cb7a3e3334a7fe46adec397251ab115808c792fd37d"`)
  })

  it('another process gives the same bits (a fresh engine, JIT and heap)', () => {
    const here = import.meta.dirname
    const script = `
      import { loadDigits } from ${JSON.stringify(join(here, '../../../models/digits/train.ts'))}
      import { createMlpTrainer, tensorsHash } from ${JSON.stringify(join(here, '../src/index.ts'))}
      const { train } = loadDigits()
      const inputs = new Float32Array(train.length * 784)
      train.forEach((s, i) => { inputs.set(s.pixels, i * 784) })
      const data = { inputs, labels: Uint8Array.from(train.map((s) => s.label)), count: train.length }
      const trainer = createMlpTrainer(${JSON.stringify(sgd)}, data)
      for (let i = 0; i < 60; i++) trainer.step()
      process.stdout.write(tensorsHash(trainer.params))`
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
    })
    expect(out).toBe(run(sgd, 60).hash)
  })

  it('Adam learns too, deterministically, and a different seed or optimizer gives different bits', () => {
    const adam: MlpSpec = {
      ...sgd,
      optimizer: { kind: 'adam', learningRate: 0.002, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
    }
    const a = run(adam, 60)
    expect(run(adam, 60).hash).toBe(a.hash)
    expect(a.hash).not.toBe(run(sgd, 60).hash)
    expect(run({ ...sgd, seed: 8 }, 60).hash).not.toBe(run(sgd, 60).hash)
    expect(accuracy(adam, a.trainer.params, test)).toBeGreaterThan(0.75)
    expect(a.hash).toMatchInlineSnapshot(`"0xac9cca09c6aaabcdcd0a2833891112ed9ddc46acc8526e8dd09603bc221d9456"`)
  })

  it('refuses a bad spec or data with a sentence naming what is wrong', () => {
    expect(() => createMlpTrainer({ ...sgd, layers: [784] }, train)).toThrow(/layers must list at least/)
    expect(() => createMlpTrainer({ ...sgd, layers: [100, 10] }, train)).toThrow(/inputs, not 7996×100/)
    expect(() => createMlpTrainer({ ...sgd, batchSize: 0 }, train)).toThrow(/batchSize/)
    expect(() => createMlpTrainer({ ...sgd, layers: [784, 32, 5] }, train)).toThrow(/has label 5/)
    expect(() => createMlpTrainer({ ...sgd, optimizer: { ...sgd.optimizer, learningRate: 0 } }, train)).toThrow(
      /learningRate/,
    )
  })
})
