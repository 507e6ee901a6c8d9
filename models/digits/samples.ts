/**
 * Writes `samples/<digit>.png`: the first held-out MNIST image of each digit (never seen in training), as a
 * 28 × 28 grayscale PNG, so `mycel infer digits models/digits/samples/7.png` works from a fresh clone.
 * Run with `npm run samples:digits`; the output is deterministic.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { PNG } from 'pngjs'
import { loadDigits } from './train.ts'

export function samplePngs(): Map<number, Buffer> {
  const { test } = loadDigits()
  const out = new Map<number, Buffer>()
  for (let label = 0; label <= 9; label++) {
    const sample = test.find((s) => s.label === label)
    if (!sample) throw new Error(`no held-out ${label}`)
    const png = new PNG({ width: 28, height: 28, colorType: 0, inputColorType: 0, bitDepth: 8, inputHasAlpha: false })
    const gray = Buffer.from(Array.from(sample.pixels, (v) => Math.round(v * 255)))
    png.data = gray
    out.set(label, PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false }))
  }
  return out
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const dir = join(import.meta.dirname, 'samples')
  mkdirSync(dir, { recursive: true })
  for (const [label, bytes] of samplePngs()) writeFileSync(join(dir, `${label}.png`), bytes)
  process.stdout.write(`wrote 10 samples to ${dir}\n`)
}
