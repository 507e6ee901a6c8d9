/**
 * What the engine trains, the miners serve: the trained MLP exported with the models' ONNX writer runs in
 * onnxruntime, which gives the engine's class probabilities within 1e-5 on held-out MNIST digits (onnxruntime sums in
 * its own order, with fused multiply-adds, so the bits may differ; the answers may not).
 */
import { InferenceSession, Tensor } from 'onnxruntime-node'
import { describe, expect, it } from 'vitest'
import { loadDigits } from '../../../models/digits/train.ts'
import { mlpToOnnx } from '../../../models/src/onnx.ts'
import { createMlpTrainer, type Dataset, datasetOf, denseLayers, type MlpSpec, probabilities } from '../src/index.ts'

const dataset = (samples: { pixels: Float32Array; label: number }[]): Dataset => datasetOf(samples, 784)

describe('ONNX export', () => {
  it('onnxruntime gives the engine’s probabilities within 1e-5 (784-64-32-10, two hidden layers)', async () => {
    const split = loadDigits()
    const spec: MlpSpec = {
      layers: [784, 64, 32, 10],
      optimizer: { kind: 'sgd', learningRate: 0.05, momentum: 0.9 },
      batchSize: 32,
      seed: 3,
    }
    const trainer = createMlpTrainer(spec, dataset(split.train))
    for (let i = 0; i < 100; i++) trainer.step()
    const test = dataset(split.test.slice(0, 500))
    const expected = probabilities(spec, trainer.params, test)

    const onnx = mlpToOnnx(denseLayers(spec, trainer.params), { name: 'engine-mnist' })
    const session = await InferenceSession.create(onnx)
    const result = await session.run({ input: new Tensor('float32', test.inputs, [test.count, 784]) })
    const actual = result.probabilities?.data as Float32Array
    await session.release()

    expect(actual.length).toBe(expected.length)
    let worst = 0
    for (let i = 0; i < actual.length; i++)
      worst = Math.max(worst, Math.abs((actual[i] as number) - (expected[i] as number)))
    expect(worst).toBeLessThan(1e-5)
    // Not a trivial model: the probabilities are spread and mostly right.
    let right = 0
    for (let r = 0; r < test.count; r++) {
      const row = Array.from(expected.subarray(r * 10, r * 10 + 10))
      if (row.indexOf(Math.max(...row)) === test.labels[r]) right++
    }
    expect(right / test.count).toBeGreaterThan(0.8)
  })
})
