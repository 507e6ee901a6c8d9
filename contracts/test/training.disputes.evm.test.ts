/**
 * The faults of issue #15, each caught on chain at small size on real MNIST digits: a provider that skips a step,
 * uses another seed, perturbs one weight, trains fewer steps, changes the data order, posts a correct checkpoint root
 * with a wrong model, or whose kernels break the engine's rules (a product, a softmax element) is challenged by a
 * verifier computing from its own records, loses the dispute on chain (the contract recomputes one operation), is
 * slashed, and the job reopens; an honest provider then completes it and the model is registered for the buyer. A
 * false challenge of an honest provider loses the challenger's bond; each side that lets its clock run out loses.
 */
import {
  chainSpec,
  createMlpTrainer,
  type Dataset,
  type DatasetTree,
  datasetTree,
  exp32,
  type MlpSpec,
  type OnOp,
  type TrainerState,
} from '@mycel/training'
import { getAddress, keccak256, toHex } from 'viem'
import { beforeAll, describe, expect, it } from 'vitest'
import { trainingJobsAbi } from '../../packages/sdk/src/generated/contracts.ts'
import { digits } from '../../packages/training/test/helpers/digits.ts'
import {
  deployTraining,
  MYC,
  ownerOfModel,
  type ProviderRun,
  playDispute,
  runOf,
  TIMES,
  type Training,
} from './helpers/training.ts'

const buyer = getAddress('0x00000000000000000000000000000000000b0e01')
const cheater = getAddress('0x00000000000000000000000000000000000c4ea7')
const honest = getAddress('0x000000000000000000000000000000000000a0e5')
const verifier = getAddress('0x000000000000000000000000000000000000fe01')

const STEPS = 8
const EVERY = 4
const BOND = 100n * MYC
const BUDGET = 1_000_000n

