/**
 * Audit 6 — attacks on the verifiable-training contracts (TrainingJobs, TrainingDisputes, TrainingReferee). Each test
 * plays one attack and asserts what a sound market does; each failed against the contracts as first written (the
 * finding) and passes since its fix (attacks.training.md has every finding, its fix and what was left).
 */
import {
  bitsOf32,
  chainSpec,
  checkpointTree,
  createMlpTrainer,
  type Dataset,
  type DatasetTree,
  datasetTree,
  encodeOpening,
  exp32,
  type MlpSpec,
  openingHash,
  type StateOpening,
  type TrainerState,
} from '@mycel/training'
import { encodeFunctionData, getAddress, type Hex, keccak256, toHex } from 'viem'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  modelRegistryAbi,
  trainingDisputesAbi,
  trainingJobsAbi,
  trainingRefereeAbi,
} from '../../packages/sdk/src/generated/contracts.ts'
import { digits } from '../../packages/training/test/helpers/digits.ts'
import { deployTraining, MYC, playDispute, runOf, TIMES, type Training } from './helpers/training.ts'
import { descentPath, filler, intrinsicGas, sparseTree } from './helpers/trainingSynthetic.ts'

const buyer = getAddress('0x00000000000000000000000000000000000b0e01')
const cheater = getAddress('0x00000000000000000000000000000000000c4ea7')
const honest = getAddress('0x000000000000000000000000000000000000a0e5')
const verifier = getAddress('0x000000000000000000000000000000000000fe01')
const sybil = getAddress('0x0000000000000000000000000000000000005b11')

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

beforeAll(() => {
  const all = digits().train
  const count = 256
  data = { inputs: all.inputs.subarray(0, count * 784), labels: Array.from(all.labels).slice(0, count), count }
  dataset = datasetTree(data, 784)
})

function train(spec: MlpSpec, on: Dataset): TrainerState[] {
  let s = createMlpTrainer(spec, on).snapshot()
  const out = [s]
  for (let i = 0; i < STEPS; i++) {
    const t = createMlpTrainer(spec, on, { resume: s })
    t.step()
    s = t.snapshot()
    out.push(s)
  }
  return out
}

const noTerms = (t: Training) => ({
  currency: t.m.usd.toString(),
  minPricePerRequest: 0n,
  mintFee: 0n,
  licenseDuration: 0n,
  royaltyBps: 0,
  commercialUse: true,
  derivativesAllowed: true,
  attribution: false,
  hasTerms: false,
})

const chain = (spec: MlpSpec = sgd) =>
  chainSpec(spec, { steps: STEPS, checkpointEvery: EVERY, datasetRoot: dataset.root, datasetCount: data.count })

async function setup() {
  const t = await deployTraining()
  for (const who of [cheater, honest, verifier, sybil]) await t.stake(who, 1_000n * MYC)
  return t
}

/** A garbage result with the right number of checkpoints (what a self-dealing provider posts). */
const garbage = (n: number): Hex[] => Array.from({ length: n }, (_, i) => keccak256(toHex(`garbage ${i}`)))

async function submitGarbage(t: Training, jobId: bigint, who: `0x${string}`) {
  const c = chain()
  return t.call(who, t.jobs, trainingJobsAbi, 'submitResult', [
    jobId,
    c,
    garbage(STEPS / EVERY + 1),
    keccak256(toHex('model')),
    0,
    'bafyweights',
    'bafycard',
  ])
}

describe('dispute game', () => {
  it('A1 a provider commits non-zero padding in a tensor chunk: no challenger can dispute the wrong state hash', async () => {
    // The provider trains honestly but its final state commits bias b1 (6 values, one chunk) with two garbage words
    // in the chunk's padding lanes 6 and 7. Its checkpoint hash therefore differs from every honest verifier's, yet
    // nameLane refuses lanes ≥ size (TrainingDisputes.sol:385), so the one differing value can never be named: the
    // verifier's clock runs out and it loses its bond to the provider. A provider can farm verifiers' bonds this way.
    const t = await setup()
    const honestStates = train(sgd, data)
    const states = [...honestStates]
    const last = states[STEPS] as TrainerState
    const padded = new Float32Array(8)
    padded.set(last.params[1] as Float32Array)
    padded[6] = 1234.5
    padded[7] = -1
    states[STEPS] = { ...last, params: last.params.map((p, i) => (i === 1 ? padded : p)) }
    const run = runOf(sgd, data, states)
    const c = chain()
    const jobId = await t.postJob(buyer, c, BUDGET, BOND)
    await t.auction(jobId, [[cheater, 500_000n]])
    await t.submit(jobId, cheater, c, run)
    const outcome = await playDispute(t, {
      jobId,
      spec: c,
      provider: cheater,
      challenger: verifier,
      theirs: run,
      mine: runOf(sgd, data, honestStates),
      dataset,
      data,
    })
    expect(outcome.refused, outcome.phases.join(' → ')).toEqual([])
    expect(outcome.providerLost, outcome.phases.join(' → ')).toBe(true)
  })
})

