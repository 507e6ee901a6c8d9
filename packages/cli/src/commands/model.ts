import {
  decodeContractError,
  findUnsettledChannels,
  getLicense,
  getTokenInfo,
  type License,
  licensesAbi,
  listModels,
  type Model,
  type ModelGovernance,
  type MycelAddresses,
  registerModel,
  royaltiesOf,
  setModelTerms,
} from '@mycel/sdk'
import type { Command } from 'commander'
import { type Address, formatUnits } from 'viem'
import { getLogs } from 'viem/actions'
import { type ChainContext, chainContext, contractsOn, type GlobalFlags, type SignerFlags, signer } from '../context.ts'
import { usageError } from '../errors.ts'
import {
  cidOf,
  defaultCard,
  expiryOf,
  formatOfFile,
  governanceOf,
  modelIdOf,
  nameOf,
  readModel,
  readTermsFile,
} from '../modelSupport.ts'
import { collect, parseIntegerOption, signerOptions } from '../options.ts'
import { printJson, printLines, printTable } from '../output.ts'

/** One readable line for an error (a revert becomes its sentence). */
function messageOf(error: unknown): string {
  const decoded = decodeContractError(error)
  if (decoded instanceof Error) return 'shortMessage' in decoded ? String(decoded.shortMessage) : decoded.message
  return String(decoded)
}

async function describeTerms(ctx: ChainContext, terms: Model['terms']) {
  if (!terms.hasTerms) return null
  const { decimals, symbol } = await getTokenInfo(ctx.client, { token: terms.currency })
  return {
    commercialUse: terms.commercialUse,
    derivativesAllowed: terms.derivativesAllowed,
    attribution: terms.attribution,
    royaltyBps: terms.royaltyBps,
    minPricePerRequest: terms.minPricePerRequest,
    currency: terms.currency,
    symbol,
    decimals,
    licenseDuration: terms.licenseDuration,
    mintFee: terms.mintFee,
  }
}

/** Everything `model show` prints: the model, its terms, lineage, licenses, pending royalties and governance. */
async function describeModel(ctx: ChainContext, addresses: MycelAddresses, model: Model) {
  const terms = await describeTerms(ctx, model.terms)
  const licenseLogs = await getLogs(ctx.client, {
    address: addresses.licenses,
    event: licensesAbi.find((i) => i.type === 'event' && i.name === 'LicenseBought') as never,
    args: { modelId: model.modelId } as never,
    fromBlock: 0n,
  })
  const licenses: License[] = []
  for (const log of licenseLogs) {
    const { licenseId } = (log as unknown as { args: { licenseId: bigint } }).args
    licenses.push(await getLicense(ctx.client, { licenses: addresses.licenses, licenseId }))
  }
  const pending = []
  if (terms) {
    const token = terms.currency
    const [channels, fees, due] = await Promise.all([
      royaltiesOf(ctx.client, { source: addresses.paymentChannels, modelId: model.modelId, token }),
      royaltiesOf(ctx.client, { source: addresses.licenses, modelId: model.modelId, token }),
      findUnsettledChannels(ctx.client, {
        paymentChannels: addresses.paymentChannels,
        modelId: model.modelId,
        token,
        fromBlock: 0n,
      }),
    ])
    const unsettled = due
      .flatMap((c) => c.royalties)
      .filter((r) => r.modelId === model.modelId)
      .reduce((sum, r) => sum + r.amount, 0n)
    pending.push({ token, symbol: terms.symbol, paymentChannels: channels, unsettled, licenses: fees })
  }
  // A fractionalized model whose governance cannot be read or verified is shown with the reason, not hidden.
  let fractional: ModelGovernance | { vault: Address; error: string } | undefined
  if (model.royaltyRecipient !== model.owner) {
    fractional = await governanceOf(ctx, addresses, model).catch((error: unknown) => ({
      vault: model.royaltyRecipient,
      error: messageOf(error),
    }))
  }
  return {
    modelId: model.modelId,
    weightsCid: model.weightsCid,
    cardCid: model.cardCid,
    format: model.format,
    owner: model.owner,
    royaltyRecipient: model.royaltyRecipient,
    registeredAt: new Date(Number(model.registeredAt) * 1000).toISOString(),
    parents: model.parents,
    ancestors: model.ancestors,
    terms,
    licenses: licenses.map((l) => ({
      licenseId: l.licenseId,
      holder: l.holder,
      valid: l.valid,
      revoked: l.revoked,
      expiresAt: expiryOf(l.expiresAt),
      royaltyBps: l.terms.royaltyBps,
    })),
    royaltiesPending: pending,
    fractional: !fractional
      ? null
      : 'error' in fractional
        ? { vault: fractional.vault, sound: false, problems: [fractional.error] }
        : {
            vault: fractional.vault,
            governor: fractional.governor,
            timelock: fractional.timelock,
            name: fractional.shares.name,
            symbol: fractional.shares.symbol,
            supply: formatUnits(fractional.shares.totalSupply, 18),
            sound: fractional.sound,
            problems: fractional.problems,
            votingDelay: fractional.settings.votingDelay,
            votingPeriod: fractional.settings.votingPeriod,
            quorumPercent: fractional.settings.quorumPercent,
            timelockDelay: fractional.settings.timelockDelay,
          },
  }
}

