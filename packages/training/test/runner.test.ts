/**
 * A run on a worker thread gives the checkpoints and the last state a plain trainer reaches (same hashes), from the
 * start or from a state; it can be stopped; and a replayer rebuilds any step's state from checkpoints.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import {
  createMlpTrainer,
  type Dataset,
  type MlpSpec,
  replayer,
  runOnWorker,
  stateHash,
  type TrainerState,
} from '../src/index.ts'
import { digits } from './helpers/digits.ts'

let data: Dataset
beforeAll(() => {
  data = digits().train
})

const spec: MlpSpec = {
  layers: [784, 16, 10],
  optimizer: { kind: 'adam', learningRate: 0.002, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
  batchSize: 16,
  seed: 4,
}

function plain(steps: number): TrainerState[] {
  const t = createMlpTrainer(spec, data)
  const states = [t.snapshot()]
  for (let i = 0; i < steps; i++) {
    t.step()
    states.push(t.snapshot())
  }
  return states
}

describe('training on a worker thread', () => {
  it('reports every checkpoint and ends on the plain trainer’s state, from the start and from a state', async () => {
    const states = plain(12)
    const seen: [number, string][] = []
    const progress: number[] = []
    const done = await runOnWorker({
      spec,
      data,
      to: 12,
      every: 4,
      onCheckpoint: (i, s, hash) => {
        expect(stateHash(s)).toBe(hash)
        seen.push([i, hash])
      },
      onProgress: (step) => progress.push(step),
    })
    expect(seen).toEqual([0, 1, 2, 3].map((i) => [i, stateHash(states[4 * i] as TrainerState)]))
    expect(done.hash).toBe(stateHash(states[12] as TrainerState))
    expect(progress.at(-1)).toBe(12)
    const resumed = await runOnWorker({ spec, data, from: states[5] as TrainerState, to: 9, every: 4 })
    expect(resumed.hash).toBe(stateHash(states[9] as TrainerState))
  })

  it('stops when aborted', async () => {
    const abort = new AbortController()
    const run = runOnWorker({ spec, data, to: 100_000, every: 100, signal: abort.signal })
    setTimeout(() => abort.abort(new Error('stopped by the test')), 50)
    await expect(run).rejects.toThrow(/stopped by the test/)
  })

  it('a replayer rebuilds any step from the checkpoints it holds', () => {
    const states = plain(12)
    const held = new Map([0, 2].map((i) => [i, states[4 * i] as TrainerState]))
    const state = replayer(spec, data, (i) => held.get(i), 4)
    for (const step of [0, 3, 9, 10, 6, 12])
      expect(stateHash(state(step))).toBe(stateHash(states[step] as TrainerState))
    expect(() => state(-1)).toThrow(/no step/)
  })
})
