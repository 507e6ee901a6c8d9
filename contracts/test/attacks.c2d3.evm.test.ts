import type { chainSpec, Dataset, DatasetTree } from '@mycel/training'
import { beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { computeToDataAbi, trainingJobsAbi } from '../../packages/sdk/src/generated/contracts.ts'
import {
  BOND,
  BUDGET,
  buyer,
  type ComputeToDataFixture,
  computeToDataCalls,
  deployComputeToData,
  digitsJob,
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

const STEPS = 8
const EVERY = 4
const ROUND = TIMES.biddingTime + TIMES.revealTime

let data: Dataset
let tree: DatasetTree
let spec: ReturnType<typeof chainSpec>

let f: ComputeToDataFixture
const { usd, c2dAddr, c, cCall, g, market, termsHash, order, commit } = computeToDataCalls(() => f)
let t: Training
let c2d: ComputeToDataFixture['c2d']
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
const postOnly = async (grantId = 0n, over: Record<string, unknown> = {}) =>
  (await c(buyer, 'post', await postArgs(grantId, over))).result as bigint
const post = async (grantId = 0n, over: Record<string, unknown> = {}) => {
  const jobId = await postOnly(grantId, over)
  await c(owner, 'approve', [jobId])
  return jobId
}
const rePost = async (grantId: bigint, over: Record<string, unknown> = {}) =>
  (await t.fails(buyer, c2d, computeToDataAbi, 'post', await postArgs(grantId, over))).errorName
const approvedRound = async (jobId: bigint) =>
  ((await c(stranger, 'orderOf', [jobId])).result as { approvedRound: number }).approvedRound
const reopen = (jobId: bigint) => t.must(stranger, t.jobs, trainingJobsAbi, 'assign', [jobId])

beforeAll(() => {
  ;({ data, tree, spec } = digitsJob(STEPS, EVERY))
})

beforeEach(async () => {
  f = await deployComputeToData({ recordsRoot: tree.root, recordCount: data.count, staked: [trusted, outsider] })
  ;({ t, c2d, datasetId } = f)
})

describe('audit 11 — ComputeToData after E1 (Order.approvedRound)', () => {
  it('F1 fixed: approved once commitments closed, the first round providers could bid in counts as the approved one', async () => {
    const jobId = await postOnly()
    const { grantId } = await order(jobId)
    // The owner reads the spec and approves during the reveal period (or after it, before anyone reopened).
    t.wait(TIMES.biddingTime)
    await c(owner, 'approve', [jobId])
    // Nobody can bid in round 1 any more: the approved round was dead. Before the fix it recorded 1, and the grant
    // was used by the cancellation below (ComputeToDataGrantUsed) although no provider could ever bid.
    expect((await commit(jobId, trusted)).ok).toBe(false)
    expect(await approvedRound(jobId)).toBe(2)
    t.wait(TIMES.revealTime)
    await reopen(jobId) // anyone (the node's trainer) opens round 2: the first round anyone can bid in
    expect((await t.job(jobId)).round).toBe(2)
    // The buyer cancels (the trusted provider is offline): no provider ever committed, revealed or held it.
    await c(buyer, 'cancel', [jobId])
    expect((await t.job(jobId)).state).toBe(STATE.cancelled)
    expect((await cCall(buyer, 'post', await postArgs(grantId))).ok).toBe(true)
  })

  it('F1 fixed: approved after the reveal period and reopened in the same second, the grant still posts again', async () => {
    const jobId = await postOnly()
    const { grantId } = await order(jobId)
    t.wait(ROUND) // round 1 over, not reopened yet
    await c(owner, 'approve', [jobId])
    await reopen(jobId) // same timestamp: the buyer never had a moment in the round that used to count
    await c(buyer, 'cancel', [jobId])
    expect((await cCall(buyer, 'post', await postArgs(grantId))).ok).toBe(true)
  })

  it('F1 fixed: approved late and cancelled before the reopening, the grant posts again', async () => {
    const jobId = await postOnly()
    const { grantId } = await order(jobId)
    t.wait(TIMES.biddingTime)
    await c(owner, 'approve', [jobId])
    await c(buyer, 'cancel', [jobId]) // still round 1, before the approved round 2
    expect((await cCall(buyer, 'post', await postArgs(grantId))).ok).toBe(true)
  })

  it('F1 fixed, C4 kept: approved in time, the approved round is the current one; a round after it uses the grant', async () => {
    const jobId = await post()
    expect(await approvedRound(jobId)).toBe(1)
    const { grantId } = await order(jobId)
    t.wait(ROUND - 1)
    await c(owner, 'approve', [jobId]) // a later approval records nothing
    expect(await approvedRound(jobId)).toBe(1)
    t.wait(1)
    await reopen(jobId)
    await c(buyer, 'cancel', [jobId])
    expect(await rePost(grantId)).toBe('ComputeToDataGrantUsed') // F6: the reopened round might have had a provider
  })

  it('F2 SAFE: a best bid revealed in the approved round, then cancelled, posts again — no model, no pay, no bond lost', async () => {
    const jobId = await post()
    const { grantId } = await order(jobId)
    expect((await commit(jobId, trusted)).ok).toBe(true)
    t.wait(TIMES.biddingTime)
    const salt = `0x${'11'.repeat(32)}`
    await t.must(trusted, t.jobs, trainingJobsAbi, 'revealBid', [jobId, PRICE, salt])
    expect((await t.job(jobId)).provider).toBe(trusted)
    expect((await t.provider(trusted)).locked).toBe(BOND)
    // The buyer dislikes the price (or the provider) and cancels before assign: the job never left its auction.
    await c(buyer, 'cancel', [jobId])
    expect((await t.provider(trusted)).locked).toBe(0n)
    await c(stranger, 'claim', [jobId])
    const job = await t.job(jobId)
    expect(job.modelId).toBe(0n) // nothing trained for the buyer: the grant is not used
    expect((await c(stranger, 'owed', [usd(), buyer])).result).toBe(BUDGET)
    expect((await cCall(buyer, 'post', await postArgs(grantId))).ok).toBe(true)
  })

  it('F3 SAFE (C4 kept): approved late, assigned in the first biddable round and expired, the grant is used', async () => {
    const jobId = await postOnly(0n, { bond: 1n })
    const { grantId } = await order(jobId)
    t.wait(TIMES.biddingTime)
    await c(owner, 'approve', [jobId]) // in round 1's reveal period
    t.wait(TIMES.revealTime)
    await reopen(jobId)
    await t.auction(jobId, [[trusted, PRICE]]) // round 2: the provider holds the job
    expect((await t.job(jobId)).state).toBe(STATE.training)
    t.wait(TIMES.trainingTime + 1)
    await t.must(stranger, t.jobs, trainingJobsAbi, 'expire', [jobId])
    expect((await t.job(jobId)).round).toBe(3)
    await c(owner, 'approve', [jobId]) // approving again changes nothing
    await c(buyer, 'cancel', [jobId])
    expect(await rePost(grantId, { bond: 1n })).toBe('ComputeToDataGrantUsed')
  })

  it('F4 SAFE: approving a cancelled job, or a stranger approving or cancelling, changes nothing', async () => {
    const jobId = await postOnly()
    const { grantId } = await order(jobId)
    expect((await t.fails(stranger, c2d, computeToDataAbi, 'approve', [jobId])).errorName).toBe(
      'ComputeToDataNotDatasetOwner',
    )
    expect((await t.fails(stranger, c2d, computeToDataAbi, 'cancel', [jobId])).errorName).toBe('ComputeToDataNotBuyer')
    await c(buyer, 'cancel', [jobId])
    t.wait(3 * ROUND)
    await c(owner, 'approve', [jobId]) // on a cancelled job: records its (last) round
    expect((await commit(jobId, trusted)).ok).toBe(false) // a cancelled job takes no bid
    expect((await cCall(buyer, 'post', await postArgs(grantId))).ok).toBe(true)
  })

  it('F5 SAFE: one grant, one live job; an accepted job uses it; the training price is paid once', async () => {
    const first = await post()
    const { grantId } = await order(first)
    expect(await rePost(grantId)).toBe('ComputeToDataGrantUsed') // the first job still at auction
    await t.auction(first, [[trusted, PRICE]])
    await t.submit(first, trusted, spec, runOf(mlp, data, trainStates(mlp, data, STEPS)))
    await c(buyer, 'accept', [first])
    expect((await t.job(first)).state).toBe(STATE.accepted)
    expect(await rePost(grantId)).toBe('ComputeToDataGrantUsed')
    expect(await g(stranger, 'owed', [usd(), owner])).toBe(TRAINING_PRICE - TRAINING_PRICE / 10n)
    expect((await c(stranger, 'owed', [usd(), buyer])).result).toBe(BUDGET - PRICE) // the refund, once
    expect(await t.usdBalance(c2dAddr())).toBe(0n) // waiting in TrainingJobs until the buyer withdraws (C2)
  })

  it('F6 LEFT (audit 10): approved, reopened by a stranger with no bid, then cancelled, the grant is used', async () => {
    const jobId = await post()
    const { grantId } = await order(jobId)
    t.wait(ROUND)
    await reopen(jobId) // nobody bid in the approved round
    expect((await commit(jobId, outsider)).ok).toBe(false) // the gate still holds in the new round
    await c(buyer, 'cancel', [jobId])
    expect(await rePost(grantId)).toBe('ComputeToDataGrantUsed')
  })
})
