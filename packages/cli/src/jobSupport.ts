/**
 * What the `mycel job …` commands share (commands/job.ts: submit, list, show, dispute, accept; commands/jobRound.ts:
 * the research-funding rounds): parsing job ids, reading a job or failing by name, and turning a spec file and the
 * market flags into the job's parameters (the dataset added to the content store and committed by its Merkle root),
 * so a job submitted directly and one proposed to a round are built the same way.
 */
import { readFileSync } from 'node:fs'
import { createContentStore, encodeDataset, mnistTrainingDigits, NodeError } from '@mycel/node'
import {
  getTrainingJob,
  type MycelAddresses,
  type ResearchProposalParams,
  type TrainingJob,
  trainingJobsAbi,
} from '@mycel/sdk'
import { chainSpec, datasetTree, mlpSpecOf, parseTrainingSpec } from '@mycel/training'
import type { Command } from 'commander'
import type { Address, Hex } from 'viem'
import { type ChainContext, chainContext, contractsOn, type GlobalFlags } from './context.ts'
import { usageError } from './errors.ts'
import { parseAmountOption, parseIntegerOption } from './options.ts'

const UINT96 = 2n ** 96n - 1n

/** A job id argument: a positive whole number. */
export const jobIdOf = (value: string) => {
  if (!/^[1-9]\d{0,18}$/.test(value)) throw usageError(`Job id ${JSON.stringify(value)} is not a whole number from 1.`)
  return BigInt(value)
}

export async function jobOrFail(ctx: ChainContext, addresses: MycelAddresses, id: bigint): Promise<TrainingJob> {
  const count = await ctx.client.readContract({
    address: addresses.trainingJobs,
    abi: trainingJobsAbi,
    functionName: 'jobCount',
  })
  if (id > count)
    throw new NodeError(
      'UNKNOWN_JOB',
      `Training job ${id} does not exist (there are ${count}). See \`mycel job list\`.`,
    )
  return getTrainingJob(ctx.client, { trainingJobs: addresses.trainingJobs, jobId: id })
}

/** What every `mycel job <verb> <id>` starts from: the global flags, the chain, its contracts and the job (or UNKNOWN_JOB). */
export async function jobCommandContext(id: string, command: Command) {
  const globals = command.optsWithGlobals<GlobalFlags>()
  const ctx = await chainContext(globals)
  const addresses = contractsOn(ctx)
  const j = await jobOrFail(ctx, addresses, jobIdOf(id))
  return { globals, ctx, addresses, j }
}

/** The flags that describe a job's market and its model's terms (`job submit`, `job round propose`). */
export function jobParamOptions(c: Command, budget: boolean): Command {
  if (budget) c.option('--budget <amount>', 'most you pay, in the payment token (e.g. 2 = 2 tUSD)', '2')
  return c
    .requiredOption('--spec <file>', 'training spec (JSON, see docs/training.md)')
    .option('--bond <myc>', "the provider's bond in MYC (a challenger locks a tenth of it)", '100')
    .option('--checkpoint-every <steps>', 'a checkpoint every this many steps (divides the steps)', '100')
    .option('--royalty-bps <bps>', "the trained model's royalty, in basis points", '1000')
    .option('--min-price <units>', "the trained model's minimum price per request, in token units", '1000')
    .option('--window <seconds>', 'challenge window', '120')
    .option('--bidding <seconds>', 'sealed bids are taken this long, then revealed as long', '15')
}

export type JobParamFlags = {
  spec: string
  budget?: string
  bond: string
  checkpointEvery: string
  royaltyBps: string
  minPrice: string
  window: string
  bidding: string
}

/**
 * A job's parameters from the flags (checked before anything is written); the MNIST training digits go to the
 * content store as its dataset. The budget is 0 without `--budget` (a round's proposal: the round raises it).
 */
export async function jobParams(
  ctx: ChainContext,
  addresses: MycelAddresses,
  flags: JobParamFlags,
  /** A registered dataset to train on (compute-to-data): its records, not the MNIST digits, are the job's data. */
  onDataset?: { cid: string; recordsRoot: Hex; recordCount: number },
): Promise<ResearchProposalParams & { datasetRoot: Hex; datasetCount: number }> {
  let spec: ReturnType<typeof parseTrainingSpec>
  try {
    spec = parseTrainingSpec(JSON.parse(readFileSync(flags.spec, 'utf8')))
  } catch (error) {
    throw usageError(`--spec ${flags.spec}: ${(error as Error).message}`)
  }
  const every = parseIntegerOption('--checkpoint-every', flags.checkpointEvery, 1, 1_000_000)
  if (spec.steps % every !== 0)
    throw usageError(`--checkpoint-every ${every} must divide the spec's ${spec.steps} steps.`)
  const seconds = (flag: string, s: string) => parseIntegerOption(flag, s, 1, 365 * 86_400)
  const budget = flags.budget === undefined ? 0n : parseAmountOption('--budget', flags.budget, 6, UINT96)
  const bond = parseAmountOption('--bond', flags.bond, 18, UINT96)
  const royaltyBps = parseIntegerOption('--royalty-bps', flags.royaltyBps, 0, 10_000)
  const minPrice = BigInt(parseIntegerOption('--min-price', flags.minPrice, 0, Number.MAX_SAFE_INTEGER))
  const bidding = seconds('--bidding', flags.bidding)
  const window = seconds('--window', flags.window)
  const token = addresses.testUsd as Address | undefined
  if (!token) throw new NodeError('NO_TOKEN', 'This chain has no tUSD: jobs are paid in it on the devnet.')
  const mlp = mlpSpecOf(spec)
  const width = mlp.layers[0] as number
  const store = createContentStore(ctx.options.dataDir)
  try {
    let dataset: { cid: string; root: Hex; count: number }
    if (onDataset) {
      dataset = { cid: onDataset.cid, root: onDataset.recordsRoot, count: onDataset.recordCount }
    } else {
      const data = mnistTrainingDigits()
      const added = await store.addBytes(encodeDataset(data, width))
      dataset = { cid: added.cid, root: datasetTree(data, width).root, count: data.count }
    }
    if (dataset.count < mlp.batchSize)
      throw usageError(`The dataset holds ${dataset.count} records, fewer than the spec's batch of ${mlp.batchSize}.`)
    const specFile = await store.addBytes(Buffer.from(JSON.stringify(spec)))
    const datasetRoot = dataset.root
    return {
      spec: chainSpec(mlp, { steps: spec.steps, checkpointEvery: every, datasetRoot, datasetCount: dataset.count }),
      market: {
        token,
        budget,
        bond,
        biddingTime: bidding,
        revealTime: bidding,
        trainingTime: 3600,
        challengeWindow: window,
        disputeClock: 600,
      },
      terms: {
        currency: token,
        minPricePerRequest: minPrice,
        mintFee: 0n,
        licenseDuration: 0n,
        royaltyBps,
        commercialUse: true,
        derivativesAllowed: true,
        attribution: true,
        hasTerms: true,
      },
      specCid: specFile.cid,
      datasetCid: dataset.cid,
      datasetRoot,
      datasetCount: dataset.count,
    }
  } finally {
    store.close()
  }
}
