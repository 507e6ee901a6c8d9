/**
 * The held-out data validators draw their tasks from: the MNIST test split (the last 20% of each digit, which no
 * built-in model trained on) and the SpamAssassin test text. Validators perturb what they draw (see the node's
 * incentive tasks), so a table of the public data's answers does not help a miner.
 */
import { loadDigits, type Sample } from '../digits/train.ts'
import { loadCorpus, VOCAB } from '../text/train.ts'

let digits: { train: Sample[]; test: Sample[] } | undefined
let text: string | undefined

/** MNIST split as the built-in models use it (cached). */
export function heldOutSplit(): { train: Sample[]; test: Sample[] } {
  digits ??= loadDigits()
  return digits
}

/** The held-out MNIST digits: 2,004 samples of 784 pixels in [0, 1] with their labels. */
export function heldOutDigits(): Sample[] {
  return heldOutSplit().test
}

/** The held-out SpamAssassin text (20,000 characters of the vocabulary the text model knows). */
export function heldOutText(): string {
  text ??= Array.from(loadCorpus().test, (id) => VOCAB[id] ?? ' ').join('')
  return text
}

export type { Sample }
