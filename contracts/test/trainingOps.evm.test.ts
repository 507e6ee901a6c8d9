/**
 * The training referee's pieces against the engine, case by case (fast-check): exp, comparison and integer
 * conversions (Float32Math), the counter-based random words and the data order (TrainingRandom), the item tree
 * (TrainingMerkle), the step's layout for networks of one to four layers (TrainingShapes, through TrainingReferee), and
 * the operations the referee recomputes — softmax cross-entropy gradients from their rows, SGD and Adam updates,
 * initial weights. Every mismatch is printed as its inputs.
 */
import {
  bitsOf32,
  createOptimizerState,
  exampleAt,
  exp32,
  fromBits32,
  hash32,
  initialValue,
  itemTree,
  layout,
  type MlpSpec,
  optimizerStep,
  softmaxCrossEntropy,
} from '@mycel/training'
import fc from 'fast-check'
import { type Abi, encodeDeployData, type Hex, keccak256, toHex } from 'viem'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  trainingHarnessAbi,
  trainingHarnessBytecode,
  trainingRefereeAbi,
  trainingRefereeBytecode,
} from '../../packages/sdk/src/generated/contracts.ts'
import { createInProcessChain, type InProcessChain } from './helpers/evm.ts'

const RUNS = Number(process.env.TRAINING_OPS_RUNS ?? 400)
const from = '0x00000000000000000000000000000000000000cc' as const
let chain: InProcessChain
let harness: Awaited<ReturnType<InProcessChain['deploy']>>
let referee: Awaited<ReturnType<InProcessChain['deploy']>>

beforeAll(async () => {
  chain = await createInProcessChain()
  harness = await chain.deploy(encodeDeployData({ abi: trainingHarnessAbi, bytecode: trainingHarnessBytecode }))
  referee = await chain.deploy(encodeDeployData({ abi: trainingRefereeAbi, bytecode: trainingRefereeBytecode }))
})

async function view(to: typeof harness, abi: Abi, fn: string, args: unknown[]) {
  const r = await chain.call(from, to, abi, fn, args, { gasLimit: 4_000_000_000n })
  if (!r.ok) throw new Error(`${fn} reverted: ${r.error} ${r.revertData}`)
  return r.result
}
const h = (fn: string, ...args: unknown[]) => view(harness, trainingHarnessAbi as Abi, fn, args)
const ref = (fn: string, ...args: unknown[]) => view(referee, trainingRefereeAbi as Abi, fn, args)

const u32 = fc.integer({ min: 0, max: 0xffffffff })
/** binary32 patterns biased to exp's interesting range, with the specials. */
const expInput = fc.oneof(
  u32,
  fc.float({ min: -110, max: 95, noNaN: true }).map((x) => bitsOf32(x)),
  fc.float({ min: -1, max: 1, noNaN: true }).map((x) => bitsOf32(x)),
  fc.constantFrom(0, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0x42b17218, 0x42b17219, 0xc2cff1b5, 0xc2cff1b6, 1),
)
const canon = (bits: number) => bitsOf32(fromBits32(bits)) // NaN payloads become the canonical NaN

describe('Float32Math and TrainingRandom against the engine', () => {
  it(`exp: ${RUNS * 4} inputs bit for bit (edges, subnormals, overflow, NaN)`, async () => {
    const xs = fc.sample(expInput, RUNS * 4)
    const got = (await h('exp', xs)) as readonly number[]
    const bad = xs.filter((x, i) => got[i] !== canon(bitsOf32(exp32(fromBits32(x)))))
    expect(bad.slice(0, 5).map((x) => `exp(0x${x.toString(16)})`)).toEqual([])
  })

  it('lt, floorToInt and fromInt agree with JavaScript', async () => {
    const a = fc.sample(u32, RUNS)
    const b = fc.sample(u32, RUNS).map((x, i) => (i % 4 === 0 ? ((a[i] as number) ^ 0x80000000) >>> 0 : x))
    const lt = (await h('lt', a, b)) as readonly boolean[]
    a.forEach((x, i) => {
      expect(lt[i], `${x} < ${b[i]}`).toBe(fromBits32(x) < fromBits32(b[i] as number))
    })
    const finite = fc.sample(fc.float({ min: -2e9, max: 2e9, noNaN: true }), RUNS).map(bitsOf32)
    const floors = (await h('floorToInt', finite)) as readonly bigint[]
    finite.forEach((x, i) => {
      expect(Number(floors[i]), `floor(${fromBits32(x)})`).toBe(Math.floor(fromBits32(x)) + 0) // −0 is the integer 0
    })
    const ints = fc.sample(fc.integer({ min: -(2 ** 24) + 1, max: 2 ** 24 - 1 }), RUNS)
    const floats = (await h('fromInt', ints.map(BigInt))) as readonly number[]
    ints.forEach((k, i) => {
      expect(floats[i]).toBe(bitsOf32(k))
    })
  })

  it('hash32 words and the data order are the engine’s', async () => {
    const xs = fc.sample(u32, RUNS)
    expect((await h('hash32', xs)) as readonly number[]).toEqual(xs.map(hash32))
    await fc.assert(
      fc.asyncProperty(
        u32,
        fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 2 ** 31 })),
        fc.array(fc.integer({ min: 0, max: 2 ** 40 }), { minLength: 1, maxLength: 20 }),
        async (seed, count, positions) => {
          const got = (await h('exampleAt', seed, BigInt(count), positions.map(BigInt))) as readonly bigint[]
          expect(got.map(Number)).toEqual(positions.map((p) => exampleAt(seed, count, p)))
        },
      ),
      { numRuns: 40 },
    )
  })

  it('the item tree: the contract rebuilds the engine’s root for 1 to 40 items and checks its proofs', async () => {
    for (let n = 1; n <= 40; n++) {
      const items = Array.from({ length: n }, (_, i) => keccak256(toHex(`item ${n}.${i}`)))
      const tree = itemTree(items)
      expect(await h('rootOf', items), `n = ${n}`).toBe(tree.root)
      const i = (n * 7) % n
      expect(await h('verify', tree.root, BigInt(i), items[i], tree.proof(i))).toBe(true)
      expect(await h('verify', tree.root, BigInt(i + 1), items[i], tree.proof(i))).toBe(false)
    }
  })
})