const amountText = (amount: bigint, t: { decimals: number; symbol: string }) =>
  `${formatUnits(amount, t.decimals)} ${t.symbol} (${amount} units)`

function printModel(m: Awaited<ReturnType<typeof describeModel>>) {
  const lines: (string | [string, unknown])[] = [
    `model ${m.modelId} (${m.format})`,
    ['weights', m.weightsCid],
    ['card', m.cardCid],
    ['owner', m.owner],
    ['royalties to', m.royaltyRecipient],
    ['parents', m.parents.length ? m.parents.join(', ') : 'none'],
    ['ancestors', m.ancestors.length ? m.ancestors.map((a) => `${a.modelId} (${a.bps} bps)`).join(', ') : 'none'],
  ]
  if (!m.terms) lines.push(['terms', 'none: served without license or royalty'])
  else {
    const t = m.terms
    lines.push(
      ['royalty', `${t.royaltyBps} bps`],
      ['min price', `${amountText(t.minPricePerRequest, t)} per request`],
      ['mint fee', amountText(t.mintFee, t)],
      ['license lasts', t.licenseDuration === 0n ? 'forever' : `${t.licenseDuration} s`],
      ['commercial use', t.commercialUse],
      ['derivatives', t.derivativesAllowed],
      ['attribution', t.attribution],
    )
  }
  for (const p of m.royaltiesPending) {
    lines.push([
      'pending',
      `${p.paymentChannels} (channels) + ${p.unsettled} (not yet settled) + ${p.licenses} (license fees) units of ${p.symbol}`,
    ])
  }
  lines.push([
    'licenses',
    m.licenses.length
      ? m.licenses.map((l) => `${l.licenseId}${l.valid ? '' : ' (invalid)'} → ${l.holder}`).join('; ')
      : 'none',
  ])
  const f = m.fractional
  if (f && !('governor' in f))
    lines.push(['shares', `vault ${f.vault}; governance unreadable: ${f.problems.join('; ')}`])
  else if (f) {
    lines.push(
      ['shares', `${f.supply} ${f.symbol} (${f.name}), vault ${f.vault}`],
      ['governor', `${f.governor}${f.sound ? '' : ` (UNSOUND: ${f.problems.join('; ')})`}`],
      ['timelock', f.timelock],
      [
        'voting',
        `delay ${f.votingDelay} s, period ${f.votingPeriod} s, quorum ${f.quorumPercent} %, timelock ${f.timelockDelay} s`,
      ],
    )
  }
  printLines(lines)
}

type RegisterFlags = SignerFlags & {
  license?: string
  parent: string[]
  format?: string
  card?: string
  name?: string
}

