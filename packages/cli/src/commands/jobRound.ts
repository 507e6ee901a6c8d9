/**
 * `mycel job round open|propose|contribute|finalize|launch|claim|withdraw|reclaim|reclaim-pool|list|show`: research
 * funding
 * (docs/training.md, "Research funding"). A sponsor opens a quadratic-funding round with a matching pool, anyone
 * proposes a training job and contributes to proposals; after the round's end `finalize` splits the pool by the QF
 * rule, `launch` posts a funded proposal to the market (anyone), `claim` gives its proposer the model and the unspent
 * budget; a proposal that will not run is withdrawn and its contributors and sponsor reclaim what they put in; a pool
 * no proposal scored for returns to its sponsor (`reclaim-pool`).
 * Every subcommand takes `--json`.
 */
import { NodeError } from '@mycel/node'
import type { WriteClient } from '@mycel/sdk'
import {
  claimResearchModel,
  claimResearchRefund,
  contributeToProposal,
  finalizeResearchRound,
  getResearchProposal,
  getResearchRound,
  getTrainingJob,
  launchResearchProposal,
  listResearchRounds,
  type MycelAddresses,
  modelRegistryAbi,
  openResearchRound,
  proposeResearchJob,
  type ResearchProposal,
  type ResearchRound,
  reclaimResearchFunds,
  reclaimResearchPool,
  withdrawResearchProposal,
} from '@mycel/sdk'
import type { Command } from 'commander'
import { type Address, formatUnits } from 'viem'
import { getBlock } from 'viem/actions'
import { type ChainContext, chainContext, contractsOn, type GlobalFlags, type SignerFlags, signer } from '../context.ts'
import { usageError } from '../errors.ts'
import { type JobParamFlags, jobParamOptions, jobParams } from '../jobSupport.ts'
import { parseAmountOption, parseIntegerOption, signerOptions } from '../options.ts'
import { printJson, printLines, printTable } from '../output.ts'

const idOf = (what: string) => (value: string) => {
  if (!/^[1-9]\d{0,18}$/.test(value))
    throw usageError(`${what} id ${JSON.stringify(value)} is not a whole number from 1.`)
  return BigInt(value)
}
const roundIdOf = idOf('Round')
const proposalIdOf = idOf('Proposal')
const tusd = (units: bigint) => `${formatUnits(units, 6)} tUSD`

/** Reads `read()`, turning the contract's "unknown" error into one that names the id and how to find one. */
async function orUnknown<T>(read: () => Promise<T>, code: string, message: string): Promise<T> {
  try {
    return await read()
  } catch (error) {
    if (/ResearchRoundsUnknown/.test(String((error as Error).message))) throw new NodeError(code, message)
    throw error
  }
}

const roundOrFail = (ctx: ChainContext, addresses: MycelAddresses, roundId: bigint) =>
  orUnknown(
    () => getResearchRound(ctx.client, { researchRounds: addresses.researchRounds, roundId }),
    'UNKNOWN_ROUND',
    `Research round ${roundId} does not exist. See \`mycel job round list\`.`,
  )

const proposalOrFail = (ctx: ChainContext, addresses: MycelAddresses, proposalId: bigint) =>
  orUnknown(
    () => getResearchProposal(ctx.client, { researchRounds: addresses.researchRounds, proposalId }),
    'UNKNOWN_PROPOSAL',
    `Proposal ${proposalId} does not exist. See \`mycel job round list\`.`,
  )

const roundSummary = (r: Omit<ResearchRound, 'proposals'> & { proposals: readonly unknown[] }, now: bigint) => ({
  id: r.id,
  status: r.finalized ? 'finalized' : BigInt(r.contributeEnd) > now ? 'open' : 'ended',
  sponsor: r.sponsor,
  pool: r.pool,
  endsAt: new Date(r.contributeEnd * 1000).toISOString(),
  proposals: r.proposals.length,
})

const proposalSummary = (p: ResearchProposal) => ({
  id: p.id,
  round: p.round,
  proposer: p.proposer,
  raised: p.raised,
  score: p.score,
  matched: p.matched,
  job: p.jobId === 0n ? '' : p.jobId,
  withdrawn: p.withdrawn,
})

