/**
 * The held-out data validators draw their tasks from: the MNIST test split (the last 20% of each digit, which no
 * built-in model trained on) and the SpamAssassin test text. Validators perturb what they draw (see the node's
 * incentive tasks), so a table of the public data's answers does not help a miner.
 *
 * Both are read from built artifacts (models/out, see artifacts.ts) rather than derived from the npm data packages
 * on every start.
 */
import { loadDigits, type Sample } from '../digits/train.ts'
import { loadCorpus, VOCAB } from '../text/train.ts'
import { artifact } from './artifacts.ts'

let digits: { train: Sample[]; test: Sample[] } | undefined
let testDigits: Sample[] | undefined
let text: string | undefined

const PIXELS = 784

/** MNIST split as the built-in models use it (cached). */
export function heldOutSplit(): { train: Sample[]; test: Sample[] } {
  digits ??= loadDigits()
  return digits
}

/** Samples as bytes: their count (u32), the labels (one byte each, padded to 4), then the pixels as float32. */
export function encodeSamples(samples: Sample[]): Uint8Array {
  const labels = Math.ceil(samples.length / 4) * 4
  const bytes = new Uint8Array(4 + labels + samples.length * PIXELS * 4)
  new DataView(bytes.buffer).setUint32(0, samples.length, true)
  samples.forEach((s, i) => {
    bytes[4 + i] = s.label
  })
  const pixels = new Float32Array(bytes.buffer, 4 + labels)
  samples.forEach((s, i) => {
    pixels.set(s.pixels, i * PIXELS)
  })
  return bytes
}

export function decodeSamples(bytes: Uint8Array): Sample[] {
  // Float32 views need 4-byte alignment: a file read whole usually has it; a slice of a pooled buffer may not.
  const own = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice()
  const count = new DataView(own.buffer, own.byteOffset).getUint32(0, true)
  const labels = Math.ceil(count / 4) * 4
  const pixels = new Float32Array(own.buffer, own.byteOffset + 4 + labels, count * PIXELS)
  return Array.from({ length: count }, (_, i) => ({
    pixels: pixels.subarray(i * PIXELS, (i + 1) * PIXELS),
    label: own[4 + i] as number,
  }))
}

/** The held-out MNIST digits: 2,004 samples of 784 pixels in [0, 1] with their labels. */
export function heldOutDigits(): Sample[] {
  testDigits ??= decodeSamples(artifact('held-out-digits.bin', () => encodeSamples(heldOutSplit().test)))
  return testDigits
}

/** The held-out SpamAssassin text (20,000 characters of the vocabulary the text model knows). */
export function heldOutText(): string {
  text ??= new TextDecoder().decode(
    artifact('held-out-text.txt', () =>
      new TextEncoder().encode(Array.from(loadCorpus().test, (id) => VOCAB[id] ?? ' ').join('')),
    ),
  )
  return text
}

export type { Sample }