let data: Dataset
let dataset: DatasetTree
const sgd: MlpSpec = {
  layers: [784, 6, 10],
  optimizer: { kind: 'sgd', learningRate: 0.05, momentum: 0.9 },
  batchSize: 8,
  seed: 5,
}
const adam: MlpSpec = {
  ...sgd,
  optimizer: { kind: 'adam', learningRate: 0.002, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
}

beforeAll(() => {
  const all = digits().train
  const count = 256 // real digits, a small set so that each dispute takes a second
  data = { inputs: all.inputs.subarray(0, count * 784), labels: Array.from(all.labels).slice(0, count), count }
  dataset = datasetTree(data, 784)
})

type Hooks = { tamper?: (step: number) => OnOp | undefined; after?: (step: number, s: TrainerState) => TrainerState }

/** The states of a run (state i after i steps), with a fault's hooks. */
function train(spec: MlpSpec, on: Dataset, hooks: Hooks = {}): TrainerState[] {
  let s = createMlpTrainer(spec, on).snapshot()
  const out = [s]
  for (let i = 0; i < STEPS; i++) {
    const onOp = hooks.tamper?.(i)
    const t = createMlpTrainer(spec, on, onOp ? { resume: s, onOp } : { resume: s })
    t.step()
    s = t.snapshot()
    if (hooks.after) s = hooks.after(i, s)
    out.push(s)
  }
  return out
}

const copy = (s: TrainerState): TrainerState => ({
  steps: s.steps,
  params: s.params.map((p) => Float32Array.from(p)),
  optimizer: { ...s.optimizer, slots: s.optimizer.slots.map((per) => per.map((x) => Float32Array.from(x))) },
})

const honestRun = (spec: MlpSpec) => runOf(spec, data, train(spec, data))

/** Posts the job, lets the cheater win the auction and post its result; returns the job and the chain spec. */
async function jobWon(t: Training, spec: MlpSpec, run: ProviderRun) {
  const c = chainSpec(spec, {
    steps: STEPS,
    checkpointEvery: EVERY,
    datasetRoot: dataset.root,
    datasetCount: data.count,
  })
  const jobId = await t.postJob(buyer, c, BUDGET, BOND)
  await t.auction(jobId, [
    [cheater, 500_000n],
    [honest, 800_000n],
  ])
  expect((await t.job(jobId)).provider).toBe(cheater)
  await t.submit(jobId, cheater, c, run)
  return { jobId, c }
}

async function setup() {
  const t = await deployTraining()
  for (const who of [cheater, honest, verifier]) await t.stake(who, 1_000n * MYC)
  return t
}

/** The cheater's fault is caught: it loses, is slashed, and the job reopens; returns the dispute's figures. */
async function caught(spec: MlpSpec, run: ProviderRun, expected: string[] = []) {
  const t = await setup()
  const { jobId, c } = await jobWon(t, spec, run)
  const before = await t.mycBalance(verifier)
  const outcome = await playDispute(t, {
    jobId,
    spec: c,
    provider: cheater,
    challenger: verifier,
    theirs: run,
    mine: honestRun(spec),
    dataset,
    data,
  })
  expect(outcome.providerLost, outcome.phases.join(' → ')).toBe(true)
  // Every move the contract refused is named: the provider could not answer (only the wrong model's case).
  expect(outcome.refused, outcome.phases.join(' → ')).toEqual(expected)
  const p = await t.provider(cheater)
  expect(p.stake).toBe(1_000n * MYC - BOND)
  expect(p.slashed).toBe(1)
  expect(p.locked).toBe(0n)
  expect(await t.mycBalance(verifier)).toBe(before + BOND / 10n) // a tenth of the bond; the rest burned
  expect((await t.provider(verifier)).locked).toBe(0n)
  const job = await t.job(jobId)
  expect(job.state).toBe(1) // bidding again
  expect(job.round).toBe(2)
  expect(outcome.maxGas).toBeLessThan(16_777_216n)
  return { t, jobId, c, outcome }
}

describe('faults caught on chain', () => {
  it('skips a step: the update of that step is recomputed and differs', async () => {
    // Step 5 is skipped: state 6 claims 6 steps with state 5's tensors.
    const honestStates = train(sgd, data)
    const skipped = copy(honestStates[5] as TrainerState)
    skipped.steps = 6
    skipped.optimizer.step = 6
    const run: TrainerState[] = [...honestStates.slice(0, 6), skipped]
    for (let i = 6; i < STEPS; i++) {
      const tr = createMlpTrainer(sgd, data, { resume: run[i] as TrainerState })
      tr.step()
      run.push(tr.snapshot())
    }
    const { outcome } = await caught(sgd, runOf(sgd, data, run))
    expect(outcome.phases).toContain('resolve')
  })

  it('uses another seed: the initial state is opened and one initial weight recomputed from the seed', async () => {
    const other = train({ ...sgd, seed: 6 }, data)
    const { outcome } = await caught(sgd, runOf(sgd, data, other))
    expect(outcome.phases).toContain('openInit')
    expect(outcome.phases).not.toContain('resolve')
  })

  it('perturbs one weight at step 3 (Adam): the update element is recomputed and differs', async () => {
    const run = train(adam, data, {
      after: (i, s) => {
        if (i !== 3) return s
        const p = copy(s)
        const w = p.params[0] as Float32Array
        w[1000] = Math.fround((w[1000] as number) + 1e-3)
        return p
      },
    })
    const { outcome } = await caught(adam, runOf(adam, data, run))
    expect(outcome.phases).toContain('resolve')
  })

  it('trains fewer steps: stops after 5 and repeats its state', async () => {
    const honestStates = train(sgd, data)
    const run = honestStates.slice(0, 6)
    for (let i = 6; i <= STEPS; i++) {
      const s = copy(run[5] as TrainerState)
      s.steps = i
      s.optimizer.step = i
      run.push(s)
    }
    await caught(sgd, runOf(sgd, data, run))
  })

  it('changes the data order: a batch row is checked against the dataset root', async () => {
    // The same digits in another order (a provider that shuffles its own way).
    const order = Array.from({ length: data.count }, (_, i) => (i * 37 + 11) % data.count)
    const inputs = new Float32Array(data.inputs.length)
    order.forEach((from, to) => {
      inputs.set(data.inputs.subarray(from * 784, (from + 1) * 784), to * 784)
    })
    const shuffled: Dataset = { inputs, labels: order.map((i) => data.labels[i] as number), count: data.count }
    const run = runOf(sgd, shuffled, train(sgd, shuffled))
    const { outcome } = await caught(sgd, run)
    expect(outcome.phases).toContain('resolve')
  })

  it('posts a correct checkpoint root with a wrong model: it cannot answer and times out', async () => {
    const run = runOf(sgd, data, train(sgd, data), { modelRoot: keccak256(toHex('another model')) })
    const { outcome } = await caught(sgd, run, ['answerModel: TrainingDisputesStateMismatch'])
    expect(outcome.phases[0]).toBe('challengeModel')
    expect(outcome.phases.at(-1)).toBe('timeout')
  })

  it('breaks the rules in a product (a fused or float64 kernel): the partial sums are bisected to one term', async () => {
    const tamper = (step: number): OnOp | undefined =>
      step === 2
        ? (name, layer, outputs) => {
            if (name === 'matmul' && layer === 1) {
              const o = outputs[0] as Float32Array
              o[13] = Math.fround((o[13] as number) * (1 + 2 ** -20))
            }
          }
        : undefined
    const run = { ...runOf(sgd, data, train(sgd, data, { tamper }), { tamper }) }
    const { outcome } = await caught(sgd, run)
    expect(outcome.phases.filter((p) => p === 'bisect').length).toBeGreaterThanOrEqual(2)
    expect(outcome.phases).toContain('resolve')
  })

  it('breaks the rules in a softmax sum (an engine’s own exp): the row’s sum is bisected to one exponential', async () => {
    // A provider whose exp differs in the last bits for one row: that row's sum and gradient differ, consistently.
    const tamper = (step: number): OnOp | undefined => {
      if (step !== 1) return undefined
      let logits = new Float32Array(0)
      let labels = new Float32Array(0)
      return (name, layer, outputs) => {
        if (name === 'batch') labels = Float32Array.from(outputs[1] as Float32Array)
        if (name === 'addBias' && layer === 2) logits = Float32Array.from(outputs[0] as Float32Array)
        if (name !== 'softmaxCrossEntropy') return
        const [maxes, sums, grad] = outputs as [Float32Array, Float32Array, Float32Array]
        const f = Math.fround
        const n = 10
        const row = 3
        const exps = Array.from({ length: n }, (_, j) =>
          f(exp32(f((logits[row * n + j] as number) - (maxes[row] as number))) * (1 + 2 ** -21)),
        )
        let sum = 0
        for (const e of exps) sum = f(sum + e)
        sums[row] = sum
        exps.forEach((e, j) => {
          const p = f(e / sum)
          grad[row * n + j] = f(f(j === labels[row] ? p - 1 : p) * f(1 / 8))
        })
      }
    }
    const { outcome } = await caught(sgd, runOf(sgd, data, train(sgd, data, { tamper }), { tamper }))
    // One round bisects the steps, one the row's sum of ten exponentials.
    expect(outcome.phases.filter((p) => p === 'bisect')).toHaveLength(2)
    expect(outcome.phases.at(-1)).toBe('resolve')
  })

  it('breaks the rules in softmax (an engine exp): one gradient element is recomputed from four values', async () => {
    const tamper = (step: number): OnOp | undefined =>
      step === 6
        ? (name, _layer, outputs) => {
            if (name === 'softmaxCrossEntropy') {
              const g = outputs[2] as Float32Array // the gradient (after each row's maximum and sum)
              g[21] = Math.fround((g[21] as number) + 2 ** -18)
            }
          }
        : undefined
    const { outcome } = await caught(sgd, runOf(sgd, data, train(sgd, data, { tamper }), { tamper }))
    expect(outcome.phases).toContain('resolve')
  })
})

describe('honest providers, false challenges and clocks', () => {
  it('a false challenge of an honest provider loses the challenger’s bond; the job is accepted and registered', async () => {
    const t = await setup()
    const run = honestRun(sgd)
    const { jobId } = await jobWon(t, sgd, run)
    // The challenger's own records are wrong (it perturbed a weight): it disputes a correct result.
    const wrong = train(sgd, data, {
      after: (i, s) => {
        if (i !== 4) return s
        const p = copy(s)
        ;(p.params[2] as Float32Array)[7] = 0.5
        return p
      },
    })
    const c = chainSpec(sgd, {
      steps: STEPS,
      checkpointEvery: EVERY,
      datasetRoot: dataset.root,
      datasetCount: data.count,
    })
    const before = await t.mycBalance(cheater)
    const outcome = await playDispute(t, {
      jobId,
      spec: c,
      provider: cheater,
      challenger: verifier,
      theirs: run,
      mine: runOf(sgd, data, wrong),
      dataset,
      data,
    })
    expect(outcome.providerLost, outcome.phases.join(' → ')).toBe(false)
    expect(outcome.refused).toEqual([])
    expect(outcome.phases.at(-1)).toBe('resolve') // the referee recomputed the provider's value
    // The challenger locked a tenth of the job's bond and lost it; a tenth of that went to the provider.
    expect((await t.provider(verifier)).stake).toBe(1_000n * MYC - BOND / 10n)
    expect(await t.mycBalance(cheater)).toBe(before + BOND / 100n)
    // The window resumes, with at least one dispute clock left for other verifiers (audit F10); after it the job is
    // accepted: paid, refunded, the model registered for the buyer.
    const resumed = (await t.must(buyer, t.jobs, trainingJobsAbi, 'getJob', [jobId])).result as { windowEnd: number }
    expect(BigInt(resumed.windowEnd)).toBeGreaterThanOrEqual(t.chain.now + BigInt(TIMES.disputeClock))
    const usdBefore = await t.usdBalance(cheater)
    expect((await t.fails(honest, t.jobs, trainingJobsAbi, 'accept', [jobId])).errorName).toBe('TrainingJobsWindowOpen')
    t.wait(TIMES.challengeWindow + 1)
    await t.must(honest, t.jobs, trainingJobsAbi, 'accept', [jobId])
    expect(await t.withdraw(cheater)).toBe(500_000n)
    expect(await t.withdraw(buyer)).toBe(BUDGET - 500_000n)
    expect(await t.usdBalance(cheater)).toBe(usdBefore + 500_000n)
    expect(await t.usdBalance(buyer)).toBe(BUDGET - 500_000n)
    const job = await t.job(jobId)
    expect(job.state).toBe(4)
    expect(job.modelId).toBeGreaterThan(0n)
    expect(await ownerOfModel(t, job.modelId)).toBe(buyer)
    expect((await t.provider(cheater)).accepted).toBe(1)
    expect((await t.provider(cheater)).locked).toBe(0n)
  })

  it('after a slash the job reopens and completes honestly', async () => {
    const other = runOf(sgd, data, train({ ...sgd, seed: 9 }, data))
    const { t, jobId, c } = await caught(sgd, other)
    await t.auction(jobId, [[honest, 700_000n]])
    const run = honestRun(sgd)
    await t.submit(jobId, honest, c, run)
    t.wait(TIMES.challengeWindow + 1)
    await t.must(buyer, t.jobs, trainingJobsAbi, 'accept', [jobId])
    const job = await t.job(jobId)
    expect(job.state).toBe(4)
    expect(await t.withdraw(honest)).toBe(700_000n)
    expect(await t.usdBalance(honest)).toBe(700_000n)
    expect(await ownerOfModel(t, job.modelId)).toBe(buyer)
  })

  for (const silent of ['provider', 'challenger'] as const) {
    it(`a ${silent} that lets its clock run out loses`, async () => {
      const t = await setup()
      const run = runOf(sgd, data, train({ ...sgd, seed: 8 }, data))
      const { jobId, c } = await jobWon(t, sgd, run)
      const outcome = await playDispute(t, {
        jobId,
        spec: c,
        provider: cheater,
        challenger: verifier,
        theirs: run,
        mine: honestRun(sgd),
        dataset,
        data,
        silent,
      })
      expect(outcome.phases.at(-1)).toBe('timeout')
      expect(outcome.providerLost).toBe(silent === 'provider')
    })
  }
})
