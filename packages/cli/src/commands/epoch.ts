/**
 * `mycel weights show` (the latest revealed weights of each validator), `mycel epoch show` (an epoch's record and
 * the shares its proposal pays) and `mycel epoch claim` (claim a final epoch's shares). Everything is read from the
 * chain: proposals from their `EpochProposed` events and calldata, rows from `WeightsRevealed` events.
 */
import {
  claimMinerEmission,
  claimOwnerEmission,
  claimValidatorEmission,
  decodeWeights,
  getEpochEmission,
  getEpochProposals,
  getEpochRecord,
  getNextEpoch,
  getRevealedRows,
  getSubnets,
  isEmissionClaimed,
  minerEmission,
  type ProposedEpoch,
  unpackColumns,
  unpackInputs,
  unpackQ,
  validatorEmission,
} from '@mycel/sdk'
import type { Command } from 'commander'
import { formatEther } from 'viem'
import { type ChainContext, chainContext, contractsOn, type GlobalFlags, type SignerFlags, signer } from '../context.ts'
import { usageError } from '../errors.ts'
import { parseIntegerOption, parseNetuid, signerOptions } from '../options.ts'
import { printJson, printLines, printTable } from '../output.ts'

async function subnetOf(ctx: ChainContext, netuid: bigint) {
  const subnet = (await getSubnets(ctx.client, { registry: contractsOn(ctx).subnetRegistry })).find(
    (s) => BigInt(s.netuid) === netuid,
  )
  if (!subnet) throw usageError(`There is no subnet ${netuid}; see \`mycel subnet list\`.`)
  return subnet
}

/** The proposal epoch `epoch` settled with (the last one proposed), or a usage error. */
async function proposalOf(ctx: ChainContext, netuid: bigint, epoch: bigint): Promise<ProposedEpoch> {
  const { epochs } = contractsOn(ctx)
  const proposals = await getEpochProposals(ctx.client, { epochs, netuid, epoch })
  const last = proposals.at(-1)
  if (!last) throw usageError(`Epoch ${epoch} of subnet ${netuid} was not proposed yet.`)
  if (!last.proposal)
    throw usageError(`Epoch ${epoch}'s proposal was sent through a contract; its data is not readable.`)
  return last
}

/** Per uid and per validator, what an epoch's proposal pays (wei). */
function sharesOf(p: ProposedEpoch, emission: bigint) {
  const proposal = p.proposal as NonNullable<ProposedEpoch['proposal']>
  const columns = unpackColumns(proposal.columns)
  const rankSum = columns.reduce((a, c) => a + c.rank, 0)
  const dividends = unpackQ(proposal.dividends)
  return {
    miners: columns.map((c, uid) => ({
      uid,
      incentive: rankSum === 0 ? 0 : c.rank / rankSum,
      emission: minerEmission(emission, c.rank, rankSum),
    })),
    validators: unpackInputs(proposal.inputs).map((x, i) => ({
      uid: x.uid,
      stake: x.stake,
      dividend: (dividends[i] ?? 0) / 2 ** 32,
      emission: validatorEmission(emission, dividends[i] ?? 0),
    })),
  }
}

export function weightsCommand(program: Command) {
  const weights = program.command('weights').description('Validator weights (commit-reveal)')
  weights
    .command('show')
    .description('The latest weights each validator of a subnet revealed')
    .requiredOption('--netuid <n>', 'subnet id')
    .action(async (flags: { netuid: string }, command: Command) => {
      const globals = command.optsWithGlobals<GlobalFlags>()
      const netuid = parseNetuid(flags.netuid)
      const ctx = await chainContext(globals)
      const subnet = await subnetOf(ctx, netuid)
      const rows = await getRevealedRows(ctx.client, {
        weights: contractsOn(ctx).weights,
        netuid,
        fromBlock: subnet.createdAtBlock,
      })
      const latest = new Map<string, (typeof rows)[number]>()
      for (const row of rows) latest.set(row.hotkey.toLowerCase(), row)
      const list = [...latest.values()].map((r) => ({
        uid: r.uid,
        hotkey: r.hotkey,
        commitBlock: r.commitBlock,
        revealBlock: r.revealBlock,
        weights: decodeWeights(r.packed),
      }))
      if (globals.json) return printJson({ netuid: Number(netuid), validators: list })
      if (list.length === 0) return void process.stdout.write(`no weights revealed in subnet ${netuid} yet\n`)
      const width = Math.max(...list.map((r) => r.weights.length))
      printTable(
        list.map((r) => ({
          validator: `uid ${r.uid} ${r.hotkey.slice(0, 10)}…`,
          revealed: `block ${r.revealBlock}`,
          ...Object.fromEntries(
            Array.from({ length: width }, (_, j) => [`${j}`, ((r.weights[j] ?? 0) / 65_535).toFixed(3)]),
          ),
        })),
        ['validator', 'revealed', ...Array.from({ length: width }, (_, j) => `${j}`)],
      )
      process.stdout.write('(columns: uid; weights as fractions of the row maximum 65535)\n')
    })
}

