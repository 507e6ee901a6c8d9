/**
 * `mycel job submit|list|show|approve|dispute|accept` (and `mycel job round …`, commands/jobRound.ts): training jobs for buyers (docs/training.md, "The market"). `submit`
 * posts a job from a training spec file (the dataset added to the content store and committed by its Merkle root),
 * `list` and `show` read the market, `dispute` re-executes a result (all of it, or one segment) and, on a mismatch,
 * challenges it and plays the dispute to its end in the foreground, `accept` accepts a result and withdraws what the
 * caller is owed. Every subcommand takes `--json`.
 */
import { challengeFinding, challengerStep, checkResult, createContentStore, NodeError } from '@mycel/node'
import {
  acceptDataJob,
  acceptTrainingJob,
  approveDataJob,
  claimDataJob,
  type DataJobOrder,
  getDataJobOrder,
  getDataJobOwed,
  getDataset,
  getTrainingDispute,
  getTrainingJob,
  listTrainingDisputes,
  listTrainingJobs,
  type MycelAddresses,
  postDataJob,
  postTrainingJob,
  type TrainingJob,
  timeoutTrainingDispute,
  trainingDisputesAbi,
  type WriteClient,
  withdrawDataJobRefund,
  withdrawTrainingPayment,
} from '@mycel/sdk'
import { type Memory, PHASE } from '@mycel/training'
import type { Command } from 'commander'
import { type Address, formatUnits } from 'viem'
import { type ChainContext, chainContext, contractsOn, type GlobalFlags, type SignerFlags, signer } from '../context.ts'
import { datasetIdOf, grantIdOf } from '../dataSupport.ts'
import { usageError } from '../errors.ts'
import { type JobParamFlags, jobCommandContext, jobParamOptions, jobParams } from '../jobSupport.ts'
import { parseIntegerOption, signerOptions } from '../options.ts'
import { printJson, printLines, printTable } from '../output.ts'

const summary = (j: TrainingJob) => ({
  id: j.id,
  status: j.status,
  round: j.round,
  provider: j.provider === '0x0000000000000000000000000000000000000000' ? '' : j.provider,
  price: j.price,
  budget: j.market.budget,
  model: j.modelId === 0n ? '' : j.modelId,
})

