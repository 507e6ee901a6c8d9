/**
 * Audit 6 — attacks on the verifiable-training contracts (TrainingJobs, TrainingDisputes, TrainingReferee). Each test
 * plays one attack and asserts what a sound market would do; every test here FAILS against the contracts as they are
 * (that is the finding). Design weaknesses without a direct exploit are in attacks.training.md.
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
import { deployTraining, type MarketTimes, MYC, playDispute, runOf, TIMES, type Training } from './helpers/training.ts'
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
  it('A2 a batch of 2^24 or more: the softmax gradient cannot be recomputed, an honest provider loses', async () => {
    // _checkSpec allows any batch up to datasetCount ≤ 2^31, but softmaxGradient computes 1/batch with
    // Float32Math.fromInt, which panics (23 − top underflows) for batch ≥ 2^24 (Float32Math.sol:57,
    // TrainingOps.sol:63). Any challenger that names a softmax element then wins: the provider's resolve reverts.
    const t = await setup()
    const batch = 2 ** 24
    const spec = chainSpec(
      { layers: [1, 2], optimizer: { kind: 'sgd', learningRate: 0.05, momentum: 0.9 }, batchSize: batch, seed: 1 },
      { steps: 1, checkpointEvery: 1, datasetRoot: keccak256(toHex('data')), datasetCount: batch },
    )
    await t.postJob(buyer, spec, BUDGET, BOND) // allowed
    // The engine's element 0 of one row (logits 0.5, −0.25; label 0): (softmax₀ − 1) · fround(1 / batch).
    const f = Math.fround
    const z = [0.5, -0.25].map(f)
    const e = z.map((x) => exp32(f(x - 0.5)))
    const sum = f((e[0] as number) + (e[1] as number))
    const engine = bitsOf32(f(f(f((e[0] as number) / sum) - 1) * f(1 / batch)))
    const v = [...z.map(bitsOf32), bitsOf32(0)]
    const r = await t.call(verifier, t.referee, trainingRefereeAbi, 'elementwise', [4, v, 0n, BigInt(batch)])
    expect(r.ok, 'the referee must compute the softmax gradient for an allowed batch').toBe(true)
    expect(r.result).toBe(engine)
  })
})

describe('market', () => {
  it('A3 a challenge window that overflows uint32: the winner cannot submit and is slashed, the buyer takes a tenth', async () => {
    // _checkMarket bounds no phase from above; submitResult computes uint32(now) + challengeWindow (checked), which
    // panics (TrainingJobs.sol:373). The provider trained but can never post; expire slashes it, 10% to the buyer.
    const t = await setup()
    const times: MarketTimes = { ...TIMES, challengeWindow: 2 ** 32 - 1 }
    const c = chain()
    const jobId = await t.postJob(buyer, c, BUDGET, BOND, times)
    await t.auction(jobId, [[honest, 500_000n]], times)
    const run = runOf(sgd, data, train(sgd, data))
    const r = await t.call(honest, t.jobs, trainingJobsAbi, 'submitResult', [
      jobId,
      c,
      run.checkpoints(c),
      run.modelRoot(c),
      0,
      'bafyweights',
      'bafycard',
    ])
    expect(r.ok, 'an honest result must be postable on an accepted job').toBe(true)
  })

  it('A4 a training time that overflows uint32: assign reverts forever and the best bid stays locked', async () => {
    const t = await setup()
    const times: MarketTimes = { ...TIMES, trainingTime: 2 ** 32 - 1 }
    const jobId = await t.postJob(buyer, chain(), BUDGET, BOND, times)
    const r = await t.call(honest, t.jobs, trainingJobsAbi, 'bidCommitment', [
      jobId,
      1,
      honest,
      500_000n,
      keccak256(toHex('salt')),
    ])
    await t.must(honest, t.jobs, trainingJobsAbi, 'commitBid', [jobId, r.result])
    t.wait(TIMES.biddingTime)
    await t.must(honest, t.jobs, trainingJobsAbi, 'revealBid', [jobId, 500_000n, keccak256(toHex('salt'))])
    t.wait(TIMES.revealTime)
    expect((await t.provider(honest)).locked).toBe(BOND)
    const assigned = await t.call(verifier, t.jobs, trainingJobsAbi, 'assign', [jobId])
    expect(assigned.ok, 'assign must not revert: the bond is locked until the buyer cancels').toBe(true)
  })

  it('A5 an ERC-721 as the budget token: the escrow goes in, no payment comes out, the provider bond is held forever', async () => {
    // postJob escrows with safeTransferFrom, whose selector ERC-721 shares; accept pays with transfer(), which an
    // ERC-721 does not have. The buyer's own model NFT (id = "budget") is escrowed; after an honest result, accept
    // reverts for ever: the provider is never paid and its bond never unlocks (TrainingJobs.sol:397-398). The same
    // holds for any token that can freeze transfers to the provider or the buyer (pause, blacklist).
    const t = await setup()
    const nft = await t.m.register(buyer)
    await t.must(buyer, t.m.registry, modelRegistryAbi, 'approve', [t.jobs.toString(), nft])
    const c = chain()
    const market = { token: t.m.registry.toString(), budget: nft, bond: BOND, ...TIMES }
    const terms = {
      currency: t.m.usd.toString(),
      minPricePerRequest: 100n,
      mintFee: 0n,
      licenseDuration: 0n,
      royaltyBps: 500,
      commercialUse: true,
      derivativesAllowed: true,
      attribution: true,
      hasTerms: true,
    }
    const posted = await t.must(buyer, t.jobs, trainingJobsAbi, 'postJob', [c, market, terms, 'bafyspec', 'bafydata'])
    const jobId = posted.result as bigint
    await t.auction(jobId, [[honest, nft]])
    const run = runOf(sgd, data, train(sgd, data))
    await t.submit(jobId, honest, c, run)
    t.wait(TIMES.challengeWindow + 1)
    const accepted = await t.call(verifier, t.jobs, trainingJobsAbi, 'accept', [jobId])
    expect(accepted.ok, 'an unchallenged honest result must be accepted (or at least its bond released)').toBe(true)
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
 * returns the provider's resolve: 256 logits and a label, each with its Merkle proof, and the softmax recomputed.
 */