export function epochCommand(program: Command) {
  const epoch = program.command('epoch').description('Epochs: settlement, emissions and claims')
  epoch
    .command('show')
    .description('An epoch of a subnet: its proposal, state, emission and what it pays each neuron')
    .requiredOption('--netuid <n>', 'subnet id')
    .option('--epoch <e>', 'epoch number (default: the last one proposed)')
    .action(async (flags: { netuid: string; epoch?: string }, command: Command) => {
      const globals = command.optsWithGlobals<GlobalFlags>()
      const netuid = parseNetuid(flags.netuid)
      const ctx = await chainContext(globals)
      await subnetOf(ctx, netuid)
      const { epochs } = contractsOn(ctx)
      const next = await getNextEpoch(ctx.client, { epochs, netuid })
      let number: bigint
      if (flags.epoch !== undefined) number = BigInt(parseIntegerOption('--epoch', flags.epoch, 0, 2 ** 40))
      else {
        const pending = await getEpochRecord(ctx.client, { epochs, netuid, epoch: next.epoch })
        if (!pending.proposed && next.epoch === 0n) {
          throw usageError(
            `No epoch of subnet ${netuid} was proposed yet (epoch 0 snapshots at block ${next.snapshotBlock}).`,
          )
        }
        number = pending.proposed ? next.epoch : next.epoch - 1n
      }
      const record = await getEpochRecord(ctx.client, { epochs, netuid, epoch: number })
      const p = await proposalOf(ctx, netuid, number)
      const emission = await getEpochEmission(ctx.client, { epochs, netuid, header: p.header })
      const shares = sharesOf(p, emission)
      const status = record.final ? 'final' : 'pending (challenge window open or awaiting finalize)'
      if (globals.json) {
        return printJson({
          netuid: Number(netuid),
          epoch: Number(number),
          status: record.final ? 'final' : 'pending',
          snapshotBlock: p.header.snapshotBlock,
          proposer: p.proposer,
          proposedAtBlock: p.blockNumber,
          emission,
          ...shares,
        })
      }
      printLines([
        `epoch ${number} of subnet ${netuid}: ${status}`,
        ['snapshot block', p.header.snapshotBlock],
        ['proposer', p.proposer],
        ['proposed at block', p.blockNumber],
        ['emission', `${formatEther(emission)} MYC (owner 18%, miners 41%, validators 41%)`],
      ])
      process.stdout.write('\nminers\n')
      printTable(
        shares.miners
          .filter((m) => m.incentive > 0)
          .map((m) => ({ ...m, incentive: m.incentive.toFixed(4), emission: `${formatEther(m.emission)} MYC` })),
        ['uid', 'incentive', 'emission'],
      )
      process.stdout.write('\nvalidators\n')
      printTable(
        shares.validators.map((v) => ({
          ...v,
          stake: `${formatEther(v.stake)} MYC`,
          dividend: v.dividend.toFixed(4),
          emission: `${formatEther(v.emission)} MYC`,
        })),
        ['uid', 'stake', 'dividend', 'emission'],
      )
    })

  type ClaimFlags = SignerFlags & { netuid: string; epoch: string; uid?: string; owner?: boolean; all?: boolean }
  signerOptions(
    epoch
      .command('claim')
      .description("Claim a final epoch's emission: a miner's or validator's share (by uid), the owner's, or all")
      .requiredOption('--netuid <n>', 'subnet id')
      .requiredOption('--epoch <e>', 'epoch number')
      .option('--uid <uid>', 'the neuron whose share to claim (paid to its hotkey, whoever sends the claim)')
      .option('--owner', "the subnet owner's share")
      .option('--all', 'every unclaimed share of the epoch'),
  ).action(async (flags: ClaimFlags, command: Command) => {
    const globals = command.optsWithGlobals<GlobalFlags>()
    const netuid = parseNetuid(flags.netuid)
    const number = BigInt(parseIntegerOption('--epoch', flags.epoch, 0, 2 ** 40))
    const uid = flags.uid === undefined ? undefined : parseIntegerOption('--uid', flags.uid, 0, 65_535)
    if ([uid !== undefined, flags.owner === true, flags.all === true].filter(Boolean).length !== 1) {
      throw usageError('Say what to claim: exactly one of --uid <uid>, --owner or --all.')
    }
    const ctx = await chainContext(globals)
    const { epochs } = contractsOn(ctx)
    const record = await getEpochRecord(ctx.client, { epochs, netuid, epoch: number })
    if (!record.final) throw usageError(`Epoch ${number} of subnet ${netuid} is not final yet; claims open when it is.`)
    const p = await proposalOf(ctx, netuid, number)
    const settled = { header: p.header, proposal: p.proposal as NonNullable<ProposedEpoch['proposal']> }
    const emission = await getEpochEmission(ctx.client, { epochs, netuid, header: p.header })
    const shares = sharesOf(p, emission)
    const wallet = await signer(ctx, flags)
    const base = { epochs, netuid, epoch: number }
    const claimed: { share: string; uid: number | null; amount: bigint; transactionHash: string }[] = []
    const claimOne = async (kind: 'miner' | 'validator' | 'owner', who: number) => {
      if (await isEmissionClaimed(ctx.client, { ...base, role: kind, uid: who })) return false
      const action =
        kind === 'miner'
          ? claimMinerEmission(wallet, { ...base, ...settled, uid: who })
          : kind === 'validator'
            ? claimValidatorEmission(wallet, { ...base, ...settled, uid: who })
            : claimOwnerEmission(wallet, { ...base, header: p.header })
      const { hash } = await action
      const amount =
        kind === 'miner'
          ? (shares.miners[who]?.emission ?? 0n)
          : kind === 'validator'
            ? (shares.validators.find((v) => v.uid === who)?.emission ?? 0n)
            : (emission * 1800n) / 10_000n
      claimed.push({ share: kind, uid: kind === 'owner' ? null : who, amount, transactionHash: hash })
      return true
    }
    if (flags.owner) {
      if (!(await claimOne('owner', 0))) throw usageError(`The owner's share of epoch ${number} was already claimed.`)
    } else if (uid !== undefined) {
      const asMiner = shares.miners[uid]?.emission ?? 0n
      const asValidator = shares.validators.find((v) => v.uid === uid)?.emission ?? 0n
      if (asMiner === 0n && asValidator === 0n) throw usageError(`uid ${uid} earned nothing in epoch ${number}.`)
      const done = [
        asMiner > 0n ? await claimOne('miner', uid) : false,
        asValidator > 0n ? await claimOne('validator', uid) : false,
      ]
      if (!done.some(Boolean)) throw usageError(`uid ${uid}'s share of epoch ${number} was already claimed.`)
    } else {
      for (const m of shares.miners) if (m.emission > 0n) await claimOne('miner', m.uid)
      for (const v of shares.validators) if (v.emission > 0n) await claimOne('validator', v.uid)
      await claimOne('owner', 0)
    }
    if (globals.json) return printJson({ netuid: Number(netuid), epoch: Number(number), claimed })
    if (claimed.length === 0) return void process.stdout.write(`nothing left to claim in epoch ${number}\n`)
    printTable(
      claimed.map((c) => ({ ...c, uid: c.uid ?? '-', amount: `${formatEther(c.amount)} MYC` })),
      ['share', 'uid', 'amount', 'transactionHash'],
    )
  })
}