/** Random MLP shapes of 1–4 layers (small widths, so every element can be listed). */
const shapeArb = fc.record({
  layers: fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 2, maxLength: 5 }),
  batchSize: fc.integer({ min: 1, max: 5 }),
  optimizer: fc.constantFrom(0, 1),
})
const chainSpecOf = (s: { layers: number[]; batchSize: number; optimizer: number }) => ({
  layers: s.layers,
  batchSize: s.batchSize,
  seed: 1,
  steps: 4,
  checkpointEvery: 2,
  optimizer: s.optimizer,
  learningRate: 0,
  beta1: 0,
  beta2: 0,
  epsilon: 0,
  datasetRoot: `0x${'11'.repeat(32)}` as Hex,
  datasetCount: 10,
})
type ReadView = { fromParams: boolean; at: bigint; element: bigint }
const plain = (reads: readonly ReadView[]) =>
  reads.map((r) => ({ fromParams: r.fromParams, at: Number(r.at), element: Number(r.element) }))

describe('TrainingShapes against layout.ts', () => {
  it('every entry’s operation, root, size and terms; the inputs of sampled elements and terms', async () => {
    await fc.assert(
      fc.asyncProperty(shapeArb, fc.nat(), async (s, pick) => {
        const spec = chainSpecOf(s)
        const entries = layout.traceEntries(s)
        for (let k = 0; k < entries; k++) {
          for (let o = 0; o < layout.outputsOf(s, k); o++) {
            const [op, at, size, terms] = (await ref('entry', spec, BigInt(k), BigInt(o))) as readonly [
              number,
              bigint,
              bigint,
              bigint,
            ]
            const e = layout.entryOf(s, k)
            expect(op).toBe(layout.outputOp(s, k, o))
            expect(Number(at)).toBe(layout.rootIndex(s, k, o))
            expect(Number(size)).toBe(layout.entrySize(s, k, o))
            expect(Number(terms)).toBe(layout.reductionTerms(s, k, o))
            const element = pick % Number(size)
            if (Number(terms) > 0) {
              const t = pick % Number(terms)
              const reads = (await ref(
                'termInputs',
                spec,
                BigInt(k),
                BigInt(o),
                BigInt(element),
                BigInt(t),
              )) as readonly ReadView[]
              expect(plain(reads)).toEqual(layout.termInputs(s, k, o, element, t))
            } else if (e.op !== 'batch') {
              const reads = (await ref('elementInputs', spec, BigInt(k), BigInt(element))) as readonly ReadView[]
              expect(plain(reads)).toEqual(layout.elementInputs(s, k, element))
            }
          }
        }
        for (let t = 0; t < 2 * (s.layers.length - 1); t++) {
          const [size, gradient] = (await ref('param', spec, BigInt(t))) as readonly [bigint, bigint]
          expect([Number(size), Number(gradient)]).toEqual([layout.paramSize(s, t), layout.gradientRoot(s, t)])
        }
        const beyond = await chain.call(from, referee, trainingRefereeAbi as Abi, 'entry', [spec, BigInt(entries), 0n])
        expect(beyond.ok).toBe(false)
        const noOutput = await chain.call(from, referee, trainingRefereeAbi as Abi, 'entry', [spec, 1n, 1n])
        expect(noOutput.ok).toBe(false)
        // Every root is some entry's output, once.
        const roots = Array.from({ length: entries }, (_, k) =>
          Array.from({ length: layout.outputsOf(s, k) }, (_, o) => layout.rootIndex(s, k, o)),
        ).flat()
        expect(roots).toEqual(Array.from({ length: layout.traceRoots(s) }, (_, r) => r))
        for (const r of roots)
          expect(layout.rootIndex(s, layout.rootEntry(s, r).entry, layout.rootEntry(s, r).output)).toBe(r)
      }),
      { numRuns: 25 },
    )
  })
})