describe('referee reach', () => {
  it('A2 a batch of 2^24 or more is refused; the largest allowed batch is refereed exactly', async () => {
    // Fixed: batches are capped at 65,536 (TrainingJobs.MAX_BATCH), where 1/batch is exact in binary32.
    const t = await setup()
    const specOf = (batch: number) =>
      chainSpec(
        { layers: [1, 2], optimizer: { kind: 'sgd', learningRate: 0.05, momentum: 0.9 }, batchSize: batch, seed: 1 },
        { steps: 1, checkpointEvery: 1, datasetRoot: keccak256(toHex('data')), datasetCount: batch },
      )
    await t.m.mint(buyer, BUDGET)
    const refused = await t.call(buyer, t.jobs, trainingJobsAbi, 'postJob', [
      specOf(2 ** 24),
      { token: t.m.usd.toString(), budget: BUDGET, bond: BOND, ...TIMES },
      noTerms(t),
      'bafyspec',
      'bafydata',
    ])
    expect(refused.ok).toBe(false)
    const batch = 65_536
    await t.postJob(buyer, specOf(batch), BUDGET, BOND) // allowed
    // The engine's element 0 of one row (logits 0.5, −0.25; label 0): (softmax₀ − 1) · fround(1 / batch).
    const f = Math.fround
    const z = [0.5, -0.25].map(f)
    const e = z.map((x) => exp32(f(x - 0.5)))
    const sum = f((e[0] as number) + (e[1] as number))
    const engine = bitsOf32(f(f(f((e[0] as number) / sum) - 1) * f(1 / batch)))
    const v = [bitsOf32(z[0] as number), bitsOf32(0.5), bitsOf32(sum), bitsOf32(0)]
    const r = await t.call(verifier, t.referee, trainingRefereeAbi, 'elementwise', [4, v, 0n, BigInt(batch)])
    expect(r.ok, 'the referee must compute the softmax gradient for an allowed batch').toBe(true)
    expect(r.result).toBe(engine)
  })
})

