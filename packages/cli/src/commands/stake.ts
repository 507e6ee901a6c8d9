/** `mycel stake add | remove | list`: stake MYC on hotkeys (your own or delegated) and list a subnet's stake. */
import { getNeurons, getStake, stake, unstake } from '@mycel/sdk'
import type { Command } from 'commander'
import { formatEther, isAddress, parseEther } from 'viem'
import { chainContext, contractsOn, type GlobalFlags, type SignerFlags, signer } from '../context.ts'
import { usageError } from '../errors.ts'
import { parseIntegerOption, parseNetuid, signerOptions } from '../options.ts'
import { printJson, printLines, printTable } from '../output.ts'

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
      const netuid = parseNetuid(flags.netuid)
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