async function softmaxResolve(batch: number) {
  const t = await setup()
  const classes = 256
  const spec = chainSpec(
    { layers: [1, classes], optimizer: { kind: 'sgd', learningRate: 0.05, momentum: 0.9 }, batchSize: batch, seed: 1 },
    { steps: 1, checkpointEvery: 1, datasetRoot: filler(), datasetCount: batch },
  )
  const logitChunks = Math.ceil((batch * classes) / 8)
  const row = Array.from({ length: classes / 8 }, (_, q) =>
    chunkOf(Array.from({ length: 8 }, (_, i) => ((q * 8 + i) % 13) / 7 - 0.9)),
  )
  const logits = sparseTree(logitChunks, 0, row)
  const labelChunk = chunkOf([3])
  const labels = sparseTree(Math.ceil(batch / 8), 0, [labelChunk])
  const outChunk = chunkOf([0.001, 0.002])
  const out = descentPath(logitChunks, 0, outChunk)
  const trace = [filler(), labels.root, filler(), logits.root, out.root, filler(), filler()]
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
  await t.must(verifier, t.disputes, D, 'name', [id, spec, opening, 0, 3, 0]) // softmax (entry 3D), output 0
  let maxDescend = 0n
  for (const round of out.rounds) {
    const r = await t.must(cheater, t.disputes, D, 'descend', [id, spec, opening, round.nodes])
    if (r.gasUsed > maxDescend) maxDescend = r.gasUsed
    await t.must(verifier, t.disputes, D, 'pickNode', [id, round.nodes, BigInt(round.pick)])
  }
  await t.must(cheater, t.disputes, D, 'revealChunk', [id, outChunk])
  await t.must(verifier, t.disputes, D, 'nameLane', [id, spec, opening, 0n])
  const inputs = [
    ...Array.from({ length: classes }, (_, c) => ({ chunk: row[c >> 3], proof: logits.proofs[c >> 3] })),
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
  it('A7 resolving one softmax element of 256 classes needs more than 2^24 gas from batch 65,536 on', async () => {
    // resolve proves every logit of the row separately (257 Merkle proofs — each chunk proven 8 times —
    // TrainingDisputes.sol:643-649, calldata and sha256 linear in the tree depth) and recomputes 256 exps in one
    // transaction. With 256 classes (MAX_CLASSES) and batch 65,536 the move, intrinsic calldata gas included (the EVM
    // helper's gasUsed and the repo's own bench leave it out), exceeds the 2^24 transaction cap of EIP-7825: an honest
    // provider cannot answer any challenger that names a softmax element, and loses its bond on time.
    const small = await softmaxResolve(1024)
    const large = await softmaxResolve(65_536)
    const largest = await softmaxResolve(2 ** 24 - 1)
    const line = (b: string, x: typeof small) =>
      `batch ${b}: proof depth ${x.depth}, execution ${x.exec}, with intrinsic ${x.total} (${x.bytes} calldata bytes)`
    console.log(
      `softmax resolve, 256 classes — ${line('1,024', small)}; ${line('65,536', large)}; ${line('2^24 − 1', largest)}`,
    )
    expect(small.ok).toBe(true)
    expect(small.total).toBeGreaterThan(14_000_000n) // already within 15% of the cap at batch 1,024
    expect(large.total, 'every move must fit in one transaction of 2^24 gas').toBeLessThanOrEqual(16_777_216n)
  })
})

