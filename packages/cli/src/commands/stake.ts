import { getNeurons, getStake, getSubnetParams, type SubnetParams, setSubnetParams, stake, unstake } from '@mycel/sdk'
import type { Command } from 'commander'
import { formatEther, isAddress, parseEther } from 'viem'
import { chainContext, contractsOn, type GlobalFlags, type SignerFlags, signer } from '../context.ts'
import { usageError } from '../errors.ts'
import { printJson, printLines, printTable } from '../output.ts'
import { parseIntegerOption, signerOptions } from './subnet.ts'

type StakeFlags = SignerFlags & { netuid: string; hotkey?: string; amount: string }

function parseMyc(name: string, value: string): bigint {
  if (!/^\d+(\.\d{1,18})?$/.test(value) || /^0+(\.0*)?$/.test(value)) {
    throw usageError(`${name} must be a positive number of MYC, e.g. 100 or 0.5, got ${JSON.stringify(value)}.`)
  }
  return parseEther(value)
}

export function stakeCommand(program: Command) {
  const command = program.command('stake').description('Stake MYC on hotkeys (your own or delegated) and list stake')
  for (const [name, description] of [
    ['add', 'Stake MYC on a hotkey in a subnet (the signer’s own hotkey by default)'],
    ['remove', 'Unstake MYC from a hotkey; it unlocks after the cooldown'],
  ] as const) {
    signerOptions(
      command
        .command(name)
        .description(description)
        .requiredOption('--netuid <n>', 'subnet id')
        .requiredOption('--amount <myc>', 'MYC, e.g. 100 or 0.5')
        .option('--hotkey <address>', 'the hotkey to stake on (default: the signer)'),
    ).action(async (flags: StakeFlags, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalFlags>()
      const netuid = BigInt(parseIntegerOption('--netuid', flags.netuid, 1, 2 ** 31))
      const amount = parseMyc('--amount', flags.amount)
      if (flags.hotkey !== undefined && !isAddress(flags.hotkey)) {
        throw usageError(
          `--hotkey must be an address (0x followed by 40 hex digits), got ${JSON.stringify(flags.hotkey)}.`,
        )
      }
      const ctx = await chainContext(globals)
      const wallet = await signer(ctx, flags)
      const hotkey = (flags.hotkey ?? wallet.account.address) as `0x${string}`
      const { staking } = contractsOn(ctx)
      const action = name === 'add' ? stake : unstake
      const { hash } = await action(wallet, { staking, netuid, hotkey, amount })
      const after = await getStake(ctx.client, { staking, netuid, hotkey, staker: wallet.account.address })
      if (globals.json) return printJson({ netuid: Number(netuid), hotkey, ...after, transactionHash: hash })
      printLines([
        `${name === 'add' ? 'staked' : 'unstaked'} ${flags.amount} MYC ${name === 'add' ? 'on' : 'from'} ${hotkey}`,
        ['hotkey total', `${formatEther(after.total)} MYC`],
        ['your stake', `${formatEther(after.own)} MYC`],
        ['transaction', hash],
      ])
    })
  }

  command
    .command('list')
    .description('Stake of every neuron of a subnet')
    .requiredOption('--netuid <n>', 'subnet id')
    .action(async (flags: { netuid: string }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalFlags>()
      const netuid = parseIntegerOption('--netuid', flags.netuid, 1, 2 ** 31)
      const ctx = await chainContext(globals)
      const { staking, subnetRegistry } = contractsOn(ctx)
      const neurons = await getNeurons(ctx.client, { registry: subnetRegistry, netuid: BigInt(netuid) })
      const rows = []
      for (const n of neurons) {
        const { total } = await getStake(ctx.client, { staking, netuid: BigInt(netuid), hotkey: n.hotkey })
        rows.push({ uid: n.uid, hotkey: n.hotkey, role: n.role, stake: total })
      }
      if (globals.json) return printJson(rows)
      if (rows.length === 0) return void process.stdout.write(`subnet ${netuid} has no neurons yet\n`)
      printTable(
        rows.map((r) => ({ ...r, stake: `${formatEther(r.stake)} MYC` })),
        ['uid', 'role', 'stake', 'hotkey'],
      )
    })
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
    const netuid = BigInt(parseIntegerOption('--netuid', flags.netuid, 1, 2 ** 31))
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
