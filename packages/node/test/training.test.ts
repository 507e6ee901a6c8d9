/**
 * The training market on a node: a buyer posts a small job on real MNIST digits (the dataset in the node's content
 * store), the node's trainer bids, wins, trains on a worker thread and posts its result, the node's verifier checks
 * it and agrees, the trainer accepts after the window and withdraws its pay, and the model is registered for the
 * buyer. The API shows it all; a verifier fetches checkpoint states from the trainer's endpoint, and bad requests for
 * them get a JSON 4xx. Then a job funded by a research round (quadratic funding) goes through the same market: its
 * model and the budget it did not spend go to its proposer.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { heldOutSplit } from '@mycel/models/held-out'
import {
  claimResearchModel,
  claimResearchRefund,
  contributeToProposal,
  finalizeResearchRound,
  getTrainingJob,
  launchResearchProposal,
  modelRegistryAbi,
  openResearchRound,
  postTrainingJob,
  proposeResearchJob,
  testUsdAbi,
  type WriteClient,
  writeContractAndWait,
} from '@mycel/sdk'
import { chainSpec, datasetOf, datasetTree, type MlpSpec, stateHash } from '@mycel/training'
import { createPublicClient, createWalletClient, http } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { MycelNode } from '../src/app/start.ts'
import { createContentStore } from '../src/content/contentStore.ts'
import { devnetAccount } from '../src/devnet/accounts.ts'
import { decodeState } from '../src/training/checkpoints.ts'
import { encodeDataset } from '../src/training/dataset.ts'
import { startTrainingTestNode } from './testNode.ts'

let dataDir: string
let node: MycelNode

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'mycel-training-'))
  node = await startTrainingTestNode(dataDir)
}, 120_000)

afterAll(async () => {
  await node?.stop()
  rmSync(dataDir, { recursive: true, force: true })
})

const spec: MlpSpec = {
  layers: [784, 8, 10],
  optimizer: { kind: 'sgd', learningRate: 0.05, momentum: 0.9 },
  batchSize: 8,
  seed: 3,
}

type Overview = {
  jobs: { id: string; status: string; modelId: string; result: { weightsCid: string }; checkpoints: number }[]
  trainer: { registered: boolean }
  verifier: { checked: { jobId: string; verdict: string; segments: number[] }[] }
  rounds: { id: string; finalized: boolean; proposals: { id: string; matched: string; jobId: string }[] }[]
}

const walletOf = (index: number) =>
  createWalletClient({
    account: devnetAccount(index),
    chain: undefined,
    transport: http(node.rpcUrl),
  }) as unknown as WriteClient

async function mint(to: WriteClient, amount: bigint) {
  await writeContractAndWait(walletOf(0), {
    address: node.addresses.testUsd as `0x${string}`,
    abi: testUsdAbi,
    functionName: 'mint',
    args: [to.account.address, amount],
  })
}

/** A small job's market: 3 s to bid and reveal, a 15 s window, a 10 MYC bond. */
const marketIn = (token: `0x${string}`, budget: bigint) => ({
  token,
  budget,
  bond: 10n ** 19n,
  biddingTime: 3,
  revealTime: 3,
  trainingTime: 600,
  challengeWindow: 15,
  disputeClock: 60,
})

const termsIn = (currency: `0x${string}`, royaltyBps: number) => ({
  currency,
  minPricePerRequest: 1000n,
  mintFee: 0n,
  licenseDuration: 0n,
  royaltyBps,
  commercialUse: true,
  derivativesAllowed: true,
  attribution: true,
  hasTerms: true,
})

const overviewOf = async () => (await (await fetch(`${node.url}/api/training`)).json()) as Overview

/** Polls the API until job `jobId` is accepted (two minutes at most). */
async function untilAccepted(jobId: bigint) {
  let last: Overview | undefined
  for (let i = 0; i < 240; i++) {
    last = await overviewOf()
    if (last.jobs.find((j) => j.id === jobId.toString())?.status === 'accepted') return last
    await new Promise((r) => setTimeout(r, 500))
  }
  throw new Error(`job ${jobId} was not accepted: ${JSON.stringify(last)}`)
}