describe('integer truncation', () => {
  it('A8 an element index ≥ 2^32 is truncated to uint32: the referee resolves another element than the one named', async () => {
    // _checkSpec bounds batch only by datasetCount ≤ 2^31, so batch × width reaches 2^43, but nameLane stores
    // d.element = uint32(index·8 + lane) (TrainingDisputes.sol:386; also ElementNamed, TrainingMerkle.leaf's
    // uint32(index)). Here: layers [4096, 1], batch 1,572,864 — the batch inputs hold 6.4·10^9 values — and the
    // challenger names the first value of chunk 2^29 + 7 (element 2^32 + 56): the game stores element 56, so resolve
    // checks row 0's example against the claim about row 1,048,576.
    const t = await setup()
    const batch = 1_572_864
    const spec = chainSpec(
      { layers: [4096, 1], optimizer: { kind: 'sgd', learningRate: 0.05, momentum: 0.9 }, batchSize: batch, seed: 1 },
      { steps: 1, checkpointEvery: 1, datasetRoot: filler(), datasetCount: batch },
    )
    const chunks = Math.ceil((batch * 4096) / 8)
    const target = 2 ** 29 + 7
    const chunk = chunkOf([0.25])
    const path = descentPath(chunks, target, chunk)
    const trace = [path.root, filler(), filler(), filler(), filler(), filler(), filler()]
    const ONE = 0x3f800000
    const start: StateOpening = {
      steps: 0n,
      paramRoots: [filler(), filler()],
      optimizerStep: 0n,
      beta1Power: ONE,
      beta2Power: ONE,
      slotRoots: [filler(), filler()],
    }
    const end: StateOpening = { ...start, steps: 1n, optimizerStep: 1n, paramRoots: [filler(), filler()] }
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
    await t.must(verifier, t.disputes, D, 'name', [id, spec, opening, 0, 0, 0]) // the batch's inputs
    for (const round of path.rounds) {
      await t.must(cheater, t.disputes, D, 'descend', [id, spec, opening, round.nodes])
      await t.must(verifier, t.disputes, D, 'pickNode', [id, round.nodes, BigInt(round.pick)])
    }
    await t.must(cheater, t.disputes, D, 'revealChunk', [id, chunk])
    await t.must(verifier, t.disputes, D, 'nameLane', [id, spec, opening, 0n])
    const d = await t.dispute(id)
    expect(d.index).toBe(target)
    expect(BigInt(d.element), 'the element the referee resolves must be the one named').toBe(BigInt(target) * 8n)
  })
})
