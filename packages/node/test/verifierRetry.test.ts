/**
 * The verifier when a check cannot be made (here: the job's dataset file does not match the job — fewer examples than
 * it names): the result is not marked checked forever after the first failure; the verifier tries again on its next
 * rounds of duties and, after CHECK_ATTEMPTS failures, shows why it could not check. Real anvil, real contracts, a
 * provider driven through the SDK.
 */
import { rmSync } from 'node:fs'
import { heldOutSplit } from '@mycel/models/held-out'
import {
  assignTrainingJob,
  bidCommitment,
  commitTrainingBid,
  postTrainingJob,
  registerTrainingProvider,
  revealTrainingBid,
  submitTrainingResult,
} from '@mycel/sdk'
import { chainSpec, datasetOf, datasetTree, type MlpSpec } from '@mycel/training'
import pino from 'pino'
import { parseEther } from 'viem'
import { afterAll, describe, expect, it } from 'vitest'
import {
  deployTestContracts,
  fundAccounts,
  startTestChain,
  type TestChain,
  tempDir,
} from '../../../test/helpers/chain.ts'
import { createContentStore } from '../src/content/contentStore.ts'
import { encodeDataset } from '../src/training/dataset.ts'
import { CHECK_ATTEMPTS, createVerifier } from '../src/verifier/verifier.ts'

let t: TestChain | undefined
const dir = tempDir('mycel-verifier-retry-')
afterAll(async () => {
  await t?.stop()
  rmSync(dir, { recursive: true, force: true })
})

const mlp: MlpSpec = {
  layers: [784, 4, 10],
  optimizer: { kind: 'sgd', learningRate: 0.05, momentum: 0.9 },
  batchSize: 8,
  seed: 2,
}

describe('the verifier when a check fails', () => {
  it('tries again on its next rounds of duties, then shows why it could not check', async () => {
    t = await startTestChain()
    const addresses = await deployTestContracts(t)
    await fundAccounts(t, addresses, [0, 1, 2], { myc: parseEther('1000'), usd: 10_000_000n })
    const [buyer, provider, verifierWallet] = [0, 1, 2].map((i) => (t as TestChain).wallet(i)) as [
      ReturnType<TestChain['wallet']>,
      ReturnType<TestChain['wallet']>,
      ReturnType<TestChain['wallet']>,
    ]
    // The file holds 64 digits; the job says 128 (what a provider lying about its dataset, or a corrupt copy, gives).
    const data = datasetOf(heldOutSplit().train.slice(0, 64), 784)
    const store = createContentStore(dir)
    const cid = (await store.addBytes(encodeDataset(data, 784))).cid
    const spec = chainSpec(mlp, {
      steps: 8,
      checkpointEvery: 4,
      datasetRoot: datasetTree(data, 784).root,
      datasetCount: 128,
    })
    const jobs = addresses.trainingJobs
    await registerTrainingProvider(provider, {
      trainingJobs: jobs,
      mycelToken: addresses.mycelToken,
      stake: parseEther('100'),
      cores: 1,
      memoryMiB: 1024,
      pricePerStep: 1n,
      endpoint: 'http://127.0.0.1:9',
    })
    const times = { biddingTime: 10, revealTime: 10, trainingTime: 600, challengeWindow: 3600, disputeClock: 600 }
    const { jobId } = await postTrainingJob(buyer, {
      trainingJobs: jobs,
      spec,
      market: { token: addresses.testUsd as `0x${string}`, budget: 1_000_000n, bond: parseEther('10'), ...times },
      terms: {
        currency: addresses.testUsd as `0x${string}`,
        minPricePerRequest: 0n,
        mintFee: 0n,
        licenseDuration: 0n,
        royaltyBps: 0,
        commercialUse: true,
        derivativesAllowed: true,
        attribution: true,
        hasTerms: true,
      },
      specCid: cid,
      datasetCid: cid,
    })
    const salt = `0x${'5a'.repeat(32)}` as const
    const price = 500_000n
    const commitment = bidCommitment({
      chainId: t.chain.id,
      trainingJobs: jobs,
      jobId,
      round: 1,
      provider: provider.account.address,
      price,
      salt,
    })
    await commitTrainingBid(provider, jobs, [jobId, commitment])
    await t.increaseTime(times.biddingTime)
    await revealTrainingBid(provider, jobs, [jobId, price, salt])
    await t.increaseTime(times.revealTime)
    await assignTrainingJob(provider, jobs, [jobId])
    const checkpoints = [1, 2, 3].map((i) => `0x${i.toString(16).padStart(64, '0')}` as const)
    await submitTrainingResult(provider, jobs, [
      jobId,
      spec,
      checkpoints,
      checkpoints[2] as `0x${string}`,
      0,
      'bafyw',
      'bafyc',
    ])

    const verifier = createVerifier({
      wallet: verifierWallet,
      client: t.publicClient,
      addresses,
      store,
      logger: pino({ level: 'silent' }),
      options: { stake: parseEther('10'), segments: 2, endpoint: 'http://127.0.0.1:9' },
      inTx: (send) => send(),
    })
    const verdicts: string[] = []
    for (let i = 0; i < CHECK_ATTEMPTS + 1; i++) {
      await verifier.tick()
      verdicts.push(verifier.status().checked[0]?.verdict ?? '')
    }
    const reason = 'has 64 examples, the job says 128'
    expect(verdicts.slice(0, CHECK_ATTEMPTS - 1)).toEqual(
      Array(CHECK_ATTEMPTS - 1).fill(expect.stringMatching(new RegExp(`^retrying \\(dataset .* ${reason}\\)$`))),
    )
    expect(verdicts[CHECK_ATTEMPTS - 1]).toMatch(new RegExp(`^could not check: dataset .* ${reason}$`))
    expect(verdicts[CHECK_ATTEMPTS]).toBe(verdicts[CHECK_ATTEMPTS - 1]) // no fourth attempt
    expect(verifier.status().checked).toHaveLength(1)
    store.close()
  }, 120_000)
})
