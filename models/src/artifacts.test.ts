/** Built artifacts: the files the node reads are exactly what the derivations give, built once, rebuilt when stale. */
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { gradedDigits, gradedDigitsOnnx, trainGradedDigits } from '../digits/graded.ts'
import { loadDigits } from '../digits/train.ts'
import { loadCorpus, VOCAB } from '../text/train.ts'
import { artifact, artifactsKey } from './artifacts.ts'
import { decodeSamples, encodeSamples, heldOutDigits, heldOutText } from './heldOut.ts'

const scratch = join(tmpdir(), `mycel-artifacts-${process.pid}`)
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

describe('artifacts', () => {
  it('derives a file once, then reads it; a copy built by other code is replaced', () => {
    const stale = join(scratch, 'thing.0123456789abcdef.bin')
    const other = join(scratch, 'thing-2.0123456789abcdef.bin')
    rmSync(scratch, { recursive: true, force: true })
    artifact('seed.bin', () => new Uint8Array([0]), scratch) // creates the folder
    writeFileSync(stale, 'old')
    writeFileSync(other, 'another artifact')
    let derived = 0
    const derive = () => {
      derived += 1
      return new Uint8Array([1, 2, 3])
    }
    expect([...artifact('thing.bin', derive, scratch)]).toEqual([1, 2, 3])
    expect([...artifact('thing.bin', derive, scratch)]).toEqual([1, 2, 3])
    expect(derived).toBe(1)
    expect(existsSync(join(scratch, `thing.${artifactsKey()}.bin`))).toBe(true)
    expect(existsSync(stale)).toBe(false)
    expect(existsSync(other)).toBe(true)
    expect(readdirSync(scratch).some((f) => f.endsWith('.tmp'))).toBe(false)
  })

  it('serves the graded models exactly as training produces them', () => {
    for (const id of Object.keys(gradedDigits) as (keyof typeof gradedDigits)[]) {
      expect(Buffer.from(gradedDigitsOnnx(id)).equals(Buffer.from(trainGradedDigits(id).onnx))).toBe(true)
    }
  })

  it('serves the held-out digits and text exactly as derived from the npm data packages', () => {
    const { test } = loadDigits()
    const served = heldOutDigits()
    expect(served).toHaveLength(test.length)
    for (const [i, s] of test.entries()) {
      expect(served[i]?.label).toBe(s.label)
      expect(
        Buffer.from((served[i] as { pixels: Float32Array }).pixels.buffer, served[i]?.pixels.byteOffset, 3136).equals(
          Buffer.from(s.pixels.buffer),
        ),
      ).toBe(true)
    }
    expect(decodeSamples(encodeSamples(test.slice(0, 3)))).toEqual(test.slice(0, 3))
    expect(heldOutText()).toBe(Array.from(loadCorpus().test, (id) => VOCAB[id] ?? ' ').join(''))
    expect(heldOutText()).toHaveLength(20_000)
  })
})