const OP_SOFTMAX = 4
const OP_MAX = 9
const OP_SUM = 10

describe('the operations the referee recomputes', () => {
  it('softmax cross-entropy: each row’s maximum and sum term by term, and each gradient element', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 12 }),
        fc.array(fc.float({ min: -60, max: 60, noNaN: true }), { minLength: 48, maxLength: 48 }),
        fc.nat(),
        async (m, n, values, pick) => {
          const logits = Float32Array.from(values.slice(0, m * n))
          const labels = Array.from({ length: m }, (_, i) => (pick + i) % n)
          const grad = new Float32Array(m * n)
          const rowMax = new Float32Array(m)
          const rowSum = new Float32Array(m)
          softmaxCrossEntropy(logits, labels, m, n, grad, rowMax, rowSum)
          const element = pick % (m * n)
          const row = Math.floor(element / n)
          const z = [...logits.subarray(row * n, row * n + n)].map(bitsOf32)
          // The maximum and the sum, term by term from +0: the last partial result is the engine's.
          let max = 0
          let sum = 0
          for (let t = 0; t < n; t++) {
            max = (await ref('term', OP_MAX, BigInt(t), max, z[t], 0)) as number
            sum = (await ref('term', OP_SUM, BigInt(t), sum, z[t], bitsOf32(rowMax[row] as number))) as number
          }
          expect(max).toBe(bitsOf32(rowMax[row] as number))
          expect(sum).toBe(bitsOf32(rowSum[row] as number))
          const v = [z[element % n], max, sum, bitsOf32(labels[row] as number)]
          const got = await ref('elementwise', OP_SOFTMAX, v, BigInt(element % n), BigInt(m))
          expect(got).toBe(bitsOf32(grad[element] as number))
        },
      ),
      { numRuns: RUNS / 8 },
    )
  })

  it('SGD with momentum and Adam: one element’s new value and slots', async () => {
    const f32 = fc.float({ min: -4, max: 4, noNaN: true })
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        f32,
        f32,
        f32,
        f32,
        fc.integer({ min: 0, max: 50 }),
        async (isAdam, w, s0, s1, g, t) => {
          const spec = isAdam
            ? { kind: 'adam' as const, learningRate: 0.002, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 }
            : { kind: 'sgd' as const, learningRate: 0.05, momentum: 0.9 }
          const state = createOptimizerState(spec, [1])
          state.step = t
          const f = Math.fround
          for (let i = 0; i < t; i++) {
            state.beta1Power = f(state.beta1Power * f(0.9))
            state.beta2Power = f(state.beta2Power * f(0.999))
          }
          const slots = [Math.abs(s0), Math.abs(s1)]
            .slice(0, isAdam ? 2 : 1)
            .map((x, i) => (i === 0 && !isAdam ? s0 : x))
          slots.forEach((x, i) => {
            ;(state.slots[0] as Float32Array[])[i]?.set([x])
          })
          const params = [Float32Array.of(w)]
          optimizerStep(spec, state, params, [Float32Array.of(g)])
          const hyper = {
            optimizer: isAdam ? 1 : 0,
            learningRate: bitsOf32(spec.learningRate),
            beta1: bitsOf32(isAdam ? 0.9 : 0.9),
            beta2: isAdam ? bitsOf32(0.999) : 0,
            epsilon: isAdam ? bitsOf32(1e-7) : 0,
            beta1Power: bitsOf32(state.beta1Power),
            beta2Power: bitsOf32(state.beta2Power),
          }
          const [next, nextSlots] = (await ref(
            'update',
            hyper,
            bitsOf32(w),
            slots.map(bitsOf32),
            bitsOf32(g),
          )) as readonly [number, readonly number[]]
          expect(next).toBe(bitsOf32(params[0]?.[0] as number))
          expect([...nextSlots]).toEqual((state.slots[0] as Float32Array[]).map((s) => bitsOf32(s[0] as number)))
        },
      ),
      { numRuns: RUNS / 4 },
    )
  })

  it('initial weights and biases from the seed', async () => {
    await fc.assert(
      fc.asyncProperty(
        u32,
        fc.integer({ min: 0, max: 5 }),
        fc.nat({ max: 100_000 }),
        fc.integer({ min: 1, max: 4096 }),
        async (seed, t, i, fanIn) => {
          const spec: MlpSpec = {
            layers: [fanIn, 3, 3, 3],
            optimizer: { kind: 'sgd', learningRate: 0.1, momentum: 0 },
            batchSize: 1,
            seed,
          }
          const got = await ref('initialValue', seed, BigInt(t), BigInt(i), BigInt(spec.layers[t >> 1] as number))
          expect(got).toBe(bitsOf32(initialValue(spec, t, i)))
        },
      ),
      { numRuns: RUNS / 4 },
    )
  })
})