/** Registers `mycel model` and its market subcommands; returns it for modelGovern.ts and modelVote.ts to extend. */
export function modelCommand(program: Command): Command {
  const model = program
    .command('model')
    .description('The model market: register models with license terms, buy licenses, fractionalize and govern')

  signerOptions(
    model
      .command('register')
      .description('Register a model: add its weights to the content store (or give a CID), with license terms')
      .argument('<file|cid>', 'the weights file (added to the content store, CIDv1) or their CID')
      .option('--license <terms.json>', 'license terms (JSON; see docs/models-market.md); without: no terms')
      .option('--parent <id>', 'a model this one derives from (repeat for several, at most 4)', collect, [])
      .option('--format <format>', 'onnx, gguf or another short name (default: from the file extension)')
      .option('--card <file|cid>', 'the model card (default: a JSON card made from --name, format and CIDs)')
      .option('--name <name>', 'name written in the default card (default: the file name)'),
  ).action(async (target: string, flags: RegisterFlags, command: Command) => {
    const globals = command.optsWithGlobals<GlobalFlags>()
    const format = flags.format ?? formatOfFile(target)
    if (!format) throw usageError(`Give --format (onnx, gguf, …): it cannot be told from ${JSON.stringify(target)}.`)
    if (!/^[\x21-\x7e]{1,32}$/.test(format))
      throw usageError(`--format ${JSON.stringify(format)}: use 1 to 32 visible ASCII characters.`)
    const parents = flags.parent.map((p) => BigInt(parseIntegerOption('--parent', p, 1, Number.MAX_SAFE_INTEGER)))
    const ctx = await chainContext(globals)
    const addresses = contractsOn(ctx)
    const terms = flags.license === undefined ? undefined : readTermsFile(flags.license, addresses)
    const weights = await cidOf(globals, '<file|cid>', target)
    const cardCid = flags.card
      ? (await cidOf(globals, '--card', flags.card)).cid
      : await defaultCard(globals, {
          name: flags.name ?? nameOf(target),
          format,
          weights: weights.cid,
          parents: parents.map(String),
        })
    const wallet = await signer(ctx, flags)
    const { modelId, hash } = await registerModel(wallet, {
      modelRegistry: addresses.modelRegistry,
      weightsCid: weights.cid,
      cardCid,
      format,
      parents,
      ...(terms ? { terms } : {}),
    })
    const out = {
      modelId,
      weightsCid: weights.cid,
      cardCid,
      format,
      parents,
      hasTerms: terms !== undefined,
      transactionHash: hash,
    }
    if (globals.json) return printJson(out)
    printLines([
      `registered model ${modelId}${terms ? '' : ' (no terms: served without license or royalty)'}`,
      ['weights', `${weights.cid}${weights.added ? ` (added, ${weights.size} bytes)` : ''}`],
      ['card', cardCid],
      ['transaction', hash],
    ])
  })

  model
    .command('list')
    .description('List registered models with their owner, format and royalty')
    .option('--from <id>', 'first model id', '1')
    .option('--limit <n>', 'at most this many', '100')
    .action(async (flags: { from: string; limit: string }, command: Command) => {
      const globals = command.optsWithGlobals<GlobalFlags>()
      const from = BigInt(parseIntegerOption('--from', flags.from, 1, Number.MAX_SAFE_INTEGER))
      const limit = parseIntegerOption('--limit', flags.limit, 1, 1000)
      const ctx = await chainContext(globals)
      const { modelRegistry } = contractsOn(ctx)
      const { total, models } = await listModels(ctx.client, { modelRegistry, from, limit })
      const rows = models.map((m) => ({
        modelId: m.modelId,
        format: m.format,
        owner: m.owner,
        fractionalized: m.royaltyRecipient !== m.owner,
        royaltyBps: m.terms.hasTerms ? m.terms.royaltyBps : null,
        minPricePerRequest: m.terms.hasTerms ? m.terms.minPricePerRequest : null,
        parents: m.parents,
        weightsCid: m.weightsCid,
      }))
      if (globals.json) return printJson({ total, models: rows })
      if (rows.length === 0)
        return printLines(['no models: register one with `mycel model register <file> --license <terms.json>`'])
      printTable(
        rows.map((r) => ({
          ...r,
          royalty: r.royaltyBps === null ? 'no terms' : `${r.royaltyBps} bps`,
          parents: r.parents.join(',') || '-',
          fractionalized: r.fractionalized ? 'yes' : 'no',
        })),
        ['modelId', 'format', 'royalty', 'parents', 'fractionalized', 'owner', 'weightsCid'],
      )
    })

  model
    .command('show')
    .description('A model: CIDs, terms, lineage, licenses, royalties pending and its governance if fractionalized')
    .argument('<id>', 'model id')
    .action(async (id: string, _flags: unknown, command: Command) => {
      const globals = command.optsWithGlobals<GlobalFlags>()
      const modelId = modelIdOf(id)
      const ctx = await chainContext(globals)
      const addresses = contractsOn(ctx)
      const described = await describeModel(ctx, addresses, await readModel(ctx, addresses, modelId))
      if (globals.json) return printJson(described)
      printModel(described)
    })

  const terms = model.command('terms').description("Change a model's license terms (its owner only)")
  signerOptions(
    terms
      .command('set')
      .description('Set new terms (licenses already sold keep theirs); a fractionalized model changes them by vote')
      .argument('<id>', 'model id')
      .requiredOption('--license <terms.json>', 'the new terms (JSON)'),
  ).action(async (id: string, flags: SignerFlags & { license: string }, command: Command) => {
    const globals = command.optsWithGlobals<GlobalFlags>()
    const modelId = modelIdOf(id)
    const ctx = await chainContext(globals)
    const addresses = contractsOn(ctx)
    const newTerms = readTermsFile(flags.license, addresses)
    const current = await readModel(ctx, addresses, modelId)
    const wallet = await signer(ctx, flags)
    if (
      current.owner.toLowerCase() !== wallet.account.address.toLowerCase() &&
      current.royaltyRecipient !== current.owner
    ) {
      throw usageError(
        `Model ${modelId} is fractionalized: its terms change only by a governance vote (\`mycel model govern propose ${modelId} --min-price <units>\`, or --target/--calldata).`,
      )
    }
    const { hash } = await setModelTerms(wallet, { modelRegistry: addresses.modelRegistry, modelId, terms: newTerms })
    if (globals.json) return printJson({ modelId, terms: newTerms, transactionHash: hash })
    printLines([`set the terms of model ${modelId}`, ['transaction', hash]])
  })

  return model
}
