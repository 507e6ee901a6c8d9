/**
 * `mycel job submit|list|show|dispute|accept`: training jobs for buyers (docs/training.md, "The market"). `submit`
 * posts a job from a training spec file (the dataset added to the content store and committed by its Merkle root),
 * `list` and `show` read the market, `dispute` re-executes a result (all of it, or one segment) and, on a mismatch,
 * challenges it and plays the dispute to its end in the foreground, `accept` accepts a result and withdraws what the
 * caller is owed. Every subcommand takes `--json`.
 */
import { readFileSync } from 'node:fs'
import {
  challengeFinding,
  challengerStep,
  checkResult,
  createContentStore,
  encodeDataset,
  mnistTrainingDigits,
  NodeError,
} from '@mycel/node'
import {
  acceptTrainingJob,
  getTrainingDispute,
  getTrainingJob,
  listTrainingDisputes,
  listTrainingJobs,
  type MycelAddresses,
  postTrainingJob,
  type TrainingJob,
  timeoutTrainingDispute,
  trainingDisputesAbi,
  trainingJobsAbi,
  withdrawTrainingPayment,
} from '@mycel/sdk'
import { chainSpec, datasetTree, type Memory, mlpSpecOf, PHASE, parseTrainingSpec } from '@mycel/training'
import type { Command } from 'commander'
import { type Address, formatUnits, parseUnits } from 'viem'
import { type ChainContext, chainContext, contractsOn, type GlobalFlags, type SignerFlags, signer } from '../context.ts'
import { usageError } from '../errors.ts'
import { parseIntegerOption, signerOptions } from '../options.ts'
import { printJson, printLines, printTable } from '../output.ts'

const jobIdOf = (value: string) => {
  if (!/^[1-9]\d{0,18}$/.test(value)) throw usageError(`Job id ${JSON.stringify(value)} is not a whole number from 1.`)
  return BigInt(value)
}

