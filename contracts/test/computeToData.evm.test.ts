/**
 * ComputeToData on the real compiled contracts (TrainingJobs, DatasetRegistry, AccessGrants, ModelRegistry): a job
 * posted on a dataset buys its training grant and escrows the budget in one transaction, paying the dataset's owners at
 * once; only providers holding an enrolled, valid compute grant may bid, once the owner approved the spec (TrainingJobs
 * asks the buyer contract); the
 * accepted model and the rest of the budget reach the buyer through claim, once; a cancelled job's grant posts again;
 * every refusal is named and loses nothing.
 */
import { chainSpec } from '@mycel/training'
import { type Address, getAddress, type Hex, maxUint256 } from 'viem'
import { beforeEach, describe, expect, it } from 'vitest'
import {
  accessGrantsAbi,
  modelRegistryAbi,
  testUSDAbi as testUsdAbi,
  trainingJobsAbi,
} from '../../packages/sdk/src/generated/contracts.ts'
import {
  BOND,
  BUDGET,
  buyer,
  type ComputeToDataFixture,
  computeToDataCalls,
  contributor,
  deployComputeToData,
  KIND,
  mlp,
  outsider,
  owner,
  stranger,
  TRAINING_PRICE,
  trusted,
} from './helpers/computeToData.ts'
import { type Training, termsIn } from './helpers/training.ts'

const ROOT = `0x${'cd'.repeat(32)}` as Hex
const COUNT = 256
const spec = chainSpec(mlp, { steps: 8, checkpointEvery: 4, datasetRoot: ROOT, datasetCount: COUNT })
const checkpoints = [1, 2, 3].map((i) => `0x${i.toString(16).padStart(64, '0')}` as Hex)

let f: ComputeToDataFixture
let t: Training
let c2d: ComputeToDataFixture['c2d']
let grants: ComputeToDataFixture['grants']
let datasetId: bigint
const { usd, c, cFails, g, market, termsHash, order, commit } = computeToDataCalls(() => f)
const postArgs = async (grantId = 0n, s = spec) => [
  datasetId,
  grantId,
  await termsHash(),
  s,
  market(),
  termsIn(usd()),
  'bafyspec',
]
/** Posts a job, and has the dataset's owner approve its spec. */
const post = async (grantId = 0n) => {
  const jobId = (await c(buyer, 'post', await postArgs(grantId))).result as bigint
  await c(owner, 'approve', [jobId])
  return jobId
}

beforeEach(async () => {
  f = await deployComputeToData({ recordsRoot: ROOT, recordCount: COUNT })
  ;({ t, c2d, grants, datasetId } = f)
})

