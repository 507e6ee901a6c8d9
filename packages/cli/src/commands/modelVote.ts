/**
 * `mycel model govern propose | vote | queue | execute | show | delegate`: a fractionalized model's share holders
 * change its terms by vote (docs/models-market.md, "Fractional ownership and governance"). A proposal is named by id;
 * queue and execute read its calls and description back from the governor's ProposalCreated event.
 */
import {
  castVote,
  delegateVotes,
  executeProposal,
  getProposal,
  modelRegistryAbi,
  type ProposalAction,
  proposeGovernance,
  queueProposal,
  toContractTerms,
  type VoteChoice,
} from '@mycel/sdk'
import type { Command } from 'commander'
import { type Address, encodeFunctionData, formatUnits, isAddress, isHex } from 'viem'
import { getBlock } from 'viem/actions'
import { chainContext, type GlobalFlags, type SignerFlags, signer } from '../context.ts'
import { usageError } from '../errors.ts'
import { governed, proposalIdOf, proposalOf, proposalsOf } from '../modelSupport.ts'
import { signerOptions } from '../options.ts'
import { printJson, printLines, printTable } from '../output.ts'

const VOTES = ['for', 'against', 'abstain'] as const

type ProposeFlags = SignerFlags & { minPrice?: string; target?: string; calldata?: string; description?: string }

