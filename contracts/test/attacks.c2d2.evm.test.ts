import type { chainSpec, Dataset, DatasetTree, MlpSpec } from '@mycel/training'
import { type Address, getAddress } from 'viem'
import { beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { computeToDataAbi, trainingDisputesAbi, trainingJobsAbi } from '../../packages/sdk/src/generated/contracts.ts'
import {
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
import { runOf, TIMES, type Training, termsIn } from './helpers/training.ts'

const verifier = getAddress('0x000000000000000000000000000000000000fe01')

const STEPS = 8
const EVERY = 4
const ROUND = TIMES.biddingTime + TIMES.revealTime

let data: Dataset
let tree: DatasetTree
let spec: ReturnType<typeof chainSpec>

const train = (s: MlpSpec, on: Dataset) => trainStates(s, on, STEPS)

let f: ComputeToDataFixture
const { usd, c2dAddr, c, cCall, g, market, termsHash, order, ownerOfModel } = computeToDataCalls(() => f)
let t: Training
let c2d: ComputeToDataFixture['c2d']
let grants: typeof c2d
let datasetId: bigint

const postArgs = async (grantId = 0n, over: Record<string, unknown> = {}) => [
  datasetId,
  grantId,
  await termsHash(),
  spec,
  market(over),
  termsIn(usd()),
  'bafyspec',
]
/** Posts a job (not approved yet). */
const postOnly = async (grantId = 0n, over: Record<string, unknown> = {}) =>
  (await c(buyer, 'post', await postArgs(grantId, over))).result as bigint
/** Posts a job and has the dataset's owner approve its spec. */
const post = async (grantId = 0n, over: Record<string, unknown> = {}) => {
  const jobId = await postOnly(grantId, over)
  await c(owner, 'approve', [jobId])
  return jobId
}
/** Lets the current round's auction end without a bid and has anyone (here: a trainer node) reopen it. */
const reopenUnbid = async (jobId: bigint) => {
  t.wait(ROUND)
  await t.must(stranger, t.jobs, trainingJobsAbi, 'assign', [jobId])
}

beforeAll(() => {
  ;({ data, tree, spec } = digitsJob(STEPS, EVERY))
})

beforeEach(async () => {
  f = await deployComputeToData({
    recordsRoot: tree.root,
    recordCount: data.count,
    staked: [trusted, verifier, outsider],
  })
  ;({ t, c2d, grants, datasetId } = f)
})

describe('audit 10 — ComputeToData and the buyer gate', () => {
  it('E1 fixed: a job reopened while it waited for its owner’s approval still lets its grant post again', async () => {
    const jobId = await postOnly()
    const { grantId } = await order(jobId)
    // The owner takes longer than one auction to read the spec: nobody could bid, and anyone reopens the auction
    // (the node's trainer does so for any job it could fit, packages/node/src/trainer/trainer.ts).
    await reopenUnbid(jobId)
    expect((await t.job(jobId)).round).toBe(2)
    // The owner declines: the buyer cancels and, as docs/data.md promises, posts another spec under the same grant.
    await c(buyer, 'cancel', [jobId])
    await c(stranger, 'claim', [jobId])
    const again = await post(grantId)
    expect((await order(again)).grantId).toBe(grantId)
    // The data was paid once; the first budget came back in full.
    expect(await g(stranger, 'owed', [usd(), owner])).toBe(TRAINING_PRICE - TRAINING_PRICE / 10n)
    expect((await c(stranger, 'owed', [usd(), buyer])).result).toBe(BUDGET)
  })

  it('E1 fixed: approved late (in a reopened round) and cancelled before anyone held it, the grant posts again', async () => {
    const jobId = await postOnly()
    const { grantId } = await order(jobId)
    await reopenUnbid(jobId)
    await c(owner, 'approve', [jobId]) // approved in round 2
    expect((await t.job(jobId)).round).toBe(2)
    await c(buyer, 'cancel', [jobId]) // e.g. no trusted provider online
    expect((await cCall(buyer, 'post', await postArgs(grantId))).ok).toBe(true)
  })

  it('E1 fixed, C4 kept: approved late, then held by a provider and reopened, the grant is used', async () => {
    const jobId = await postOnly(0n, { bond: 1n })
    const { grantId } = await order(jobId)
    await reopenUnbid(jobId)
    await c(owner, 'approve', [jobId])
    await c(owner, 'approve', [jobId]) // approving again changes nothing
    await t.auction(jobId, [[trusted, PRICE]])
    t.wait(TIMES.trainingTime + 1)
    await t.must(stranger, t.jobs, trainingJobsAbi, 'expire', [jobId]) // the data reached a provider
    await c(owner, 'approve', [jobId]) // nor does an approval after the provider held it
    await c(buyer, 'cancel', [jobId])
    expect((await t.fails(buyer, c2d, computeToDataAbi, 'post', await postArgs(grantId, { bond: 1n }))).errorName).toBe(
      'ComputeToDataGrantUsed',
    )
  })

  it('E2 left (by construction): with no trusted verifier besides the winner, a garbage result is paid and delivered', async () => {
    const jobId = await post()
    await t.auction(jobId, [[trusted, PRICE]])
    // The only party the owner trusts skips the work: it "trains" on zeros (any checkpoints would do).
    const zeros: Dataset = { inputs: new Float32Array(data.inputs.length), labels: Array(256).fill(0), count: 256 }
    await t.submit(jobId, trusted, spec, runOf(mlp, zeros, train(mlp, zeros)))
    // Nobody may challenge it: the staked outsider is refused by the gate, the winner cannot challenge itself.
    expect((await t.fails(outsider, t.disputes, trainingDisputesAbi, 'challengeModel', [jobId])).errorName).toBe(
      'TrainingJobsBidderRefused',
    )
    expect((await t.fails(trusted, t.disputes, trainingDisputesAbi, 'challengeModel', [jobId])).errorName).toBe(
      'TrainingJobsSelfChallenge',
    )
    // The buyer cannot refuse: a submitted job is neither cancelled nor expired, and the window runs out.
    expect((await cCall(buyer, 'cancel', [jobId])).ok).toBe(false)
    t.wait(TIMES.trainingTime + 1)
    expect((await t.fails(stranger, t.jobs, trainingJobsAbi, 'expire', [jobId])).errorName).toBe(
      'TrainingJobsWrongState',
    )
    await c(stranger, 'accept', [jobId]) // anyone, once the window is over
    const job = await t.job(jobId)
    expect(job.state).toBe(STATE.accepted)
    expect(await ownerOfModel(job.modelId)).toBe(buyer) // the garbage model
    expect((await t.must(trusted, t.jobs, trainingJobsAbi, 'owed', [usd(), trusted])).result).toBe(PRICE)
  })

  it('E2 left (by construction): the owner can empty the verifier set after the buyer can no longer cancel', async () => {
    const vGrant = (await g(owner, 'issue', [datasetId, KIND.compute, verifier, [], 0, 0n])) as bigint
    await c(verifier, 'enrol', [vGrant])
    const jobId = await post()
    // At posting and through the auction, the buyer sees a second trusted party able to check the winner.
    expect((await c(stranger, 'mayBid', [jobId, verifier])).result).not.toBe('0x00000000')
    await t.auction(jobId, [[trusted, PRICE]])
    expect((await cCall(buyer, 'cancel', [jobId])).ok).toBe(false) // assigned: the buyer is committed
    await g(owner, 'revoke', [vGrant]) // (or the verifier's compute grant simply expires)
    const zeros: Dataset = { inputs: new Float32Array(data.inputs.length), labels: Array(256).fill(0), count: 256 }
    await t.submit(jobId, trusted, spec, runOf(mlp, zeros, train(mlp, zeros)))
    expect((await t.fails(verifier, t.disputes, trainingDisputesAbi, 'challengeModel', [jobId])).errorName).toBe(
      'TrainingJobsBidderRefused',
    )
  })

  it('SAFE: starving the gate of gas does not let an outsider open a dispute (fail-open path unreachable)', async () => {
    const jobId = await post()
    await t.auction(jobId, [[trusted, PRICE]])
    await t.submit(jobId, trusted, spec, runOf(mlp, data, train(mlp, data)))
    let opened = 0
    for (let gas = 20_000n; gas <= 400_000n; gas += 1_000n) {
      const r = await t.chain.call(outsider, t.disputes, trainingDisputesAbi, 'challengeModel', [jobId], {
        gasLimit: gas,
      })
      if (r.ok) opened++
    }
    expect(opened).toBe(0)
    expect((await t.job(jobId)).challenger).toBe('0x0000000000000000000000000000000000000000')
  })

  it('SAFE: every unit is accounted for across a declined job, a re-post under the grant and an acceptance', async () => {
    const start = await t.usdBalance(buyer)
    const first = await postOnly()
    const { grantId } = await order(first)
    await reopenUnbid(first)
    await c(buyer, 'cancel', [first])
    const second = await post(grantId)
    await t.auction(second, [[trusted, PRICE]])
    await t.submit(second, trusted, spec, runOf(mlp, data, train(mlp, data)))
    await c(buyer, 'accept', [second])
    expect((await cCall(stranger, 'claim', [second])).ok).toBe(false) // nothing left to claim
    await c(stranger, 'claim', [first])
    expect((await cCall(stranger, 'claim', [first])).ok).toBe(false)
    await c(buyer, 'withdraw', [usd()])
    expect(await t.usdBalance(buyer)).toBe(start - TRAINING_PRICE - PRICE) // the data once, the bid once
    expect(await t.usdBalance(c2dAddr())).toBe(0n)
    expect((await t.must(trusted, t.jobs, trainingJobsAbi, 'owed', [usd(), trusted])).result).toBe(PRICE)
    expect(await t.usdBalance(t.jobs.toString() as Address)).toBe(PRICE) // only the provider's pay remains
    const grantsHeld = await t.usdBalance(grants.toString() as Address)
    expect(grantsHeld).toBe(TRAINING_PRICE)
  })
})
