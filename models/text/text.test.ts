/** The shipped `text` model: real ONNX that onnxruntime runs, honest held-out perplexity, reproducible training. */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { InferenceSession, Tensor } from 'onnxruntime-node'
import { describe, expect, it } from 'vitest'
import { buildText, CONTEXT, encode, VOCAB } from './train.ts'

const shipped = new Uint8Array(readFileSync(join(import.meta.dirname, 'text.onnx')))
const metrics = JSON.parse(readFileSync(join(import.meta.dirname, 'text.json'), 'utf8')) as {
  testPerplexity: number
  unigramBaselinePerplexity: number
}

describe('text model', () => {
  it('is exactly what the training script produces, and beats the unigram baseline in onnxruntime', async () => {
    const { onnx, test } = buildText()
    expect(Buffer.from(onnx).equals(Buffer.from(shipped))).toBe(true)

    const session = await InferenceSession.create(shipped)
    expect(session.inputNames).toEqual(['context'])
    const contexts = new BigInt64Array(test.length * CONTEXT)
    for (let p = 0; p < test.length; p++) {
      for (let c = 0; c < CONTEXT; c++) {
        const at = p - CONTEXT + c
        contexts[p * CONTEXT + c] = BigInt(at >= 0 ? (test[at] as number) : 0)
      }
    }
    const result = await session.run({ context: new Tensor('int64', contexts, [test.length, CONTEXT]) })
    const probabilities = result.probabilities?.data as Float32Array
    let nll = 0
    for (let p = 0; p < test.length; p++)
      nll -= Math.log(probabilities[p * VOCAB.length + (test[p] as number)] as number)
    const perplexity = Math.exp(nll / test.length)
    expect(Math.abs(perplexity - metrics.testPerplexity) / metrics.testPerplexity).toBeLessThan(0.001)
    expect(perplexity).toBeLessThan(0.6 * metrics.unigramBaselinePerplexity)
    await session.release()
  }, 300_000)

  it('maps text to the 96-symbol vocabulary and back', () => {
    const ids = encode('Hi!\n\u00e9')
    expect([...ids].map((id) => VOCAB[id])).toEqual(['H', 'i', '!', '\n', ' '])
  })
})