/** Adds `govern propose|vote|queue|execute|show|delegate` to the `model` command. */
export function governCommands(model: Command): void {
  const govern = model
    .command('govern')
    .description("Vote on a fractionalized model's terms: propose, vote, queue, execute")

  signerOptions(
    govern
      .command('propose')
      .description(
        'Propose a change: a new minimum price (--min-price), or any call the timelock makes (--target/--calldata)',
      )
      .argument('<id>', 'model id')
      .option(
        '--min-price <units>',
        "new minimum price per request, in the currency's smallest unit (other terms kept)",
      )
      .option('--target <address>', 'contract the timelock calls (with --calldata)')
      .option('--calldata <hex>', 'the call, ABI-encoded (with --target)')
      .option('--description <text>', 'what the proposal does (default: generated, with the time)'),
  ).action(async (id: string, flags: ProposeFlags, command: Command) => {
    const globals = command.optsWithGlobals<GlobalFlags>()
    const generic = flags.target !== undefined || flags.calldata !== undefined
    if ((flags.minPrice === undefined) === !generic) {
      throw usageError('Give either --min-price <units>, or --target <address> with --calldata <hex>.')
    }
    if (generic && (!flags.target || !isAddress(flags.target)))
      throw usageError(`--target ${JSON.stringify(flags.target)} is not an address.`)
    if (generic && (!flags.calldata || !isHex(flags.calldata) || flags.calldata.length < 10)) {
      throw usageError(
        `--calldata ${JSON.stringify(flags.calldata)} is not hex calldata (0x + a 4-byte selector at least).`,
      )
    }
    if (flags.minPrice !== undefined && (!/^\d{1,29}$/.test(flags.minPrice) || BigInt(flags.minPrice) >= 2n ** 96n)) {
      throw usageError(
        `--min-price must be a whole number of the currency's smallest unit, got ${JSON.stringify(flags.minPrice)}.`,
      )
    }
    const ctx = await chainContext(globals)
    const { addresses, model: current, governance } = await governed(ctx, id)
    let action: ProposalAction
    let what: string
    if (flags.minPrice !== undefined) {
      if (!current.terms.hasTerms)
        throw usageError(`Model ${current.modelId} has no terms: propose new terms with --target/--calldata.`)
      const { hasTerms: _, ...terms } = current.terms
      action = {
        target: addresses.modelRegistry,
        data: encodeFunctionData({
          abi: modelRegistryAbi,
          functionName: 'setTerms',
          args: [current.modelId, toContractTerms({ ...terms, minPricePerRequest: BigInt(flags.minPrice) })],
        }),
      }
      what = `Set the minimum price of model ${current.modelId} to ${flags.minPrice} units per request`
    } else {
      action = { target: flags.target as Address, data: flags.calldata as `0x${string}` }
      what = `Call ${flags.target} for model ${current.modelId}`
    }
    const description = flags.description ?? `${what} (proposed ${new Date().toISOString()})`
    const wallet = await signer(ctx, flags)
    const { proposalId, hash } = await proposeGovernance(wallet, {
      governor: governance.governor,
      actions: [action],
      description,
    })
    const p = await getProposal(ctx.client, { governor: governance.governor, proposalId })
    if (globals.json)
      return printJson({
        modelId: current.modelId,
        proposalId,
        description,
        snapshot: p.snapshot,
        deadline: p.deadline,
        transactionHash: hash,
      })
    printLines([
      `proposed ${proposalId}`,
      ['does', description],
      ['voting', `from ${iso(p.snapshot)} to ${iso(p.deadline)}`],
      ['next', `mycel model govern vote ${current.modelId} ${proposalId} for|against|abstain`],
      ['transaction', hash],
    ])
  })

  signerOptions(
    govern
      .command('vote')
      .description('Vote with your delegated shares (as of the proposal snapshot); a vote cannot be changed')
      .argument('<id>', 'model id')
      .argument('<proposalId>', 'proposal id')
      .argument('<choice>', 'for, against or abstain')
      .option('--reason <text>', 'a reason, recorded on chain'),
  ).action(
    async (id: string, pid: string, choice: string, flags: SignerFlags & { reason?: string }, command: Command) => {
      const globals = command.optsWithGlobals<GlobalFlags>()
      if (!VOTES.includes(choice as VoteChoice))
        throw usageError(`The vote must be for, against or abstain, got ${JSON.stringify(choice)}.`)
      const proposalId = proposalIdOf(pid)
      const ctx = await chainContext(globals)
      const { model: m, governance } = await governed(ctx, id)
      await proposalOf(ctx.client, governance.governor, m.modelId, proposalId)
      const wallet = await signer(ctx, flags)
      const { weight, hash } = await castVote(wallet, {
        governor: governance.governor,
        proposalId,
        support: choice as VoteChoice,
        ...(flags.reason ? { reason: flags.reason } : {}),
      })
      if (globals.json)
        return printJson({
          modelId: m.modelId,
          proposalId,
          support: choice,
          weight: formatUnits(weight, 18),
          transactionHash: hash,
        })
      printLines([`voted ${choice} on ${proposalId} with ${formatUnits(weight, 18)} votes`, ['transaction', hash]])
    },
  )

  for (const step of ['queue', 'execute'] as const) {
    signerOptions(
      govern
        .command(step)
        .description(
          step === 'queue'
            ? 'Queue a proposal that passed in the timelock (executable after its delay)'
            : 'Execute a queued proposal once its timelock delay has passed (anyone may)',
        )
        .argument('<id>', 'model id')
        .argument('<proposalId>', 'proposal id'),
    ).action(async (id: string, pid: string, flags: SignerFlags, command: Command) => {
      const globals = command.optsWithGlobals<GlobalFlags>()
      const proposalId = proposalIdOf(pid)
      const ctx = await chainContext(globals)
      const { model: m, governance } = await governed(ctx, id)
      const record = await proposalOf(ctx.client, governance.governor, m.modelId, proposalId)
      const wallet = await signer(ctx, flags)
      const run = step === 'queue' ? queueProposal : executeProposal
      const { hash } = await run(wallet, {
        governor: governance.governor,
        actions: record.actions,
        description: record.description,
      })
      const p = await getProposal(ctx.client, { governor: governance.governor, proposalId })
      if (globals.json)
        return printJson({ modelId: m.modelId, proposalId, state: p.state, eta: p.eta, transactionHash: hash })
      printLines([
        `${step === 'queue' ? 'queued' : 'executed'} ${proposalId}: ${record.description}`,
        ...(step === 'queue' ? [['executable from', iso(p.eta)] as [string, unknown]] : []),
        ['transaction', hash],
      ])
    })
  }

  govern
    .command('show')
    .description("A model's proposals (state, votes), or one proposal in detail")
    .argument('<id>', 'model id')
    .argument('[proposalId]', 'proposal id')
    .action(async (id: string, pid: string | undefined, _flags: unknown, command: Command) => {
      const globals = command.optsWithGlobals<GlobalFlags>()
      const proposalId = pid === undefined ? undefined : proposalIdOf(pid)
      const ctx = await chainContext(globals)
      const { model: m, governance } = await governed(ctx, id)
      const records = await proposalsOf(ctx.client, governance.governor)
      const chosen =
        proposalId === undefined ? records : [await proposalOf(ctx.client, governance.governor, m.modelId, proposalId)]
      const now = (await getBlock(ctx.client)).timestamp
      const rows = []
      for (const r of chosen) {
        const p = await getProposal(ctx.client, { governor: governance.governor, proposalId: r.proposalId })
        rows.push({
          proposalId: r.proposalId,
          state: p.state,
          description: r.description,
          proposer: r.proposer,
          votes: {
            for: formatUnits(p.votes.for, 18),
            against: formatUnits(p.votes.against, 18),
            abstain: formatUnits(p.votes.abstain, 18),
          },
          quorum: p.quorum === undefined ? null : formatUnits(p.quorum, 18),
          voteStart: iso(p.snapshot),
          voteEnd: iso(p.deadline),
          eta: p.eta === 0n ? null : iso(p.eta),
          actions: r.actions,
        })
      }
      const out = { modelId: m.modelId, governor: governance.governor, now: iso(now), proposals: rows }
      if (globals.json) return printJson(proposalId === undefined ? out : { modelId: m.modelId, ...rows[0] })
      if (rows.length === 0)
        return printLines([
          `model ${m.modelId} has no proposals: \`mycel model govern propose ${m.modelId} --min-price <units>\``,
        ])
      if (proposalId !== undefined) {
        const r = rows[0] as (typeof rows)[number]
        return printLines([
          `proposal ${r.proposalId}: ${r.state}`,
          ['does', r.description],
          [
            'votes',
            `for ${r.votes.for}, against ${r.votes.against}, abstain ${r.votes.abstain} (quorum ${r.quorum ?? 'known at the snapshot'})`,
          ],
          ['voting', `${r.voteStart} → ${r.voteEnd}`],
          ['executable from', r.eta ?? '-'],
          ['calls', r.actions.map((a) => `${a.target} ${a.data.slice(0, 10)}…`).join('; ')],
        ])
      }
      printTable(
        rows.map((r) => ({
          ...r,
          for: r.votes.for,
          against: r.votes.against,
          description: r.description.slice(0, 60),
        })),
        ['proposalId', 'state', 'for', 'against', 'description'],
      )
    })

  signerOptions(
    govern
      .command('delegate')
      .description('Delegate your shares’ votes (to yourself by default: shares vote only once delegated)')
      .argument('<id>', 'model id')
      .option('--to <address>', 'who votes with your shares (default: you)'),
  ).action(async (id: string, flags: SignerFlags & { to?: string }, command: Command) => {
    const globals = command.optsWithGlobals<GlobalFlags>()
    if (flags.to !== undefined && !isAddress(flags.to))
      throw usageError(`--to ${JSON.stringify(flags.to)} is not an address.`)
    const ctx = await chainContext(globals)
    const { model: m, governance } = await governed(ctx, id)
    const wallet = await signer(ctx, flags)
    const delegatee = (flags.to ?? wallet.account.address) as Address
    const { hash } = await delegateVotes(wallet, { vault: governance.vault, delegatee })
    if (globals.json) return printJson({ modelId: m.modelId, delegatee, transactionHash: hash })
    printLines([`delegated your ${governance.shares.symbol} votes to ${delegatee}`, ['transaction', hash]])
  })
}

const iso = (seconds: bigint) => new Date(Number(seconds) * 1000).toISOString()
