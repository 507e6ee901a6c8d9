/**
 * The built-in validation tasks and their scoring, one per built-in subnet kind:
 * - `image-classification` (the `digits` subnet): a batch of held-out MNIST digits, each perturbed afresh (shifted by
 *   up to a pixel, contrast changed, noise added), sent as one Open Inference Protocol request; scored by top-1
 *   accuracy. Fresh perturbations mean no table of the public data's answers matches an input.
 * - `text-generation` (the `text` subnet): prompts cut at random places of held-out mail text; the miner continues
 *   each greedily (temperature 0) and is scored by how many of the next characters it gets right.
 *
 * Quality is turned into a round score as `max(0, (q − chance) / (1 − chance))⁴` ({@link SCORE_POWER}): answering at
 * chance earns nothing and better models earn disproportionately more. The curve is steep on purpose: with a flat
 * one most of a row's weight is the floor every decent miner gets, which a stale copy of the row gets right too, so
 * copying weights would pay almost as well as measuring (docs/validators.md, "The incentive simulation").
 * Latency scales it down by at most its spec weight; a failed request scores zero for the round. Everything random
 * is drawn from a seeded PRNG the caller passes in.
 */
import type { Tensor } from '../inference/backend.ts'
import { MalformedAnswerError } from './errors.ts'

export type Random = () => number

export type TaskRequest = { path: string; body: unknown }

/** One validation round's task for one miner: the requests to send and how to score the answers. */
export type Task = {
  requests: TaskRequest[]
  /** Quality in [0, 1] from the responses (same order), or throws on a malformed answer. */
  quality: (responses: unknown[]) => number
  /** The chance level of `quality` (what guessing achieves). */
  chance: number
  /** For deterministic tensor models: the inputs sent, to re-execute a sample locally (spot check). */
  tensors?: Tensor[]
}

export type Sample = { pixels: Float32Array; label: number }

/** A held-out digit, perturbed: shifted by dx, dy ∈ {−1, 0, 1}, contrast ×[0.8, 1.2], uniform noise ±0.1, clipped. */
export function perturbDigit(pixels: Float32Array, random: Random): Float32Array {
  const dx = Math.floor(random() * 3) - 1
  const dy = Math.floor(random() * 3) - 1
  const contrast = 0.8 + 0.4 * random()
  const out = new Float32Array(784)
  for (let y = 0; y < 28; y++) {
    for (let x = 0; x < 28; x++) {
      const sx = x - dx
      const sy = y - dy
      const v = sx >= 0 && sx < 28 && sy >= 0 && sy < 28 ? (pixels[sy * 28 + sx] as number) : 0
      const noisy = v * contrast + (random() * 0.2 - 0.1)
      out[y * 28 + x] = Math.min(1, Math.max(0, noisy))
    }
  }
  return out
}

export function argmax(values: ArrayLike<number>, offset = 0, length = values.length): number {
  let best = 0
  for (let k = 1; k < length; k++) if ((values[offset + k] as number) > (values[offset + best] as number)) best = k
  return best
}

/** A digits task: `count` held-out digits drawn at random and perturbed, for model `model`. */
export function digitsTask(samples: readonly Sample[], model: string, count: number, random: Random): Task {
  const chosen = Array.from({ length: count }, () => samples[Math.floor(random() * samples.length)] as Sample)
  const data: number[] = []
  for (const s of chosen) for (const v of perturbDigit(s.pixels, random)) data.push(v)
  const input: Tensor = { name: 'input', datatype: 'FP32', shape: [count, 784], data }
  return {
    requests: [{ path: `/v2/models/${encodeURIComponent(model)}/infer`, body: { inputs: [input] } }],
    chance: 0.1,
    tensors: [input],
    quality: ([response]) => {
      const probabilities = outputOf(response)
      if (probabilities.length !== count * 10) {
        throw new MalformedAnswerError(`expected ${count} × 10 probabilities, got ${probabilities.length} values`)
      }
      let correct = 0
      chosen.forEach((s, i) => {
        if (argmax(probabilities, i * 10, 10) === s.label) correct += 1
      })
      return correct / count
    },
  }
}

/** The first output tensor's data of an Open Inference Protocol response. */
export function outputOf(response: unknown): number[] {
  const outputs = (response as { outputs?: { data?: unknown }[] } | null)?.outputs
  const data = outputs?.[0]?.data
  if (!Array.isArray(data) || !data.every((x) => typeof x === 'number')) {
    throw new MalformedAnswerError('the response has no numeric outputs[0].data')
  }
  return data as number[]
}

export const TEXT_PROMPT_CHARS = 32
export const TEXT_CONTINUATION_CHARS = 4

/** A text task: `count` prompts cut from held-out text; each continuation is compared with the true next characters. */
export function textTask(text: string, model: string, count: number, random: Random): Task {
  const span = TEXT_PROMPT_CHARS + TEXT_CONTINUATION_CHARS
  const cuts = Array.from({ length: count }, () => Math.floor(random() * (text.length - span)))
  return {
    requests: cuts.map((at) => ({
      path: '/v1/completions',
      body: {
        model,
        prompt: text.slice(at, at + TEXT_PROMPT_CHARS),
        max_tokens: TEXT_CONTINUATION_CHARS,
        temperature: 0,
      },
    })),
    // Guessing one of 96 symbols.
    chance: 1 / 96,
    quality: (responses) => {
      let right = 0
      responses.forEach((response, i) => {
        const truth = text.slice(
          (cuts[i] as number) + TEXT_PROMPT_CHARS,
          (cuts[i] as number) + TEXT_PROMPT_CHARS + TEXT_CONTINUATION_CHARS,
        )
        const got = (response as { choices?: { text?: unknown }[] } | null)?.choices?.[0]?.text
        if (typeof got !== 'string') throw new MalformedAnswerError('the response has no choices[0].text')
        for (let k = 0; k < TEXT_CONTINUATION_CHARS; k++) if (got[k] === truth[k]) right += 1
      })
      return right / (responses.length * TEXT_CONTINUATION_CHARS)
    },
  }
}

/** The power that turns quality above chance into a score. */
export const SCORE_POWER = 4

/** Quality above chance, rescaled to [0, 1] and raised to {@link SCORE_POWER}. */
export function qualityScore(quality: number, chance: number): number {
  if (!Number.isFinite(quality)) return 0
  const above = (quality - chance) / (1 - chance)
  return above <= 0 ? 0 : above >= 1 ? 1 : above ** SCORE_POWER
}

/** A round's score: quality score, scaled down by up to `latencyWeight` for slow answers (1 s halves that part). */
export function roundScore(quality: number, chance: number, latencyMs: number, latencyWeight: number): number {
  const fast = 1 / (1 + Math.max(0, latencyMs) / 1000)
  return qualityScore(quality, chance) * (1 - latencyWeight + latencyWeight * fast)
}
