import {
  chainSpec,
  createMlpTrainer,
  type Dataset,
  type DatasetTree,
  exampleAt,
  initialParams,
  type MlpSpec,
} from '@mycel/training'
import { type Address, encodeDeployData, getAddress, maxUint256, toFunctionSelector } from 'viem'
import { beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { computeToDataAbi, licensesAbi, trainingJobsAbi } from '../../packages/sdk/src/generated/contracts.ts'
import {
  BOND,
  BUDGET,
  buyer,
  type ComputeToDataFixture,
  computeToDataCalls,
  deployComputeToData,
  digitsJob,
  KIND,
  mlp,
  outsider,
  owner,
  PRICE,
  STATE,
  stranger,
  TRAINING_PRICE,
  trainStates,
  trusted,
} from './helpers/computeToData.ts'
import { admin } from './helpers/market.ts'
import { testContract } from './helpers/testContracts.ts'
import { MYC, playDispute, runOf, TIMES, type Training, termsIn } from './helpers/training.ts'

const eve = getAddress('0x00000000000000000000000000000000000000ee')
const licensee = getAddress('0x00000000000000000000000000000000000001ce')

const STEPS = 8
const EVERY = 4

// A real dataset (256 MNIST digits): its tree's root is the dataset's records root, so a dispute can be played.
let data: Dataset
let tree: DatasetTree
let spec: ReturnType<typeof chainSpec>

const train = (s: MlpSpec, on: Dataset) => trainStates(s, on, STEPS)

let f: ComputeToDataFixture
let registerDataset: ComputeToDataFixture['registerDataset']
const { usd, c2dAddr, c, cCall, g, market, termsHash, order, ownerOfModel, commit } = computeToDataCalls(() => f)
let t: Training
let c2d: ComputeToDataFixture['c2d']
let datasetId: bigint
let computeGrant: bigint

/** Posts a job and has the dataset's owner approve its spec (the owner of `dataset`, when given). */
const post = async (
  over: {
    grantId?: bigint
    market?: Record<string, unknown>
    modelTerms?: unknown
    dataset?: bigint
    approver?: Address
  } = {},
) => {
  const jobId = await postOnly(over)
  await c(over.approver ?? owner, 'approve', [jobId])
  return jobId
}
const postOnly = async (
  over: { grantId?: bigint; market?: Record<string, unknown>; modelTerms?: unknown; dataset?: bigint } = {},
) =>
  (
    await c(buyer, 'post', [
      over.dataset ?? datasetId,
      over.grantId ?? 0n,
      await termsHash(over.dataset ?? datasetId),
      spec,
      market(over.market),
      over.modelTerms ?? termsIn(usd()),
      'bafyspec',
    ])
  ).result as bigint

/** Runs the job's auction with `trusted` and has it post the honest result; returns the honest run. */
async function trainedBy(jobId: bigint, who: Address = trusted) {
  await t.auction(jobId, [[who, PRICE]])
  const run = runOf(mlp, data, train(mlp, data))
  await t.submit(jobId, who, spec, run)
  return run
}

beforeAll(() => {
  ;({ data, tree, spec } = digitsJob(STEPS, EVERY))
})

beforeEach(async () => {
  f = await deployComputeToData({ recordsRoot: tree.root, recordCount: data.count })
  ;({ t, c2d, datasetId, computeGrant, registerDataset } = f)
})

describe('audit 9 — ComputeToData', () => {
  it('C1 fixed: an account without a compute grant cannot challenge, so it cannot make the provider publish records', async () => {
    const jobId = await post()
    const honest = await trainedBy(jobId)
    // The outsider has no grant and never saw the data: it "trains" on zeros and tries to challenge the honest result.
    expect((await c(stranger, 'mayBid', [jobId, outsider])).result).toBe('0x00000000')
    const zeros: Dataset = {
      inputs: new Float32Array(data.inputs.length),
      labels: Array.from(data.labels, () => 0),
      count: 256,
    }
    const fake = runOf(mlp, zeros, train(mlp, zeros))
    await expect(
      playDispute(t, {
        jobId,
        spec,
        provider: trusted,
        challenger: outsider,
        theirs: honest,
        mine: fake,
        dataset: tree,
        data,
      }),
    ).rejects.toThrow(toFunctionSelector('TrainingJobsBidderRefused(uint256,address)'))
    const job = await t.job(jobId)
    expect(job.challenger).toBe('0x0000000000000000000000000000000000000000')
    expect((await t.provider(outsider)).locked).toBe(0n)
  })

  it('C2 fixed: a budget token that refuses the wrapper blocks only withdrawals in it, never the model', async () => {
    const blk = testContract('BlocklistToken')
    const token = await t.chain.deploy(
      encodeDeployData({ abi: blk.abi, bytecode: blk.bytecode, args: [buyer, 10n * BUDGET] }),
      admin,
    )
    await t.must(buyer, token, blk.abi, 'approve', [c2d.toString(), maxUint256])
    const jobId = await post({ market: { token: token.toString() } })
    await trainedBy(jobId)
    // The token's issuer blocks the (shared) wrapper as a receiver, e.g. because another user of it is sanctioned.
    await t.must(admin, token, blk.abi, 'setBlocked', [c2d.toString(), true])
    await c(buyer, 'accept', [jobId])
    const { modelId } = await t.job(jobId)
    expect(await ownerOfModel(modelId)).toBe(buyer) // delivered with the acceptance
    expect((await c(stranger, 'owed', [token.toString(), buyer])).result).toBe(BUDGET - PRICE)
    expect((await cCall(buyer, 'withdraw', [token.toString()])).ok).toBe(false) // only the blocked token waits
  })

  it('C3 fixed: a provider whose compute grant is revoked after its commitment cannot reveal it', async () => {
    const jobId = await post()
    expect((await commit(jobId, trusted, 1n)).ok).toBe(true)
    // The owner stops trusting the provider (revokes its compute grant) during the bidding period.
    await g(owner, 'revoke', [computeGrant])
    expect((await c(stranger, 'mayBid', [jobId, trusted])).result).toBe('0x00000000')
    expect((await commit(jobId, trusted, 1n)).ok).toBe(false)
    t.wait(TIMES.biddingTime)
    expect(
      (await t.fails(trusted, t.jobs, trainingJobsAbi, 'revealBid', [jobId, 1n, `0x${'11'.repeat(32)}`])).errorName,
    ).toBe('TrainingJobsBidderRefused')
    t.wait(TIMES.revealTime)
    await t.must(stranger, t.jobs, trainingJobsAbi, 'assign', [jobId])
    const job = await t.job(jobId)
    expect(job.state).toBe(STATE.bidding) // no bid: the auction opens again
    expect(job.round).toBe(2)
  })

  it('C4 fixed: a training grant whose job ever reached a provider cannot post again', async () => {
    const jobId = await post({ market: { bond: 1n } })
    const { grantId } = await order(jobId)
    await t.auction(jobId, [[trusted, PRICE]])
    t.wait(TIMES.trainingTime + 1)
    await t.must(stranger, t.jobs, trainingJobsAbi, 'expire', [jobId])
    await c(buyer, 'cancel', [jobId])
    await c(stranger, 'claim', [jobId])
    const args = [datasetId, grantId, await termsHash(), spec, market({ bond: 1n }), termsIn(usd()), 'bafyspec']
    expect((await t.fails(buyer, c2d, computeToDataAbi, 'post', args)).errorName).toBe('ComputeToDataGrantUsed')
    expect(await g(stranger, 'owed', [usd(), owner])).toBe(TRAINING_PRICE - TRAINING_PRICE / 10n) // paid once
  })

  it('C5 mitigated: accepted through the wrapper, the model reaches the buyer in the same transaction', async () => {
    const FEE = 7_000n
    const jobId = await post({ modelTerms: { ...termsIn(usd()), mintFee: FEE } })
    await trainedBy(jobId)
    expect((await cCall(stranger, 'accept', [jobId])).ok).toBe(false) // the window is open: the buyer only
    t.wait(TIMES.challengeWindow)
    await c(stranger, 'accept', [jobId]) // anyone once it is over — and the model moves at once
    const { modelId } = await t.job(jobId)
    expect(await ownerOfModel(modelId)).toBe(buyer)
    // A licence bought now pays the buyer, not the wrapper.
    await t.m.mint(licensee, FEE)
    const agreed = (await t.must(licensee, t.m.licenses, licensesAbi, 'termsHash', [modelId])).result
    await t.must(licensee, t.m.licenses, licensesAbi, 'buy', [modelId, agreed])
    await t.must(stranger, t.m.licenses, licensesAbi, 'releaseRoyalties', [modelId, usd()])
    expect(await t.usdBalance(c2dAddr())).toBe(0n)
  })

  it('C6 fixed: a clone of the dataset cannot put the original’s provider on its jobs', async () => {
    // Eve copies the public listing of dataset X into her own dataset Y, giving training away.
    const clone = await registerDataset(eve, 0n)
    const grant = (await g(eve, 'issue', [clone, KIND.compute, trusted, [], 0, 0n])) as bigint
    // Only the grantee enrols: Eve cannot choose X's provider for Y.
    expect((await t.fails(eve, c2d, computeToDataAbi, 'enrol', [grant])).errorName).toBe('ComputeToDataNotGrantee')
    const jobId = await post({ dataset: clone, approver: eve })
    expect((await commit(jobId, trusted)).ok).toBe(false)
    // (A provider that enrols such a grant itself still gets no key: the original's node releases keys only for
    // grants on the dataset registered from its vault — audit D1 — and the node keeps opened data per dataset.)
  })

  it('C7 fixed: no one but the grantee changes a provider’s enrolment', async () => {
    const old = (await g(owner, 'issue', [datasetId, KIND.compute, trusted, [], 0, 3_600n])) as bigint
    expect((await t.fails(eve, c2d, computeToDataAbi, 'enrol', [old])).errorName).toBe('ComputeToDataNotGrantee')
    t.wait(3_601)
    const jobId = await post()
    expect((await commit(jobId, trusted)).ok).toBe(true)
  })

  it('C8 fixed: nobody bids on a job before the dataset’s owner approved its spec (a memorising spec stays unrun)', async () => {
    // Any spec naming the dataset's root and count is posted; batch 1 and one step would make W1' − W1 = −lr·x·δᵀ,
    // handing the buyer a record — which is why the owner reads the spec first.
    const leaky: MlpSpec = {
      layers: [784, 32, 10],
      optimizer: { kind: 'sgd', learningRate: 0.5, momentum: 0 },
      batchSize: 1,
      seed: 9,
    }
    const leakySpec = chainSpec(leaky, {
      steps: 1,
      checkpointEvery: 1,
      datasetRoot: tree.root,
      datasetCount: data.count,
    })
    const jobId = (
      await c(buyer, 'post', [datasetId, 0n, await termsHash(), leakySpec, market(), termsIn(usd()), 'bafyspec'])
    ).result as bigint
    expect((await c(stranger, 'mayBid', [jobId, trusted])).result).toBe('0x00000000')
    expect((await commit(jobId, trusted)).ok).toBe(false)
    expect((await t.fails(stranger, c2d, computeToDataAbi, 'approve', [jobId])).errorName).toBe(
      'ComputeToDataNotDatasetOwner',
    )
    // The owner declines (never approves); the buyer cancels and posts a sound spec under the same grant.
    const { grantId } = await order(jobId)
    await c(buyer, 'cancel', [jobId])
    const again = await post({ grantId })
    expect((await commit(again, trusted)).ok).toBe(true)
    // What the approval protects against, shown on the engine: the leaky spec's weights give the record back.
    const tr = createMlpTrainer(leaky, data)
    tr.step()
    const final = tr.snapshot().params
    const init = initialParams(leaky)
    const at = (a: Float32Array | undefined, i: number) => a?.[i] ?? Number.NaN
    const db = Array.from({ length: 32 }, (_, j) => at(final[1], j) - at(init[1], j))
    const j = db.reduce((best, v, k) => (Math.abs(v) > Math.abs(db[best] as number) ? k : best), 0)
    const recovered = Array.from(
      { length: 784 },
      (_, i) => (at(final[0], i * 32 + j) - at(init[0], i * 32 + j)) / (db[j] as number),
    )
    const index = exampleAt(leaky.seed, data.count, 0)
    const record = data.inputs.subarray(index * 784, (index + 1) * 784)
    expect(Math.max(...recovered.map((v, i) => Math.abs(v - (record[i] as number))))).toBeLessThan(1e-3)
  })

  it('SAFE: no gas limit lets an outsider pass the gate by starving mayBid (fail-open path unreachable here)', async () => {
    const jobId = await post()
    let passed = 0
    for (let gas = 3_000n; gas <= 120_000n; gas += 250n) if ((await commit(jobId, outsider, PRICE, gas)).ok) passed++
    expect(passed).toBe(0)
    expect((await commit(jobId, trusted, PRICE, 120_000n)).ok).toBe(true)
    // mayBid costs a few thousand gas; starving it leaves commitBid 1/64 of that, far below its SSTORE + event.
    const gate = await t.chain.call(t.jobs.toString() as Address, c2d, computeToDataAbi, 'mayBid', [jobId, trusted])
    expect(gate.gasUsed).toBeLessThan(20_000n)
  })

  it('SAFE: refund and MYC compensation reach the buyer exactly once, nothing left in the wrapper', async () => {
    // Compensation: a first (trusted) winner misses its deadline; a tenth of its bond comes to the wrapper in MYC.
    const lazy = getAddress('0x000000000000000000000000000000000000001a')
    await t.stake(lazy, 1_000n * MYC)
    await c(lazy, 'enrol', [await g(owner, 'issue', [datasetId, KIND.compute, lazy, [], 0, 0n])])
    const jobId = await post()
    await t.auction(jobId, [[lazy, PRICE]])
    t.wait(TIMES.trainingTime + 1)
    await t.must(stranger, t.jobs, trainingJobsAbi, 'expire', [jobId])
    await trainedBy(jobId)
    await c(buyer, 'accept', [jobId]) // accepts and claims
    expect((await c(stranger, 'owed', [t.myc.toString(), buyer])).result).toBe(BOND / 10n)
    expect((await c(stranger, 'owed', [usd(), buyer])).result).toBe(BUDGET - PRICE)
    expect((await cCall(stranger, 'claim', [jobId])).ok).toBe(false)
    await c(buyer, 'withdraw', [usd()])
    await c(buyer, 'withdraw', [t.myc.toString()])
    expect(await t.mycBalance(c2dAddr())).toBe(0n)
    expect(await t.usdBalance(c2dAddr())).toBe(0n)
  })
})
