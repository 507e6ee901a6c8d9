/**
 * Commitments of a training job: a trainer resumed from a snapshot continues with the same bits (what lets a
 * verifier re-execute any segment from a checkpoint); the state hash covers every part of the state (a flipped bit
 * anywhere changes it) and is the same for the same state; checkpoint and dataset Merkle proofs verify for the right
 * leaf and fail for any other, on the real MNIST digits.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import {
  checkpointTree,
  createMlpTrainer,
  type Dataset,
  datasetTree,
  exampleFeatures,
  float32Bytes,
  type MlpSpec,
  stateHash,
  type TrainerState,
  tensorsHash,
  verifyCheckpoint,
  verifyExample,
} from '../src/index.ts'
import { digits } from './helpers/digits.ts'

let train: Dataset
beforeAll(() => {
  train = digits().train
})

const adam: MlpSpec = {
  layers: [784, 16, 10],
  optimizer: { kind: 'adam', learningRate: 0.002, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
  batchSize: 64,
  seed: 3,
}

describe('snapshots and state hashes', () => {
  it('a trainer resumed from any snapshot ends on the same bits, across an epoch boundary', () => {
    // 7,996 examples / 64: 125 steps per epoch (the last batch wraps into the next epoch's order): 140 steps cross it.
    const whole = createMlpTrainer(adam, train)
    const hashes: string[] = []
    for (let i = 0; i < 140; i++) {
      // The states the resumed runs start from, and a few others (each hash commits every tensor).
      hashes.push(i % 10 === 0 || [125, 126].includes(i) ? stateHash(whole.snapshot()) : `step ${i}`)
      whole.step()
    }
    for (const at of [0, 70, 125, 126]) {
      const first = createMlpTrainer(adam, train)
      for (let i = 0; i < at; i++) first.step()
      const snapshot = first.snapshot()
      expect(stateHash(snapshot)).toBe(hashes[at])
      const resumed = createMlpTrainer(adam, train, { resume: snapshot })
      for (let i = at; i < 140; i++) resumed.step()
      expect(resumed.steps).toBe(140)
      expect(tensorsHash(resumed.params)).toBe(tensorsHash(whole.params))
      expect(stateHash(resumed.snapshot())).toBe(stateHash(whole.snapshot()))
    }
    // Every step's state differs from every other.
    expect(new Set(hashes).size).toBe(hashes.length)
  })

  it('the state hash changes with any one bit of any part of the state, and a snapshot is a copy', () => {
    const trainer = createMlpTrainer(adam, train)
    for (let i = 0; i < 3; i++) trainer.step()
    const base = trainer.snapshot()
    const h = stateHash(base)
    const copy = (): TrainerState => ({
      ...base,
      params: base.params.map((p) => Float32Array.from(p)),
      optimizer: { ...base.optimizer, slots: base.optimizer.slots.map((per) => per.map((s) => Float32Array.from(s))) },
    })
    const flip = (t: Float32Array, i: number) => {
      const bits = new Uint32Array(t.buffer, t.byteOffset, t.length)
      bits[i] = (bits[i] as number) ^ 1
    }
    const variants: ((s: TrainerState) => void)[] = [
      (s) => {
        s.steps += 1
      },
      (s) => flip(s.params[0] as Float32Array, 1234),
      (s) => flip(s.params[3] as Float32Array, 9),
      (s) => flip(s.optimizer.slots[1]?.[1] as Float32Array, 0),
      (s) => {
        s.optimizer.step += 1
      },
      (s) => {
        s.optimizer.beta2Power = Math.fround(s.optimizer.beta2Power * 0.999)
      },
      (s) => {
        s.optimizer.beta1Power = Math.fround(s.optimizer.beta1Power * 0.9)
      },
    ]
    for (const change of variants) {
      const s = copy()
      change(s)
      expect(stateHash(s)).not.toBe(h)
    }
    trainer.step() // the snapshot does not move with the trainer
    expect(stateHash(base)).toBe(h)
  })

  it('refuses to resume from a state that does not fit the spec or the data', () => {
    const state = createMlpTrainer(adam, train).snapshot()
    expect(() => createMlpTrainer({ ...adam, layers: [784, 8, 10] }, train, { resume: state })).toThrow(/shapes/)
    expect(() => createMlpTrainer(adam, train, { resume: { ...state, steps: -1 } })).toThrow(/not a step count/)
    const sgd = { ...adam, optimizer: { kind: 'sgd' as const, learningRate: 0.1, momentum: 0.9 } }
    expect(() => createMlpTrainer(sgd, train, { resume: state })).toThrow(/optimizer/)
  })
})

describe('Merkle commitments', () => {
  it('proves each checkpoint under the root, and nothing else', () => {
    const hashes = Array.from({ length: 37 }, (_, i) => tensorsHash([new Float32Array([i])]))
    const tree = checkpointTree(hashes)
    for (const i of [0, 1, 17, 36]) {
      const proof = tree.proof(i)
      expect(proof.length).toBeLessThanOrEqual(6)
      expect(verifyCheckpoint(tree.root, i, hashes[i] as `0x${string}`, proof)).toBe(true)
      expect(verifyCheckpoint(tree.root, i + 1, hashes[i] as `0x${string}`, proof)).toBe(false)
      expect(verifyCheckpoint(tree.root, i, hashes[(i + 1) % 37] as `0x${string}`, proof)).toBe(false)
    }
    expect(checkpointTree(hashes).root).toBe(tree.root)
    expect(checkpointTree(hashes.slice(0, 36)).root).not.toBe(tree.root)
    expect(() => tree.proof(37)).toThrow(/no chunk 37/)
    expect(() => checkpointTree([])).toThrow(/at least one/)
  })

  it('proves any MNIST example (features and label) under the dataset root, and not a changed one', () => {
    const started = performance.now()
    const tree = datasetTree(train, 784)
    const ms = performance.now() - started
    expect(tree.chunks).toBe(train.count)
    const hex = (bytes: Uint8Array) => `0x${Buffer.from(bytes).toString('hex')}` as const
    for (const i of [0, 4321, train.count - 1]) {
      const proof = tree.proof(i)
      const features = hex(exampleFeatures(train, i, 784))
      const label = train.labels[i] as number
      expect(verifyExample(tree.root, i, features, label, proof)).toBe(true)
      expect(verifyExample(tree.root, i + 1, features, label, proof)).toBe(false)
      expect(verifyExample(tree.root, i, features, (label + 1) % 10, proof)).toBe(false)
      const changed = Float32Array.from(train.inputs.subarray(i * 784, (i + 1) * 784))
      changed[400] = Math.fround((changed[400] as number) + 2 ** -10)
      expect(verifyExample(tree.root, i, hex(float32Bytes(changed)), label, proof)).toBe(false)
    }
    console.log(`dataset tree of ${train.count} MNIST examples: ${ms.toFixed(0)} ms`)
  }, 60_000)
})