describe('the training market on a node', () => {
  it('a job is bid on, trained, verified, accepted, paid and registered for its buyer', async () => {
    const split = heldOutSplit()
    const data = datasetOf(split.train.slice(0, 512), 784)
    // The dataset file goes into the node's content store, as `mycel job submit` puts it there.
    const store = createContentStore(dataDir)
    const dataset = (await store.addBytes(encodeDataset(data, 784))).cid
    store.close()
    const client = createPublicClient({ transport: http(node.rpcUrl) })
    const buyer = walletOf(0)
    const { addresses } = node
    await mint(buyer, 1_000_000n)
    const { jobId } = await postTrainingJob(buyer, {
      trainingJobs: addresses.trainingJobs,
      spec: chainSpec(spec, {
        steps: 40,
        checkpointEvery: 10,
        datasetRoot: datasetTree(data, 784).root,
        datasetCount: data.count,
      }),
      market: marketIn(addresses.testUsd as `0x${string}`, 1_000_000n),
      terms: termsIn(addresses.testUsd as `0x${string}`, 1000),
      specCid: dataset,
      datasetCid: dataset,
    })
    // Posted → bid → won → trained → posted → verified → accepted: within two minutes on this machine.
    const last = await untilAccepted(jobId)
    const job = last?.jobs.find((j) => j.id === jobId.toString())
    expect(job?.status, JSON.stringify(last)).toBe('accepted')
    expect(job?.checkpoints).toBe(5)
    expect(last?.verifier.checked).toEqual([
      expect.objectContaining({ jobId: jobId.toString(), verdict: 'agrees', segments: expect.any(Array) }),
    ])
    const onChain = await getTrainingJob(client, { trainingJobs: addresses.trainingJobs, jobId })
    expect(onChain.modelId).toBeGreaterThan(0n)
    expect(BigInt(job?.modelId ?? 0)).toBe(onChain.modelId)
    const owner = await client.readContract({
      address: addresses.modelRegistry,
      abi: modelRegistryAbi,
      functionName: 'ownerOf',
      args: [onChain.modelId],
    })
    expect(owner).toBe(buyer.account.address)
    // The trainer withdraws its pay on its next round of duties after the acceptance: the escrow paid exactly the bid.
    const balance = () =>
      client.readContract({
        address: addresses.testUsd as `0x${string}`,
        abi: testUsdAbi,
        functionName: 'balanceOf',
        args: [onChain.provider],
      })
    let paid = await balance()
    for (let i = 0; i < 100 && paid === 0n; i++) {
      await new Promise((r) => setTimeout(r, 200))
      paid = await balance()
    }
    expect(paid).toBe(onChain.price)
    // The trainer's checkpoint states: served, and they hash to what it posted.
    const state = await fetch(`${node.url}/api/training/jobs/${jobId}/checkpoints/2?round=1`)
    expect(state.status).toBe(200)
    const decoded = decodeState(new Uint8Array(await state.arrayBuffer()))
    expect(decoded.steps).toBe(20)
    expect(stateHash(decoded)).toMatch(/^0x[0-9a-f]{64}$/)
    for (const [path, status] of [
      [`/api/training/jobs/${jobId}/checkpoints/99?round=1`, 404],
      ['/api/training/jobs/x/checkpoints/1', 400],
      [`/api/training/jobs/${jobId}/checkpoints/1?round=0`, 400],
    ] as const) {
      const r = await fetch(`${node.url}${path}`)
      expect(r.status, path).toBe(status)
      expect(((await r.json()) as { error: { code: string } }).error.code).toMatch(/^[A-Z_]+$/)
    }
  }, 180_000)

  it('a job funded by a research round is trained through the market; its model and unspent budget go to its proposer', async () => {
    const split = heldOutSplit()
    const data = datasetOf(split.train.slice(0, 256), 784)
    const store = createContentStore(dataDir)
    const dataset = (await store.addBytes(encodeDataset(data, 784))).cid
    store.close()
    const { addresses } = node
    const client = createPublicClient({ transport: http(node.rpcUrl) })
    const [sponsor, proposer, ...contributors] = [0, 4, 5, 6, 7].map(walletOf) as [WriteClient, ...WriteClient[]]
    for (const who of [sponsor, ...contributors]) await mint(who, 1_000_000n)
    const token = addresses.testUsd as `0x${string}`
    const researchRounds = addresses.researchRounds
    const now = (await client.getBlock()).timestamp
    const { roundId } = await openResearchRound(sponsor, {
      researchRounds,
      token,
      pool: 300_000n,
      contributeEnd: Number(now) + 60,
    })
    const { proposalId } = await proposeResearchJob(proposer as WriteClient, {
      researchRounds,
      roundId,
      spec: chainSpec(
        { ...spec, seed: 4 },
        {
          steps: 20,
          checkpointEvery: 10,
          datasetRoot: datasetTree(data, 784).root,
          datasetCount: data.count,
        },
      ),
      market: marketIn(token, 0n),
      terms: termsIn(token, 500),
      specCid: dataset,
      datasetCid: dataset,
    })
    for (const who of contributors) await contributeToProposal(who, { researchRounds, proposalId, amount: 100_000n })
    // The round's end: the chain's clock moves on a minute (nothing else runs on it now).
    await client.request({ method: 'evm_increaseTime', params: [61] } as never)
    await client.request({ method: 'evm_mine', params: [] } as never)
    await finalizeResearchRound(sponsor, researchRounds, [roundId])
    const { jobId, budget } = await launchResearchProposal(contributors[0] as WriteClient, {
      researchRounds,
      proposalId,
    })
    expect(budget).toBe(600_000n) // 300,000 raised + the whole pool of 300,000 (the only proposal)
    const last = await untilAccepted(jobId)
    expect(last.rounds.find((r) => r.id === roundId.toString())).toMatchObject({
      finalized: true,
      proposals: [{ id: proposalId.toString(), matched: '300000', jobId: jobId.toString() }],
    })
    const onChain = await getTrainingJob(client, { trainingJobs: addresses.trainingJobs, jobId })
    await claimResearchModel(sponsor, researchRounds, [proposalId])
    const owner = await client.readContract({
      address: addresses.modelRegistry,
      abi: modelRegistryAbi,
      functionName: 'ownerOf',
      args: [onChain.modelId],
    })
    expect(owner).toBe((proposer as WriteClient).account.address)
    const refund = await claimResearchRefund(proposer as WriteClient, { researchRounds, proposalId })
    expect(refund.amount).toBe(budget - onChain.price)
    expect(refund.amount).toBeGreaterThan(0n)
  }, 180_000)
})
