/**
 * `mycel subnet create | list | show | params`: subnets on chain, and their consensus parameters for people
 * (`humanParam`) and for `--set key=value` changes (`applyParamChanges`).
 */
import { existsSync, readFileSync } from 'node:fs'
import { createContentStore } from '@mycel/node'
import {
  createSubnet,
  getNeurons,
  getNextEpoch,
  getStake,
  getSubnetParams,
  getSubnets,
  hasValidatorPermit,
  MAX_NEURONS_LIMIT,
  parseCid,
  type SubnetParams,
  setSubnetParams,
} from '@mycel/sdk'
import type { Command } from 'commander'
import { formatEther, parseEther } from 'viem'
import { chainContext, contractsOn, type GlobalFlags, type SignerFlags, signer } from '../context.ts'
import { usageError } from '../errors.ts'
import { parseIntegerOption, parseNetuid, signerOptions } from '../options.ts'
import { printJson, printLines, printTable } from '../output.ts'

type CreateFlags = SignerFlags & {
  name: string
  taskType: string
  scoringSpec: string
  maxNeurons: string
  registrationCost: string
}

export function subnetCommand(program: Command) {
  const subnet = program.command('subnet').description('Create, list and show subnets; read and set their parameters')

  signerOptions(
    subnet
      .command('create')
      .description('Create a subnet owned by the signer')
      .requiredOption('--name <name>', 'short name, 1-32 bytes')
      .requiredOption('--task-type <type>', 'what miners serve, e.g. text-generation, image-classification')
      .requiredOption('--scoring-spec <cid|file>', 'scoring specification: a CID, or a file to store and reference')
      .option('--max-neurons <n>', 'neuron slots, 1-256', '256')
      .option('--registration-cost <myc>', 'MYC burned per neuron registration', '0'),
  ).action(async (flags: CreateFlags, command: Command) => {
    const globals = command.optsWithGlobals<GlobalFlags>()
    const maxNeurons = parseIntegerOption('--max-neurons', flags.maxNeurons, 1, MAX_NEURONS_LIMIT)
    if (!/^\d+(\.\d{1,18})?$/.test(flags.registrationCost)) {
      throw usageError(
        `--registration-cost must be a number of MYC, e.g. 1 or 0.5, got ${JSON.stringify(flags.registrationCost)}.`,
      )
    }
    const ctx = await chainContext(globals)
    let scoringSpecCid: string
    if (existsSync(flags.scoringSpec)) {
      const bytes = new Uint8Array(readFileSync(flags.scoringSpec))
      scoringSpecCid = await createContentStore(ctx.options.dataDir).put(bytes)
    } else {
      try {
        scoringSpecCid = parseCid(flags.scoringSpec)
      } catch {
        throw usageError(
          `--scoring-spec ${JSON.stringify(flags.scoringSpec)} is neither an existing file nor a CID (e.g. bafkrei…).`,
        )
      }
    }
    const { subnetRegistry } = contractsOn(ctx)
    const wallet = await signer(ctx, flags)
    const { netuid, hash } = await createSubnet(wallet, {
      registry: subnetRegistry,
      name: flags.name,
      taskType: flags.taskType,
      scoringSpecCid,
      maxNeurons,
      registrationCost: parseEther(flags.registrationCost),
    })
    if (globals.json) return printJson({ netuid: Number(netuid), scoringSpecCid, transactionHash: hash })
    printLines([`created subnet ${netuid} "${flags.name}"`, ['scoring spec', scoringSpecCid], ['transaction', hash]])
  })

  subnet
    .command('list')
    .description('List subnets (read from the chain)')
    .action(async (_flags: unknown, command: Command) => {
      const globals = command.optsWithGlobals<GlobalFlags>()
      const ctx = await chainContext(globals)
      const subnets = await getSubnets(ctx.client, { registry: contractsOn(ctx).subnetRegistry })
      if (globals.json) return printJson(subnets)
      if (subnets.length === 0)
        return void process.stdout.write('no subnets yet: create one with `mycel subnet create`\n')
      printTable(
        subnets.map((s) => ({
          ...s,
          neurons: `${s.neuronCount}/${s.maxNeurons}`,
          cost: `${formatEther(s.registrationCost)} MYC`,
        })),
        ['netuid', 'name', 'taskType', 'neurons', 'cost', 'owner'],
      )
    })

  subnet
    .command('show')
    .description('One subnet: its parameters, neurons with stake and permits, and its next epoch')
    .requiredOption('--netuid <n>', 'subnet id')
    .action(async (flags: { netuid: string }, command: Command) => {
      const globals = command.optsWithGlobals<GlobalFlags>()
      const netuid = parseNetuid(flags.netuid)
      const ctx = await chainContext(globals)
      const { subnetRegistry: registry, staking, epochs } = contractsOn(ctx)
      const found = (await getSubnets(ctx.client, { registry })).find((s) => BigInt(s.netuid) === netuid)
      if (!found) throw usageError(`There is no subnet ${netuid}; see \`mycel subnet list\`.`)
      const params = await getSubnetParams(ctx.client, { registry, netuid })
      const next = await getNextEpoch(ctx.client, { epochs, netuid })
      const neurons = []
      for (const n of await getNeurons(ctx.client, { registry, netuid })) {
        const { total } = await getStake(ctx.client, { staking, netuid, hotkey: n.hotkey })
        const permit = await hasValidatorPermit(ctx.client, { registry, netuid, uid: n.uid })
        neurons.push({ ...n, stake: total, validatorPermit: permit })
      }
      if (globals.json) return printJson({ ...found, params, nextEpoch: next, neurons })
      printLines([
        `subnet ${netuid} "${found.name}" (${found.taskType})`,
        ['owner', found.owner],
        ['neurons', `${found.neuronCount}/${found.maxNeurons}`],
        ['registration cost', `${formatEther(found.registrationCost)} MYC`],
        ['tempo', `${params.tempo} blocks`],
        ['kappa', humanParam('kappa', params.kappa)],
        ['commit-reveal', `${params.commitRevealPeriod} tempo(s)`],
        ['max validators', params.maxValidators],
        ['next epoch', `${next.epoch} (snapshot at block ${next.snapshotBlock})`],
        ['scoring spec', found.scoringSpecCid],
      ])
      if (neurons.length === 0) return
      process.stdout.write('\n')
      printTable(
        neurons.map((n) => ({
          ...n,
          stake: `${formatEther(n.stake)} MYC`,
          permit: n.validatorPermit ? 'yes' : '',
        })),
        ['uid', 'role', 'hotkey', 'stake', 'permit', 'endpoint'],
      )
    })

  subnetParamsCommand(subnet)
}

