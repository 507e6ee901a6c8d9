/** The shipped `digits` model: real ONNX that onnxruntime runs, honest held-out accuracy, reproducible training. */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { InferenceSession, Tensor } from 'onnxruntime-node'
import { describe, expect, it } from 'vitest'
import { mlpToOnnx } from '../src/onnx.ts'
import { loadDigits, trainDigits } from './train.ts'

const shipped = new Uint8Array(readFileSync(join(import.meta.dirname, 'digits.onnx')))
const metrics = JSON.parse(readFileSync(join(import.meta.dirname, 'digits.json'), 'utf8')) as {
  testAccuracy: number
  majorityBaselineAccuracy: number
  testSamples: number
}

describe('digits model', () => {
  it('runs in onnxruntime and classifies held-out MNIST digits as well as its metrics say', async () => {
    const session = await InferenceSession.create(shipped)
    expect(session.inputNames).toEqual(['input'])
    expect(session.outputNames).toEqual(['probabilities'])
    const { test } = loadDigits()
    const input = new Float32Array(test.length * 784)
    test.forEach((s, i) => {
      input.set(s.pixels, i * 784)
    })
    const result = await session.run({ input: new Tensor('float32', input, [test.length, 784]) })
    const probabilities = result.probabilities?.data as Float32Array
    let correct = 0
    test.forEach((s, i) => {
      const row = probabilities.subarray(i * 10, i * 10 + 10)
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4)
      if (row.indexOf(Math.max(...row)) === s.label) correct += 1
    })
    const accuracy = correct / test.length
    expect(test.length).toBe(metrics.testSamples)
    expect(Math.abs(accuracy - metrics.testAccuracy)).toBeLessThanOrEqual(0.005)
    expect(accuracy).toBeGreaterThan(0.9)
    expect(accuracy).toBeGreaterThan(5 * metrics.majorityBaselineAccuracy)
    await session.release()
  })

  it('is exactly what the training script produces (reproducible bytes)', () => {
    const { onnx } = trainDigits()
    expect(Buffer.from(onnx).equals(Buffer.from(shipped))).toBe(true)
  })

  it('builds valid ONNX for any layer sizes', async () => {
    const layer = (inputs: number, outputs: number, activation: 'relu' | 'none') => ({
      inputs,
      outputs,
      activation,
      weights: Float32Array.from({ length: inputs * outputs }, (_, i) => ((i % 7) - 3) / 10),
      bias: Float32Array.from({ length: outputs }, (_, i) => i / 10),
    })
    const session = await InferenceSession.create(
      mlpToOnnx([layer(3, 4, 'relu'), layer(4, 2, 'none')], { name: 'tiny' }),
    )
    const out = await session.run({ input: new Tensor('float32', new Float32Array([1, 0, -1, 0.5, 0.5, 0.5]), [2, 3]) })
    expect(out.probabilities?.dims).toEqual([2, 2])
    await session.release()
  })
})