describe('ComputeToData', () => {
  it('posts a job on the dataset, paying the owners at once and escrowing the budget, in one transaction', async () => {
    const before = await t.usdBalance(buyer)
    const jobId = await post()
    expect(before - (await t.usdBalance(buyer))).toBe(BUDGET + TRAINING_PRICE)
    // The training price is split where grants are paid: the contributor's tenth, the owner the rest.
    expect(await g(stranger, 'owed', [usd(), contributor])).toBe(TRAINING_PRICE / 10n)
    expect(await g(stranger, 'owed', [usd(), owner])).toBe(TRAINING_PRICE - TRAINING_PRICE / 10n)
    expect(await t.usdBalance(c2d.toString() as Address)).toBe(0n)
    const job = (await t.must(stranger, t.jobs, trainingJobsAbi, 'getJob', [jobId])).result as {
      buyer: Address
      datasetCid: string
    }
    expect(job.buyer).toBe(getAddress(c2d.toString()))
    expect(job.datasetCid).toBe('bafysealed') // the lineage names the dataset's sealed content
    const o = await order(jobId)
    expect(o.buyer).toBe(buyer)
    expect(o.datasetId).toBe(datasetId)
    const grant = (await g(stranger, 'getGrant', [o.grantId])) as { kind: number; grantee: Address }
    expect(grant.kind).toBe(KIND.training)
    expect(grant.grantee).toBe(buyer)
    expect((await c(stranger, 'jobOfGrant', [o.grantId])).result).toBe(jobId)
  })

  it('refuses a spec that names other records, and terms changed since they were read, losing nothing', async () => {
    const before = await t.usdBalance(buyer)
    const other = chainSpec(mlp, {
      steps: 8,
      checkpointEvery: 4,
      datasetRoot: `0x${'ab'.repeat(32)}`,
      datasetCount: COUNT,
    })
    expect(await cFails(buyer, 'post', await postArgs(0n, other))).toBe('ComputeToDataWrongDataset')
    const fewer = chainSpec(mlp, { steps: 8, checkpointEvery: 4, datasetRoot: ROOT, datasetCount: COUNT - 1 })
    expect(await cFails(buyer, 'post', await postArgs(0n, fewer))).toBe('ComputeToDataWrongDataset')
    const args = await postArgs()
    args[2] = `0x${'00'.repeat(32)}`
    expect(await cFails(buyer, 'post', args)).toBe('AccessGrantsTermsChanged')
    expect(await cFails(buyer, 'post', [99n, ...(await postArgs()).slice(1)])).toBe('DatasetRegistryUnknownDataset')
    expect(await t.usdBalance(buyer)).toBe(before)
    expect((await t.must(stranger, t.jobs, trainingJobsAbi, 'jobCount')).result).toBe(0n)
  })

  it('lets only providers with an enrolled, valid compute grant bid, once the owner approved the spec', async () => {
    const unapproved = (await c(buyer, 'post', await postArgs())).result as bigint
    expect((await commit(unapproved, trusted)).ok).toBe(false)
    expect(await cFails(buyer, 'approve', [unapproved])).toBe('ComputeToDataNotDatasetOwner')
    await c(owner, 'approve', [unapproved])
    expect((await commit(unapproved, trusted)).ok).toBe(true)
    const jobId = await post()
    const refused = await commit(jobId, outsider)
    expect(refused.ok).toBe(false)
    expect(
      (await t.fails(outsider, t.jobs, trainingJobsAbi, 'commitBid', [jobId, `0x${'01'.repeat(32)}`])).errorName,
    ).toBe('TrainingJobsBidderRefused')
    expect((await commit(jobId, trusted)).ok).toBe(true)
    // A training or access grant is no trust to train: enrolling one is refused.
    expect(await cFails(buyer, 'enrol', [(await order(jobId)).grantId])).toBe('ComputeToDataBadGrant')
    // Revoked, the trust is gone at the next bid.
    const compute = (await c(stranger, 'enrolledGrant', [datasetId, trusted])).result as bigint
    await g(owner, 'revoke', [compute])
    expect((await commit(jobId, trusted)).ok).toBe(false)
    expect(await cFails(trusted, 'enrol', [compute])).toBe('ComputeToDataBadGrant')
    // Jobs posted straight to TrainingJobs by an account stay open to every provider.
    const open = await t.postJob(buyer, spec, BUDGET, BOND)
    expect((await commit(open, outsider)).ok).toBe(true)
  })

  it('delivers the model and the rest of the budget to the buyer once the job is accepted, once', async () => {
    const jobId = await post()
    expect(await cFails(stranger, 'claim', [jobId])).toBe('ComputeToDataNotFinished')
    await t.auction(jobId, [[trusted, 400_000n]])
    await t.must(trusted, t.jobs, trainingJobsAbi, 'submitResult', [
      jobId,
      spec,
      checkpoints,
      checkpoints[2],
      0,
      'bafyweights',
      'bafycard',
    ])
    expect(await cFails(stranger, 'accept', [jobId])).toBe('ComputeToDataNotBuyer')
    await c(buyer, 'accept', [jobId]) // the buyer waives the rest of the window, and claims at once
    const { modelId } = await t.job(jobId)
    expect(modelId).toBeGreaterThan(0n)
    expect((await t.must(stranger, t.m.registry, modelRegistryAbi, 'ownerOf', [modelId])).result).toBe(buyer)
    expect((await c(stranger, 'owed', [usd(), buyer])).result).toBe(BUDGET - 400_000n)
    expect(await cFails(stranger, 'claim', [jobId])).toBe('ComputeToDataNothingToClaim')
    const before = await t.usdBalance(buyer)
    await c(buyer, 'withdraw', [usd()])
    expect((await t.usdBalance(buyer)) - before).toBe(BUDGET - 400_000n)
    expect(await cFails(buyer, 'withdraw', [usd()])).toBe('ComputeToDataNothingOwed')
    // The provider is paid its bid by TrainingJobs; nothing is left in either contract for this job.
    expect(await t.withdraw(trusted)).toBe(400_000n)
    expect(await t.usdBalance(c2d.toString() as Address)).toBe(0n)
    expect(await t.usdBalance(t.jobs.toString() as Address)).toBe(0n)
  })

  it('refunds a cancelled job and lets its training grant post again; a live job’s grant is used', async () => {
    const jobId = await post()
    const { grantId } = await order(jobId)
    expect(await cFails(stranger, 'cancel', [jobId])).toBe('ComputeToDataNotBuyer')
    expect(await cFails(buyer, 'post', await postArgs(grantId))).toBe('ComputeToDataGrantUsed')
    await c(buyer, 'cancel', [jobId])
    await c(stranger, 'claim', [jobId])
    expect((await c(stranger, 'owed', [usd(), buyer])).result).toBe(BUDGET)
    const before = await t.usdBalance(buyer)
    const again = await post(grantId)
    expect(before - (await t.usdBalance(buyer))).toBe(BUDGET) // no second data price
    expect((await order(again)).grantId).toBe(grantId)
    expect(await cFails(buyer, 'post', await postArgs(grantId))).toBe('ComputeToDataGrantUsed')
    // Only the grant's holder, on its dataset, with a training grant.
    await c(buyer, 'cancel', [again])
    expect(await cFails(stranger, 'post', await postArgs(grantId))).toBe('ComputeToDataBadGrant')
    await t.must(buyer, t.m.usd, testUsdAbi, 'approve', [grants.toString(), maxUint256])
    const records = (
      await t.must(buyer, grants, accessGrantsAbi, 'buy', [
        datasetId,
        KIND.records,
        buyer,
        [1, 2],
        0,
        await termsHash(),
      ])
    ).result as bigint
    expect(await cFails(buyer, 'post', await postArgs(records))).toBe('ComputeToDataBadGrant')
  })
})