/** Adds `mycel job`; returns it, so main.ts adds `mycel job round` (commands/jobRound.ts) under it. */
export function jobCommand(program: Command): Command {
  const job = program.command('job').description('Training jobs: submit one, follow it, dispute or accept its result')

  signerOptions(
    jobParamOptions(
      job
        .command('submit')
        .description(
          'Post a training job from a spec file (examples/training/mnist.spec.json): on the MNIST digits (added to the content store), or with --dataset on a registered dataset whose records you never see (compute-to-data)',
        )
        .option(
          '--dataset <id>',
          'train on this dataset (buys its training grant; only providers its owner trusts bid)',
        )
        .option('--grant <id>', 'with --dataset: run under this training grant you hold (its earlier job cancelled)'),
      true,
    ),
  ).action(async (flags: SignerFlags & JobParamFlags & { dataset?: string; grant?: string }, command: Command) => {
    const globals = command.optsWithGlobals<GlobalFlags>()
    const ctx = await chainContext(globals)
    const addresses = contractsOn(ctx)
    if (flags.grant !== undefined && flags.dataset === undefined) throw usageError('--grant goes with --dataset <id>.')
    const datasetId = flags.dataset === undefined ? undefined : datasetIdOf(flags.dataset)
    const onDataset =
      datasetId === undefined
        ? undefined
        : await getDataset(ctx.client, { datasetRegistry: addresses.datasetRegistry, datasetId })
    const params = await jobParams(ctx, addresses, flags, onDataset)
    const wallet = await signer(ctx, flags)
    const posted =
      datasetId === undefined
        ? { ...(await postTrainingJob(wallet, { trainingJobs: addresses.trainingJobs, ...params })), dataPrice: 0n }
        : await postDataJob(wallet, {
            computeToData: addresses.computeToData,
            datasetRegistry: addresses.datasetRegistry,
            datasetId,
            ...(flags.grant === undefined ? {} : { grantId: grantIdOf(flags.grant) }),
            ...params,
          })
    const { datasetCid, datasetRoot } = params
    const grantId = 'grantId' in posted ? posted.grantId : undefined
    if (globals.json)
      return printJson({
        jobId: posted.jobId,
        transactionHash: posted.hash,
        datasetCid,
        datasetRoot,
        ...(datasetId === undefined ? {} : { datasetId, grantId, dataPrice: posted.dataPrice }),
      })
    printLines([
      `job ${posted.jobId} posted${datasetId === undefined ? '' : ` on dataset ${datasetId} (compute-to-data)`}`,
      ['dataset', `${datasetCid} (${params.datasetCount} examples, root ${datasetRoot})`],
      ...(datasetId === undefined
        ? []
        : ([
            ['training grant', `${grantId} (paid ${formatUnits(posted.dataPrice, 6)} to the dataset's owners)`],
            ['data', "stays on its owner's side: only providers it trusts train, you receive the model"],
          ] as [string, unknown][])),
      ['budget', `${flags.budget} tUSD, bond ${flags.bond} MYC`],
      ['next', `mycel job show ${posted.jobId}`],
    ])
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
      const { globals, ctx, addresses, j } = await jobCommandContext(id, command)
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
    const { globals, ctx, addresses, j } = await jobCommandContext(id, command)
    // An accepted result is re-executed too (anyone may check a model's training), but it can no longer be challenged.
    if (j.status !== 'submitted' && j.status !== 'accepted')
      throw new NodeError('NOT_SUBMITTED', `Job ${j.id} is ${j.status}: it has no posted result to check.`)
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
        if (globals.json) return printJson({ disputed: false, agrees: true, segments: finding.segments })
        return printLines([
          `job ${j.id}'s result agrees with this re-execution (${finding.segments.length} segment${finding.segments.length === 1 ? '' : 's'}): nothing to dispute`,
        ])
      }
      if (j.status === 'accepted') {
        const where = finding.kind === 'model' ? 'the model root' : `checkpoint ${finding.index}`
        if (globals.json) return printJson({ disputed: false, agrees: false, differs: where })
        throw new NodeError(
          'ALREADY_ACCEPTED',
          `Job ${j.id}'s ${where} differs from this re-execution, but the job was accepted when its window closed: it can no longer be challenged.`,
        )
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
      .command('approve')
      .description(
        "As a dataset's owner, approve a compute-to-data job's spec (read it with `mycel job show`): the providers you trust may then bid",
      )
      .argument('<id>', 'job id'),
  ).action(async (id: string, flags: SignerFlags, command: Command) => {
    const { globals, ctx, addresses, j } = await jobCommandContext(id, command)
    const order = await getDataJobOrder(ctx.client, { computeToData: addresses.computeToData, jobId: j.id })
    if (!order)
      throw new NodeError('NOT_A_DATA_JOB', `Job ${j.id} was not posted on a dataset: it needs no approval.`, {
        exitCode: 2,
      })
    const wallet = await signer(ctx, flags)
    const { hash } = await approveDataJob(wallet, { computeToData: addresses.computeToData, jobId: j.id })
    if (globals.json)
      return printJson({ jobId: j.id, datasetId: order.datasetId, approved: true, transactionHash: hash })
    printLines([`job ${j.id} approved on dataset ${order.datasetId}: the providers you trust may bid`])
  })

  signerOptions(
    job
      .command('accept')
      .description(
        "Accept a job's result (the buyer at any time, anyone after the window) and withdraw what you are owed",
      )
      .argument('<id>', 'job id'),
  ).action(async (id: string, flags: SignerFlags, command: Command) => {
    const { globals, ctx, addresses, j } = await jobCommandContext(id, command)
    const wallet = await signer(ctx, flags)
    const order = await getDataJobOrder(ctx.client, { computeToData: addresses.computeToData, jobId: j.id })
    if (order) return acceptDataJobAndClaim(ctx, addresses, wallet, j, order, globals.json)
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
  return job
}

/**
 * `job accept` on a compute-to-data job: its buyer accepts through ComputeToData (anyone after the window), then the
 * model and the rest of the budget are claimed for the buyer and withdrawn when the caller is the buyer.
 */
async function acceptDataJobAndClaim(
  ctx: ChainContext,
  addresses: MycelAddresses,
  wallet: WriteClient,
  j: TrainingJob,
  order: DataJobOrder,
  json: boolean | undefined,
) {
  const at = { computeToData: addresses.computeToData }
  const me = wallet.account.address
  const buyer = order.buyer.toLowerCase() === me.toLowerCase()
  let accepted = false
  if (j.status === 'submitted') {
    if (buyer) await acceptDataJob(wallet, { ...at, jobId: j.id })
    else await acceptTrainingJob(wallet, addresses.trainingJobs, [j.id])
    accepted = true
  } else if (j.status !== 'accepted' && j.status !== 'cancelled') {
    throw new NodeError('NOT_SUBMITTED', `Job ${j.id} is ${j.status}: there is no result to accept.`)
  }
  const after = await getTrainingJob(ctx.client, { trainingJobs: addresses.trainingJobs, jobId: j.id })
  const fresh = await getDataJobOrder(ctx.client, { ...at, jobId: j.id })
  const claimable = !fresh?.settled || (after.modelId !== 0n && !fresh.modelDelivered)
  if (claimable) await claimDataJob(wallet, { ...at, jobId: j.id })
  const token = j.market.token as Address
  const owed = buyer ? await getDataJobOwed(ctx.client, { ...at, token, account: me }) : 0n
  if (owed > 0n) await withdrawDataJobRefund(wallet, { ...at, token })
  if (json)
    return printJson({
      accepted: after.status === 'accepted',
      modelId: after.modelId,
      buyer: order.buyer,
      withdrawn: owed,
    })
  printLines([
    `job ${j.id} ${accepted ? 'accepted' : `was ${after.status} already`} (compute-to-data on dataset ${order.datasetId})`,
    ['model', after.modelId === 0n ? '(none registered)' : `model ${after.modelId}, delivered to ${order.buyer}`],
    [
      'refund',
      buyer
        ? `${formatUnits(owed, 6)} tUSD withdrawn`
        : `credited to ${order.buyer} (it withdraws with \`mycel job accept ${j.id}\`)`,
    ],
  ])
}