describe('market', () => {
  it('A3, A4 phases long enough to overflow uint32 times (window, training time, clock) are refused at posting', async () => {
    // Fixed: every phase lasts at most 365 days and the dispute clock at least 60 s (TrainingJobs._checkMarket).
    const t = await setup()
    await t.m.mint(buyer, BUDGET)
    for (const over of [
      { challengeWindow: 2 ** 32 - 1 },
      { trainingTime: 2 ** 32 - 1 },
      { disputeClock: 2 ** 32 - 1 },
      { disputeClock: 1 },
    ]) {
      const r = await t.fails(buyer, t.jobs, trainingJobsAbi, 'postJob', [
        chain(),
        { token: t.m.usd.toString(), budget: BUDGET, bond: BOND, ...TIMES, ...over },
        noTerms(t),
        'bafyspec',
        'bafydata',
      ])
      expect(r.errorName, JSON.stringify(over)).toBe('TrainingJobsBadMarket')
    }
    expect(await t.usdBalance(buyer)).toBe(BUDGET)
  })

  it('A5 a budget token that does not deliver the budget (an ERC-721, a fee on transfer) is refused at posting', async () => {
    // Fixed: postJob checks the escrow received exactly the budget; payments are owed and withdrawn, so a token that
    // refuses one transfer can never block an acceptance or a bond.
    const t = await setup()
    await t.m.register(buyer)
    const nft = await t.m.register(buyer) // id 2: the escrow's NFT balance grows by 1, not by the "budget" of 2
    await t.must(buyer, t.m.registry, modelRegistryAbi, 'approve', [t.jobs.toString(), nft])
    const market = { token: t.m.registry.toString(), budget: nft, bond: BOND, ...TIMES }
    const r = await t.fails(buyer, t.jobs, trainingJobsAbi, 'postJob', [
      chain(),
      market,
      noTerms(t),
      'bafyspec',
      'bafydata',
    ])
    expect(r.errorName).toBe('TrainingJobsBudgetNotReceived')
  })

  it('A6 reputation is farmed with self-dealt jobs a sybil buyer accepts at once; the slash filter never bites', async () => {
    // revealBid disqualifies a provider with accepted < 4·slashed (TrainingJobs.sol:294); `accepted` grows on every
    // accept, and the buyer may accept at once, waiving the window (TrainingJobs.sol:387). A sybil buyer posts dust
    // jobs (budget 1, bond 1), the provider wins them, posts garbage, the sybil accepts in the same block: four fake
    // acceptances per future slash, at the cost of gas. The provider then cheats (here: takes a real job and lets
    // it expire) and still qualifies for the next real job — and beats honest providers on ties.
    const t = await setup()
    const c = chain()
    for (let i = 0; i < 4; i++) {
      const dust = await t.postJob(sybil, c, 1n, 1n)
      await t.auction(dust, [[cheater, 1n]])
      const r = await submitGarbage(t, dust, cheater)
      expect(r.ok).toBe(true)
      await t.must(sybil, t.jobs, trainingJobsAbi, 'accept', [dust])
    }
    expect((await t.provider(cheater)).accepted).toBe(4)
    const victim = await t.postJob(buyer, c, BUDGET, BOND)
    await t.auction(victim, [[cheater, 500_000n]])
    t.wait(TIMES.trainingTime + 1)
    await t.must(verifier, t.jobs, trainingJobsAbi, 'expire', [victim])
    expect((await t.provider(cheater)).slashed).toBe(1)
    // The next real job: a provider whose only "accepted" jobs are self-dealt dust should not qualify.
    const next = await t.postJob(buyer, c, BUDGET, BOND)
    const salt = keccak256(toHex('s'))
    const cm = await t.must(cheater, t.jobs, trainingJobsAbi, 'bidCommitment', [next, 1, cheater, 1n, salt])
    await t.must(cheater, t.jobs, trainingJobsAbi, 'commitBid', [next, cm.result])
    t.wait(TIMES.biddingTime)
    const reveal = await t.call(cheater, t.jobs, trainingJobsAbi, 'revealBid', [next, 1n, salt])
    expect(reveal.ok, 'self-dealt, instantly accepted dust jobs must not count as reputation').toBe(false)
  })
})

// ---------------------------------------------------------------- gas at full spec size

/** A chunk of eight binary32 values (little-endian words), as bytes32. */
function chunkOf(values: number[]): Hex {
  const b = Buffer.alloc(32)
  values.forEach((v, i) => {
    b.writeFloatLE(v, 4 * i)
  })
  return `0x${b.toString('hex')}`
}

/**
 * Plays a synthetic dispute on a [1, 256] network of batch `batch` down to one softmax gradient element (row 0) and
 * returns the provider's resolve: the logit, the row's maximum and sum and its label, each with its proof.
 */