async function jobOrFail(ctx: ChainContext, addresses: MycelAddresses, id: bigint): Promise<TrainingJob> {
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

const summary = (j: TrainingJob) => ({
  id: j.id,
  status: j.status,
  round: j.round,
  provider: j.provider === '0x0000000000000000000000000000000000000000' ? '' : j.provider,
  price: j.price,
  budget: j.market.budget,
  model: j.modelId === 0n ? '' : j.modelId,
})

export function jobCommand(program: Command): void {
  const job = program.command('job').description('Training jobs: submit one, follow it, dispute or accept its result')

  signerOptions(
    job
      .command('submit')
      .description(
        'Post a training job from a spec file (examples/training/mnist.spec.json); its dataset goes to the content store',
      )
      .requiredOption('--spec <file>', 'training spec (JSON, see docs/training.md)')
      .option('--budget <amount>', 'most you pay, in the payment token (e.g. 2 = 2 tUSD)', '2')
      .option('--bond <myc>', "the provider's bond in MYC (a challenger locks a tenth of it)", '100')
      .option('--checkpoint-every <steps>', 'a checkpoint every this many steps (divides the steps)', '100')
      .option('--royalty-bps <bps>', "the trained model's royalty, in basis points", '1000')
      .option('--min-price <units>', "the trained model's minimum price per request, in token units", '1000')
      .option('--window <seconds>', 'challenge window', '120')
      .option('--bidding <seconds>', 'sealed bids are taken this long, then revealed as long', '15'),
  ).action(async (flags: SignerFlags & Record<string, string>, command: Command) => {
    const globals = command.optsWithGlobals<GlobalFlags>()
    let spec: ReturnType<typeof parseTrainingSpec>
    try {
      spec = parseTrainingSpec(JSON.parse(readFileSync(flags.spec as string, 'utf8')))
    } catch (error) {
      throw usageError(`--spec ${flags.spec}: ${(error as Error).message}`)
    }
    const every = parseIntegerOption('--checkpoint-every', flags.checkpointEvery as string, 1, 1_000_000)
    if (spec.steps % every !== 0)
      throw usageError(`--checkpoint-every ${every} must divide the spec's ${spec.steps} steps.`)
    const ctx = await chainContext(globals)
    const addresses = contractsOn(ctx)
    if (!addresses.testUsd)
      throw new NodeError('NO_TOKEN', 'This chain has no tUSD: jobs are paid in it on the devnet.')
    const wallet = await signer(ctx, flags)
    const mlp = mlpSpecOf(spec)
    const width = mlp.layers[0] as number
    const data = mnistTrainingDigits()
    const store = createContentStore(ctx.options.dataDir)
    try {
      const dataset = await store.addBytes(encodeDataset(data, width))
      const specFile = await store.addBytes(Buffer.from(JSON.stringify(spec)))
      const root = datasetTree(data, width).root
      const days = (s: string) => parseIntegerOption('seconds', s, 1, 365 * 86_400)
      const { jobId, hash } = await postTrainingJob(wallet, {
        trainingJobs: addresses.trainingJobs,
        spec: chainSpec(mlp, {
          steps: spec.steps,
          checkpointEvery: every,
          datasetRoot: root,
          datasetCount: data.count,
        }),
        market: {
          token: addresses.testUsd,
          budget: parseUnits(flags.budget as string, 6),
          bond: parseUnits(flags.bond as string, 18),
          biddingTime: days(flags.bidding as string),
          revealTime: days(flags.bidding as string),
          trainingTime: 3600,
          challengeWindow: days(flags.window as string),
          disputeClock: 600,
        },
        terms: {
          currency: addresses.testUsd,
          minPricePerRequest: BigInt(flags.minPrice as string),
          mintFee: 0n,
          licenseDuration: 0n,
          royaltyBps: parseIntegerOption('--royalty-bps', flags.royaltyBps as string, 0, 10_000),
          commercialUse: true,
          derivativesAllowed: true,
          attribution: true,
          hasTerms: true,
        },
        specCid: specFile.cid,
        datasetCid: dataset.cid,
      })
      if (globals.json) return printJson({ jobId, transactionHash: hash, datasetCid: dataset.cid, datasetRoot: root })
      printLines([
        `job ${jobId} posted`,
        ['dataset', `${dataset.cid} (${data.count} examples, root ${root})`],
        ['budget', `${flags.budget} tUSD, bond ${flags.bond} MYC`],
        ['next', `mycel job show ${jobId}`],
      ])
    } finally {
      store.close()
    }
  })

  job
    .command('list')
    .description('The latest training jobs')
    .option('--limit <n>', 'at most this many', '20')
    .action(async (flags: { limit: string }, command: Command) => {
      const globals = command.optsWithGlobals<GlobalFlags>()
      const ctx = await chainContext(globals)
      const addresses = contractsOn(ctx)
      const jobs = await listTrainingJobs(ctx.client, {
        trainingJobs: addresses.trainingJobs,
        limit: parseIntegerOption('--limit', flags.limit, 1, 1000),
      })
      if (globals.json) return printJson(jobs.map(summary))
      if (jobs.length === 0) return printLines(['no training job yet: post one with `mycel job submit --spec <file>`'])
      printTable(jobs.map(summary), ['id', 'status', 'round', 'provider', 'price', 'budget', 'model'])
    })

  job
    .command('show')
    .description('One training job: its market, result and disputes')
    .argument('<id>', 'job id')
    .action(async (id: string, _flags: unknown, command: Command) => {
      const globals = command.optsWithGlobals<GlobalFlags>()
      const ctx = await chainContext(globals)
      const addresses = contractsOn(ctx)
      const j = await jobOrFail(ctx, addresses, jobIdOf(id))
      const disputes = await listTrainingDisputes(ctx.client, {
        trainingDisputes: addresses.trainingDisputes,
        jobId: j.id,
      })
      if (globals.json) return printJson({ ...j, disputes })
      printLines([
        `job ${j.id}: ${j.status} (round ${j.round})`,
        ['buyer', j.buyer],
        ['provider', summary(j).provider || '(none yet)'],
        ['price', `${formatUnits(j.price, 6)} of ${formatUnits(j.market.budget, 6)} budget`],
        ['dataset', j.datasetCid],
        ...(j.result.postedAt > 0
          ? ([
              ['weights', j.result.weightsCid],
              ['model root', j.result.modelRoot],
              ['checkpoints root', j.result.checkpointRoot],
            ] as [string, unknown][])
          : []),
        ['model', j.modelId === 0n ? '(registered on acceptance)' : `model ${j.modelId}`],
        ...disputes.map((d) => [`dispute ${d.id}`, `${d.phaseName}, challenger ${d.challenger}`] as [string, unknown]),
      ])
    })

  signerOptions(
    job
      .command('dispute')
      .description("Re-execute a job's result and, on a mismatch, challenge it and play the dispute to its end")
      .argument('<id>', 'job id')
      .option('--checkpoint <i>', 'check only the segment ending at checkpoint i (default: every segment)'),
  ).action(async (id: string, flags: SignerFlags & { checkpoint?: string }, command: Command) => {
    const globals = command.optsWithGlobals<GlobalFlags>()
    const ctx = await chainContext(globals)
    const addresses = contractsOn(ctx)
    const j = await jobOrFail(ctx, addresses, jobIdOf(id))
    if (j.status !== 'submitted')
      throw new NodeError('NOT_SUBMITTED', `Job ${j.id} is ${j.status}: only a posted result can be disputed.`)
    const wallet = await signer(ctx, flags)
    const store = createContentStore(ctx.options.dataDir)
    const say = (line: string) => {
      if (!globals.json) process.stderr.write(`${line}\n`)
    }
    try {
      const finding = await checkResult({
        client: ctx.client,
        addresses,
        store,
        job: j,
        segments: (n) =>
          flags.checkpoint !== undefined
            ? [parseIntegerOption('--checkpoint', flags.checkpoint, 1, n)]
            : Array.from({ length: n }, (_, i) => i + 1),
        onSegment: (i) => say(`re-executing the segment ending at checkpoint ${i}…`),
      })
      if (finding.kind === 'agrees') {
        if (globals.json) return printJson({ disputed: false, segments: finding.segments })
        return printLines([
          `job ${j.id}'s result agrees with this re-execution (${finding.segments.length} segments): nothing to dispute`,
        ])
      }
      say(
        finding.kind === 'model'
          ? 'the model root is not the final state: challenging'
          : `checkpoint ${finding.index} differs: challenging`,
      )
      const disputeId = await challengeFinding(wallet, ctx.client, addresses, j, finding)
      const memory: Memory = {}
      const moves: string[] = []
      for (;;) {
        const d = await getTrainingDispute(ctx.client, { trainingDisputes: addresses.trainingDisputes, disputeId })
        if (d.phase === PHASE.Done) break
        const moved = await challengerStep(wallet, ctx.client, addresses, disputeId, finding.party, memory)
        if (moved) {
          moves.push(moved)
          say(`dispute ${disputeId}: ${moved}`)
          continue
        }
        const [, left] = await ctx.client.readContract({
          address: addresses.trainingDisputes,
          abi: trainingDisputesAbi,
          functionName: 'turn',
          args: [disputeId],
        })
        if (left === 0n)
          await timeoutTrainingDispute(wallet, { trainingDisputes: addresses.trainingDisputes, disputeId })
        else await new Promise((r) => setTimeout(r, 1000))
      }
      const after = await getTrainingJob(ctx.client, { trainingJobs: addresses.trainingJobs, jobId: j.id })
      const won = after.round > j.round
      if (globals.json) return printJson({ disputed: true, disputeId, won, moves })
      printLines([
        `dispute ${disputeId} ${won ? 'won: the provider was slashed and the job reopened' : 'lost: the provider was right'}`,
        ['moves', moves.length],
      ])
    } finally {
      store.close()
    }
  })

  signerOptions(
    job
      .command('accept')
      .description(
        "Accept a job's result (the buyer at any time, anyone after the window) and withdraw what you are owed",
      )
      .argument('<id>', 'job id'),
  ).action(async (id: string, flags: SignerFlags, command: Command) => {
    const globals = command.optsWithGlobals<GlobalFlags>()
    const ctx = await chainContext(globals)
    const addresses = contractsOn(ctx)
    const j = await jobOrFail(ctx, addresses, jobIdOf(id))
    const wallet = await signer(ctx, flags)
    const accepted =
      j.status === 'submitted' ? await acceptTrainingJob(wallet, addresses.trainingJobs, [j.id]) : undefined
    if (!accepted && j.status !== 'accepted') {
      throw new NodeError('NOT_SUBMITTED', `Job ${j.id} is ${j.status}: there is no result to accept.`)
    }
    const paid = await withdrawTrainingPayment(wallet, {
      trainingJobs: addresses.trainingJobs,
      token: j.market.token as Address,
    })
    const after = await getTrainingJob(ctx.client, { trainingJobs: addresses.trainingJobs, jobId: j.id })
    if (globals.json)
      return printJson({ accepted: after.status === 'accepted', modelId: after.modelId, withdrawn: paid.amount })
    printLines([
      `job ${j.id} ${accepted ? 'accepted' : 'was accepted already'}`,
      [
        'model',
        after.modelId === 0n ? '(not registered: TrainingJobs.registerTrainedModel retries)' : `model ${after.modelId}`,
      ],
      ['withdrawn', `${formatUnits(paid.amount, 6)} tUSD`],
    ])
  })
}