/** A proposal's row for people: amounts in tUSD. */
const proposalRow = (p: ResearchProposal) => ({
  ...proposalSummary(p),
  raised: formatUnits(p.raised, 6),
  score: formatUnits(p.score, 6),
  matched: formatUnits(p.matched, 6),
})

export function jobRoundCommand(job: Command): void {
  const round = job
    .command('round')
    .description('Research funding: quadratic-funding rounds that pay for training jobs')

  const action =
    <A extends unknown[]>(run: (ctx: ChainContext, a: MycelAddresses, json: boolean, ...args: A) => Promise<void>) =>
    async (...args: [...A, Command]) => {
      const command = args.at(-1) as Command
      const globals = command.optsWithGlobals<GlobalFlags>()
      const ctx = await chainContext(globals)
      await run(ctx, contractsOn(ctx), globals.json === true, ...(args.slice(0, -1) as A))
    }

  signerOptions(
    round
      .command('open')
      .description('Open a round with a matching pool (tUSD), taking contributions for --duration seconds')
      .requiredOption('--pool <amount>', 'the matching pool, in tUSD (e.g. 10)')
      .option('--duration <seconds>', 'how long the round takes proposals and contributions', '300'),
  ).action(
    action(async (ctx, addresses, json, flags: SignerFlags & { pool: string; duration: string }) => {
      const pool = parseAmountOption('--pool', flags.pool, 6, 2n ** 96n - 1n)
      const duration = parseIntegerOption('--duration', flags.duration, 1, 365 * 86_400)
      const token = addresses.testUsd
      if (!token) throw new NodeError('NO_TOKEN', 'This chain has no tUSD: rounds are paid in it on the devnet.')
      const wallet = await signer(ctx, flags)
      const now = (await getBlock(ctx.client)).timestamp
      const contributeEnd = Number(now) + duration
      const { roundId, hash } = await openResearchRound(wallet, {
        researchRounds: addresses.researchRounds,
        token,
        pool,
        contributeEnd,
      })
      const endsAt = new Date(contributeEnd * 1000).toISOString()
      if (json) return printJson({ roundId, pool, endsAt, transactionHash: hash })
      printLines([
        `round ${roundId} open`,
        ['pool', tusd(pool)],
        ['ends', endsAt],
        ['next', `mycel job round propose ${roundId} --spec examples/training/mnist.spec.json`],
      ])
    }),
  )

  signerOptions(
    jobParamOptions(
      round
        .command('propose')
        .description("Propose a training job to a round (the round's contributions and match become its budget)")
        .argument('<round>', 'round id'),
      false,
    ),
  ).action(
    action(async (ctx, addresses, json, id: string, flags: SignerFlags & JobParamFlags) => {
      const roundId = roundIdOf(id)
      await roundOrFail(ctx, addresses, roundId)
      const params = await jobParams(ctx, addresses, flags)
      const wallet = await signer(ctx, flags)
      const { proposalId, hash } = await proposeResearchJob(wallet, {
        researchRounds: addresses.researchRounds,
        roundId,
        ...params,
      })
      if (json) return printJson({ proposalId, roundId, datasetCid: params.datasetCid, transactionHash: hash })
      printLines([
        `proposal ${proposalId} in round ${roundId}`,
        ['dataset', params.datasetCid],
        ['next', `mycel job round contribute ${proposalId} --amount 1`],
      ])
    }),
  )

  type Ctx = { ctx: ChainContext; addresses: MycelAddresses; json: boolean; wallet: WriteClient }
  /**
   * A subcommand that sends a transaction about one proposal (`<proposal>`) or round (`<round>`): the id parsed, the
   * proposal or round read (an unknown one named) before the signer is unlocked, then `run`.
   */
  const onProposal = (
    name: string,
    description: string,
    run: (c: Ctx & { proposalId: bigint; proposal: ResearchProposal; amount: bigint }) => Promise<void>,
    amount?: { flag: string; help: string },
  ) =>
    signerOptions(
      ((c: Command) => (amount ? c.requiredOption(`${amount.flag} <amount>`, amount.help) : c))(
        round.command(name).description(description).argument('<proposal>', 'proposal id'),
      ),
    ).action(
      action(async (ctx, addresses, json, id: string, flags: SignerFlags & { amount?: string }) => {
        const proposalId = proposalIdOf(id)
        const value = amount ? parseAmountOption(amount.flag, flags.amount as string, 6, 2n ** 128n - 1n) : 0n
        const proposal = await proposalOrFail(ctx, addresses, proposalId)
        const wallet = await signer(ctx, flags)
        await run({ ctx, addresses, json, wallet, proposalId, proposal, amount: value })
      }),
    )
  const onRound = (name: string, description: string, run: (c: Ctx & { roundId: bigint }) => Promise<void>) =>
    signerOptions(round.command(name).description(description).argument('<round>', 'round id')).action(
      action(async (ctx, addresses, json, id: string, flags: SignerFlags) => {
        const roundId = roundIdOf(id)
        await roundOrFail(ctx, addresses, roundId)
        await run({ ctx, addresses, json, wallet: await signer(ctx, flags), roundId })
      }),
    )

  onProposal(
    'contribute',
    'Fund a proposal (many small contributions draw more of the match than one large one)',
    async ({ ctx, addresses, json, wallet, proposalId, amount }) => {
      const { hash } = await contributeToProposal(wallet, {
        researchRounds: addresses.researchRounds,
        proposalId,
        amount,
      })
      const p = await proposalOrFail(ctx, addresses, proposalId)
      if (json) return printJson({ proposalId, amount, raised: p.raised, score: p.score, transactionHash: hash })
      printLines([
        `contributed ${tusd(amount)} to proposal ${proposalId}`,
        ['raised', tusd(p.raised)],
        ['QF score', tusd(p.score)],
      ])
    },
    { flag: '--amount', help: 'in tUSD (e.g. 1.5)' },
  )

  onRound(
    'finalize',
    "Split a round's matching pool by the QF rule, after its end (anyone)",
    async ({ ctx, addresses, json, wallet, roundId }) => {
      const { hash } = await finalizeResearchRound(wallet, addresses.researchRounds, [roundId])
      const r = await roundOrFail(ctx, addresses, roundId)
      const proposals = await Promise.all(r.proposals.map((p) => proposalOrFail(ctx, addresses, p)))
      if (json) return printJson({ roundId, proposals: proposals.map(proposalSummary), transactionHash: hash })
      printLines([`round ${roundId} finalized`])
      printTable(proposals.map(proposalRow), ['id', 'raised', 'score', 'matched'])
    },
  )

  onProposal(
    'launch',
    'Post a funded proposal to the training market, its contributions plus match as the budget (anyone)',
    async ({ addresses, json, wallet, proposalId }) => {
      const { jobId, budget, hash } = await launchResearchProposal(wallet, {
        researchRounds: addresses.researchRounds,
        proposalId,
      })
      if (json) return printJson({ proposalId, jobId, budget, transactionHash: hash })
      printLines([
        `proposal ${proposalId} launched as job ${jobId}`,
        ['budget', tusd(budget)],
        ['next', `mycel job show ${jobId}`],
      ])
    },
  )

  onProposal(
    'claim',
    "Give an accepted job's model to its proposer, and pay the proposer what the job did not spend",
    async ({ ctx, addresses, json, wallet, proposalId, proposal: p }) => {
      if (p.jobId === 0n)
        throw new NodeError(
          'NOT_LAUNCHED',
          `Proposal ${proposalId} has no job yet: \`mycel job round launch ${proposalId}\`.`,
        )
      const j = await getTrainingJob(ctx.client, { trainingJobs: addresses.trainingJobs, jobId: p.jobId })
      let modelId: bigint | undefined
      if (j.modelId !== 0n) {
        const owner = await ctx.client.readContract({
          address: addresses.modelRegistry,
          abi: modelRegistryAbi,
          functionName: 'ownerOf',
          args: [j.modelId],
        })
        if (owner.toLowerCase() === addresses.researchRounds.toLowerCase())
          await claimResearchModel(wallet, addresses.researchRounds, [proposalId])
        modelId = j.modelId
      }
      const isProposer = wallet.account.address.toLowerCase() === p.proposer.toLowerCase()
      const due = isProposer && ((j.status === 'accepted' && !p.refundClaimed) || j.compensation > p.compensationPaid)
      const refund = due
        ? await claimResearchRefund(wallet, { researchRounds: addresses.researchRounds, proposalId })
        : { amount: 0n, compensation: 0n }
      if (modelId === undefined && !due)
        throw new NodeError(
          'NOTHING_TO_CLAIM',
          `Proposal ${proposalId}'s job ${p.jobId} is ${j.status}: no model yet${
            isProposer ? ' and nothing to refund' : ` (refunds go to its proposer ${p.proposer})`
          }.`,
        )
      if (json) return printJson({ proposalId, jobId: p.jobId, modelId: modelId ?? null, ...refund })
      printLines([
        `proposal ${proposalId} (job ${p.jobId}, ${j.status})`,
        ['model', modelId === undefined ? '(not yet)' : `model ${modelId}, owned by ${p.proposer}`],
        ['refunded', tusd(refund.amount)],
        ...(refund.compensation > 0n
          ? ([['compensation', `${formatUnits(refund.compensation, 18)} MYC`]] as [string, unknown][])
          : []),
      ])
    },
  )

  onProposal(
    'withdraw',
    "Withdraw a proposal that will not run (its proposer or the round's sponsor; anyone after 8 empty auctions)",
    async ({ addresses, json, wallet, proposalId }) => {
      const { hash } = await withdrawResearchProposal(wallet, addresses.researchRounds, [proposalId])
      if (json) return printJson({ proposalId, withdrawn: true, transactionHash: hash })
      printLines([
        `proposal ${proposalId} withdrawn`,
        ['next', `each contributor and the sponsor: mycel job round reclaim ${proposalId}`],
      ])
    },
  )

  onProposal(
    'reclaim',
    'Take back your contribution to a withdrawn proposal (the sponsor: its match)',
    async ({ addresses, json, wallet, proposalId }) => {
      const { amount, hash } = await reclaimResearchFunds(wallet, {
        researchRounds: addresses.researchRounds,
        proposalId,
      })
      if (json) return printJson({ proposalId, amount, transactionHash: hash })
      printLines([`reclaimed ${tusd(amount)} from proposal ${proposalId}`])
    },
  )

  onRound(
    'reclaim-pool',
    "Return a finalized round's pool to its sponsor when no proposal scored (anyone)",
    async ({ addresses, json, wallet, roundId }) => {
      const { amount, sponsor, hash } = await reclaimResearchPool(wallet, {
        researchRounds: addresses.researchRounds,
        roundId,
      })
      if (json) return printJson({ roundId, amount, sponsor, transactionHash: hash })
      printLines([`round ${roundId}'s pool of ${tusd(amount)} returned to ${sponsor}`])
    },
  )

  round
    .command('list')
    .description('The latest research rounds and their proposals')
    .option('--limit <n>', 'at most this many rounds', '20')
    .action(
      action(async (ctx, addresses, json, flags: { limit: string }) => {
        const rounds = await listResearchRounds(ctx.client, {
          researchRounds: addresses.researchRounds,
          limit: parseIntegerOption('--limit', flags.limit, 1, 1000),
        })
        const now = (await getBlock(ctx.client)).timestamp
        if (json)
          return printJson(
            rounds.map((r) => ({
              ...roundSummary(r, now),
              proposalCount: r.proposalCount,
              proposals: r.proposals.map(proposalSummary),
            })),
          )
        if (rounds.length === 0)
          return printLines(['no research round yet: open one with `mycel job round open --pool <tUSD>`'])
        printTable(
          rounds.map((r) => ({ ...roundSummary(r, now), pool: formatUnits(r.pool, 6), proposals: r.proposalCount })),
          ['id', 'status', 'pool', 'endsAt', 'proposals'],
        )
      }),
    )

  round
    .command('show')
    .description('One round: its pool, end and proposals with their raised amounts, QF scores and matches')
    .argument('<round>', 'round id')
    .action(
      action(async (ctx, addresses, json, id: string) => {
        const r = await roundOrFail(ctx, addresses, roundIdOf(id))
        const proposals = await Promise.all(r.proposals.map((p) => proposalOrFail(ctx, addresses, p)))
        const now = (await getBlock(ctx.client)).timestamp
        const summary = roundSummary(r, now)
        if (json) return printJson({ ...summary, token: r.token as Address, proposals: proposals.map(proposalSummary) })
        printLines([
          `round ${r.id}: ${summary.status}`,
          ['sponsor', r.sponsor],
          ['pool', tusd(r.pool)],
          ['ends', summary.endsAt],
        ])
        printTable(proposals.map(proposalRow), ['id', 'proposer', 'raised', 'score', 'matched', 'job', 'withdrawn'])
      }),
    )
}