async function softmaxResolve(batch: number) {
  const t = await setup()
  const classes = 256
  const spec = chainSpec(
    { layers: [1, classes], optimizer: { kind: 'sgd', learningRate: 0.05, momentum: 0.9 }, batchSize: batch, seed: 1 },
    { steps: 1, checkpointEvery: 1, datasetRoot: filler(), datasetCount: batch },
  )
  const logitChunks = Math.ceil((batch * classes) / 8)
  const logitChunk = chunkOf([0.25, -0.5, 0.75, 0, 0, 0, 0, 0])
  const logits = sparseTree(logitChunks, 0, [logitChunk])
  const rows = Math.ceil(batch / 8)
  const maxChunk = chunkOf([1.5])
  const sumChunk = chunkOf([37.25])
  const labelChunk = chunkOf([3])
  const maxes = sparseTree(rows, 0, [maxChunk])
  const sums = sparseTree(rows, 0, [sumChunk])
  const labels = sparseTree(rows, 0, [labelChunk])
  const outChunk = chunkOf([0.001, 0.002])
  const out = descentPath(logitChunks, 0, outChunk)
  // D = 1: inputs, labels, matmul, addBias (the logits), max, sum, gradient, matmulTransA, columnSums.
  const trace = [filler(), labels.root, filler(), logits.root, maxes.root, sums.root, out.root, filler(), filler()]
  const ONE = 0x3f800000
  const start: StateOpening = {
    steps: 0n,
    paramRoots: [filler(), filler()],
    optimizerStep: 0n,
    beta1Power: ONE,
    beta2Power: ONE,
    slotRoots: [filler(), filler()],
  }
  const end: StateOpening = {
    ...start,
    steps: 1n,
    paramRoots: [filler(), filler()],
    optimizerStep: 1n,
    slotRoots: [filler(), filler()],
  }
  const opening = encodeOpening(start, end, trace)
  const cps = [openingHash(start), openingHash(end)]
  const jobId = await t.postJob(buyer, spec, BUDGET, BOND)
  await t.auction(jobId, [[cheater, 500_000n]])
  await t.must(cheater, t.jobs, trainingJobsAbi, 'submitResult', [jobId, spec, cps, filler(), 0, 'w', 'c'])
  const tree = checkpointTree(cps)
  const D = trainingDisputesAbi
  await t.must(verifier, t.disputes, D, 'challenge', [jobId, spec, 1n, cps[0], tree.proof(0), cps[1], tree.proof(1)])
  const id = (await t.must(verifier, t.disputes, D, 'disputeCount')).result as bigint
  await t.must(cheater, t.disputes, D, 'openStep', [id, spec, opening])
  await t.must(verifier, t.disputes, D, 'name', [id, spec, opening, 0, 3, 2]) // softmax (entry 3D), the gradient
  let maxDescend = 0n
  for (const round of out.rounds) {
    const r = await t.must(cheater, t.disputes, D, 'descend', [id, spec, opening, round.nodes])
    if (r.gasUsed > maxDescend) maxDescend = r.gasUsed
    await t.must(verifier, t.disputes, D, 'pickNode', [id, round.nodes, BigInt(round.pick)])
  }
  await t.must(cheater, t.disputes, D, 'revealChunk', [id, outChunk])
  await t.must(verifier, t.disputes, D, 'nameLane', [id, spec, opening, 0n])
  const inputs = [
    { chunk: logitChunk, proof: logits.proofs[0] },
    { chunk: maxChunk, proof: maxes.proofs[0] },
    { chunk: sumChunk, proof: sums.proofs[0] },
    { chunk: labelChunk, proof: labels.proofs[0] },
  ]
  const args = [id, spec, opening, { inputs, example: '0x', exampleProof: [] }]
  const r = await t.chain.call(cheater, t.disputes, D, 'resolve', args, { gasLimit: 30_000_000n })
  const data = encodeFunctionData({ abi: D, functionName: 'resolve', args } as never)
  const intrinsic = intrinsicGas(data)
  const total = BigInt(Math.max(intrinsic.standard + Number(r.gasUsed), intrinsic.floor))
  return { ok: r.ok, exec: r.gasUsed, total, bytes: (data.length - 2) / 2, maxDescend, depth: logits.proofs[0]?.length }
}

describe('gas at allowed spec sizes', () => {
  it('A7 resolving a softmax gradient element at 256 classes and the largest batch fits easily in one transaction', async () => {
    // Fixed: the trace commits each row's maximum and sum, so a gradient element reads four proven values (one exp),
    // and the maximum and the sum are reductions bisected to one term like any other.
    const small = await softmaxResolve(1024)
    const large = await softmaxResolve(65_536)
    const line = (b: string, x: typeof small) =>
      `batch ${b}: proof depth ${x.depth}, execution ${x.exec}, with intrinsic ${x.total} (${x.bytes} calldata bytes)`
    console.log(`softmax resolve, 256 classes — ${line('1,024', small)}; ${line('65,536', large)}`)
    expect(small.ok).toBe(true)
    expect(large.ok).toBe(true)
    expect(large.total, 'every move must fit in one transaction of 2^24 gas').toBeLessThanOrEqual(1_000_000n)
  })
})

describe('integer truncation', () => {
  it('A8 a spec whose tensors reach 2^32 values is refused, so every element index fits in uint32', async () => {
    // Fixed: batch ≤ 65,536 and widths ≤ 4,096 keep every tensor below 2^28 values.
    const t = await setup()
    const batch = 1_572_864
    const spec = chainSpec(
      { layers: [4096, 1], optimizer: { kind: 'sgd', learningRate: 0.05, momentum: 0.9 }, batchSize: batch, seed: 1 },
      { steps: 1, checkpointEvery: 1, datasetRoot: filler(), datasetCount: batch },
    )
    await t.m.mint(buyer, BUDGET)
    const r = await t.fails(buyer, t.jobs, trainingJobsAbi, 'postJob', [
      spec,
      { token: t.m.usd.toString(), budget: BUDGET, bond: BOND, ...TIMES },
      noTerms(t),
      'bafyspec',
      'bafydata',
    ])
    expect(r.errorName).toBe('TrainingJobsBadSpec')
  })
})
