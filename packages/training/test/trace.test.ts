/**
 * A step's trace, re-run from a snapshot: it has the operations in the documented order, ends on the state a plain
 * step reaches, is the same every time, proves each entry under its root; and a state wrong in one bit makes the
 * trace part from the honest one exactly at the first operation that reads the wrong value — the point the dispute
 * game narrows to.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import {
  createMlpTrainer,
  type Dataset,
  firstDifference,
  type MlpSpec,
  stateHash,
  type TrainerState,
  tensorRoot,
  traceStep,
  verifyTraceEntry,
} from '../src/index.ts'
import { digits } from './helpers/digits.ts'

let train: Dataset
beforeAll(() => {
  train = digits().train
})

const spec: MlpSpec = {
  layers: [784, 24, 16, 10],
  optimizer: { kind: 'adam', learningRate: 0.002, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
  batchSize: 16,
  seed: 11,
}

/** A state after 5 steps, and a copy to corrupt. */
function stateAfter(steps: number): TrainerState {
  const trainer = createMlpTrainer(spec, train)
  for (let i = 0; i < steps; i++) trainer.step()
  return trainer.snapshot()
}
const copy = (s: TrainerState): TrainerState => ({
  ...s,
  params: s.params.map((p) => Float32Array.from(p)),
  optimizer: { ...s.optimizer, slots: s.optimizer.slots.map((per) => per.map((x) => Float32Array.from(x))) },
})
const flip = (t: Float32Array, i: number) => {
  const bits = new Uint32Array(t.buffer, t.byteOffset, t.length)
  bits[i] = (bits[i] as number) ^ 1
}

describe('the trace of a step', () => {
  it('lists the step’s operations in order, ends on the plain step’s state, and is the same every time', () => {
    const state = stateAfter(5)
    const trace = traceStep(spec, train, state)
    expect(trace.entries.map((e) => `${e.name}:${e.layer}`)).toEqual([
      'batch:0',
      'matmul:1',
      'addBias:1',
      'relu:1',
      'matmul:2',
      'addBias:2',
      'relu:2',
      'matmul:3',
      'addBias:3',
      'softmaxCrossEntropy:3',
      'matmulTransA:3',
      'columnSums:3',
      'matmulTransB:3',
      'reluBackward:3',
      'matmulTransA:2',
      'columnSums:2',
      'matmulTransB:2',
      'reluBackward:2',
      'matmulTransA:1',
      'columnSums:1',
    ])
    const plain = createMlpTrainer(spec, train, { resume: state })
    plain.step()
    expect(stateHash(trace.next)).toBe(stateHash(plain.snapshot()))
    // 7·depth − 1 entries; the batch writes the inputs and the labels, softmax each row's maximum and sum and the
    // gradient, every other operation one tensor.
    expect(trace.entries).toHaveLength(7 * 3 - 1)
    expect(trace.entries.map((e) => e.roots.length)).toEqual([2, ...Array(8).fill(1), 3, ...Array(10).fill(1)])
    // The update reads the last entry's output: the first layer's bias gradient (a column sum of its deltas).
    expect(trace.entries.at(-1)?.roots[0]).not.toBe(tensorRoot(new Float32Array(24)))
    const again = traceStep(spec, train, state)
    expect(again.root).toBe(trace.root)
    expect(firstDifference(trace, again)).toBeUndefined()
    for (const e of trace.entries) expect(verifyTraceEntry(trace.root, e, trace.proof(e.index))).toBe(true)
    const other = trace.entries[3] as (typeof trace.entries)[number]
    expect(verifyTraceEntry(trace.root, { ...other, index: 4 }, trace.proof(3))).toBe(false)
    expect(verifyTraceEntry(trace.root, { ...other, roots: trace.entries[4]?.roots ?? [] }, trace.proof(3))).toBe(false)
  })

  it('parts from the honest trace at the first operation that reads a corrupted value', () => {
    const state = stateAfter(5)
    const honest = traceStep(spec, train, state)
    const at = (name: string, layer: number) => honest.entries.findIndex((e) => e.name === name && e.layer === layer)
    const everyOther = (t: Float32Array) => {
      for (let i = 0; i < t.length; i += 2) flip(t, i)
    }
    const cases: [string, (s: TrainerState) => void, number][] = [
      ['layer 2 weights', (s) => everyOther(s.params[2] as Float32Array), at('matmul', 2)],
      ['layer 1 biases', (s) => everyOther(s.params[1] as Float32Array), at('addBias', 1)],
      ['layer 1 weights', (s) => everyOther(s.params[0] as Float32Array), at('matmul', 1)],
      [
        'the step count (the data position)',
        (s) => {
          s.steps += 1
        },
        at('batch', 0),
      ],
      // Adam's slots are read only by the update, which the next state commits (firstDifference = entries.length).
      [
        'the moments of the last bias',
        (s) => everyOther(s.optimizer.slots[5]?.[0] as Float32Array),
        honest.entries.length,
      ],
    ]
    for (const [what, corrupt, expected] of cases) {
      const wrong = copy(state)
      corrupt(wrong)
      expect(firstDifference(honest, traceStep(spec, train, wrong)), what).toBe(expected)
    }
    // One bit of one weight: the traces part at an operation that reads it — the forward product, or, when the
    // unit feeding it is switched off by ReLU for the whole batch, the backward product or the update.
    const readers = [at('matmul', 2), at('matmulTransB', 2), honest.entries.length]
    for (const element of [0, 100, 383]) {
      const wrong = copy(state)
      flip(wrong.params[2] as Float32Array, element)
      expect(readers).toContain(firstDifference(honest, traceStep(spec, train, wrong)))
    }
  })
})