const paramKeys = [
  'tempo',
  'kappa',
  'bondsPenalty',
  'bondsMovingAverage',
  'yuma3',
  'liquidAlpha',
  'alphaLow',
  'alphaHigh',
  'alphaSigmoidSteepness',
  'commitRevealPeriod',
  'weightsRateLimit',
  'maxValidators',
  'immunityPeriod',
  'activityCutoff',
] as const

/** Parameters stored as fractions: of 65535 (u16) or per million. `--set` takes them raw, as the contract stores them. */
const u16Fractions: readonly string[] = ['kappa', 'bondsPenalty', 'alphaLow', 'alphaHigh']
const units: Partial<Record<(typeof paramKeys)[number], string>> = {
  tempo: 'blocks',
  commitRevealPeriod: 'tempo(s)',
  weightsRateLimit: 'blocks',
  immunityPeriod: 'blocks',
  activityCutoff: 'blocks',
}

/** A parameter for people: fractions as 0.500 (with the raw value `--set` takes), counts with their unit. */
export function humanParam(key: (typeof paramKeys)[number], value: number | boolean): string {
  if (typeof value === 'boolean') return String(value)
  if (u16Fractions.includes(key)) return `${(value / 65_535).toFixed(3)} (${value}/65535)`
  if (key === 'bondsMovingAverage') return `${(value / 1_000_000).toFixed(3)} (${value} ppm)`
  return units[key] ? `${value} ${units[key]}` : String(value)
}

/** `--set key=value` pairs applied to the current parameters; names the bad pair and the keys it may use. */
export function applyParamChanges(current: SubnetParams, pairs: readonly string[]): SubnetParams {
  const next: Record<string, number | boolean> = { ...current }
  for (const pair of pairs) {
    const match = /^([A-Za-z0-9]+)=(.+)$/.exec(pair)
    const key = match?.[1] as (typeof paramKeys)[number] | undefined
    if (!match || key === undefined || !paramKeys.includes(key)) {
      throw usageError(`--set ${JSON.stringify(pair)}: expected key=value with key one of ${paramKeys.join(', ')}.`)
    }
    const value = match[2] as string
    if (typeof current[key] === 'boolean') {
      if (value !== 'true' && value !== 'false') throw usageError(`--set ${key} takes true or false, got ${value}.`)
      next[key] = value === 'true'
    } else {
      if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
        throw usageError(`--set ${key} takes a whole number, got ${JSON.stringify(value)}.`)
      }
      next[key] = Number(value)
    }
  }
  return next as SubnetParams
}

export function subnetParamsCommand(subnet: Command) {
  signerOptions(
    subnet
      .command('params')
      .description('Show a subnet’s consensus parameters; with --set, change them (owner only, within bounds)')
      .requiredOption('--netuid <n>', 'subnet id')
      .option(
        '--set <key=value...>',
        `change parameters: ${paramKeys.join(', ')}; values are raw, as stored on chain: ${u16Fractions.join(', ')} in 65535ths (32767 = 0.5), bondsMovingAverage in parts per million`,
      ),
  ).action(async (flags: SignerFlags & { netuid: string; set?: string[] }, cmd: Command) => {
    const globals = cmd.optsWithGlobals<GlobalFlags>()
    const netuid = parseNetuid(flags.netuid)
    const ctx = await chainContext(globals)
    const { subnetRegistry: registry } = contractsOn(ctx)
    let params = await getSubnetParams(ctx.client, { registry, netuid })
    let hash: string | undefined
    if (flags.set && flags.set.length > 0) {
      const next = applyParamChanges(params, flags.set)
      const wallet = await signer(ctx, flags)
      hash = (await setSubnetParams(wallet, { registry, netuid, params: next })).hash
      params = await getSubnetParams(ctx.client, { registry, netuid })
    }
    if (globals.json) return printJson(hash ? { ...params, transactionHash: hash } : params)
    printLines([
      ...paramKeys.map((k): [string, unknown] => [k, humanParam(k, params[k])]),
      ...(hash ? [['transaction', hash] as [string, unknown]] : []),
    ])
  })
}
