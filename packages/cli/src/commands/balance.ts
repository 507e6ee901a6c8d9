/**
 * `mycel balance [address]`: a wallet overview read from the chain (ETH, MYC, TestUSD, stake, payment channels on
 * both sides, claimable emissions). The reading is the SDK's `getWalletOverview`; this only picks the address and
 * prints.
 */
import { devnetAccount, readDeployments } from '@mycel/node'
import { getWalletOverview, type WalletChannel, type WalletOverview } from '@mycel/sdk'
import type { Command } from 'commander'
import { formatEther, formatUnits, isAddress } from 'viem'
import { type ChainContext, chainContext, contractsOn, type GlobalFlags, keysOf } from '../context.ts'
import { usageError } from '../errors.ts'
import { parseIntegerOption } from '../options.ts'
import { printJson, printLines, printTable } from '../output.ts'

type BalanceFlags = { key?: string; devAccount?: string }

/** The address asked about: the argument, else --key's address (no password needed), else a devnet account. */
function accountOf(ctx: ChainContext, address: string | undefined, flags: BalanceFlags): `0x${string}` {
  if (address !== undefined) {
    if (!isAddress(address)) throw usageError(`${JSON.stringify(address)} is not an address (0x and 40 hex digits).`)
    return address
  }
  if (flags.key) return keysOf(ctx.options).address(flags.key)
  if (ctx.chainId !== 31337) {
    throw usageError(`Chain ${ctx.chainId} is not the devnet: give an address (\`mycel balance 0x…\`) or --key <name>.`)
  }
  return devnetAccount(parseIntegerOption('--dev-account', flags.devAccount ?? '0', 0, 999)).address
}

const myc = (wei: bigint) => `${formatEther(wei)} MYC`
const tokens = (c: WalletChannel, amount: bigint) => `${formatUnits(amount, c.decimals)} ${c.symbol}`

export function balanceCommand(program: Command) {
  program
    .command('balance')
    .description('A wallet overview: ETH, MYC, TestUSD, stake, payment channels and claimable emissions')
    .argument('[address]', 'the account (default: --key’s address, else the devnet account --dev-account)')
    .option('--key <name>', 'the address of this keystore key (no password needed)')
    .option('--dev-account <index>', 'devnet only: anvil test account <index> (default 0)')
    .action(async (address: string | undefined, flags: BalanceFlags, command: Command) => {
      const globals = command.optsWithGlobals<GlobalFlags>()
      const ctx = await chainContext(globals)
      const account = accountOf(ctx, address, flags)
      const addresses = contractsOn(ctx)
      // Nothing of this deployment happened before it: search its events from there.
      const blocks = Object.values(readDeployments(ctx.options.dataDir, ctx.chainId)?.contracts ?? {})
        .map((c) => c?.blockNumber)
        .filter((b): b is string => b !== undefined)
        .map(Number)
      const fromBlock = blocks.length > 0 ? BigInt(Math.min(...blocks)) : 0n
      const wallet = await getWalletOverview(ctx.client, { addresses, account, fromBlock })
      if (globals.json) return printJson({ chainId: ctx.chainId, ...jsonOf(wallet) })
      print(wallet, ctx.chainId)
    })
}

function jsonOf(w: WalletOverview) {
  const total = w.claimable.reduce((sum, c) => sum + c.amount, 0n)
  return { ...w, claimable: { total, positions: w.claimable } }
}

function print(w: WalletOverview, chainId: number) {
  printLines([
    `${w.account} on chain ${chainId}`,
    ['ETH', formatEther(w.balances.eth)],
    ['MYC', formatEther(w.balances.myc)],
    ...(w.balances.testUsd === null ? [] : [['tUSD', formatUnits(w.balances.testUsd, 6)] as [string, unknown]]),
  ])
  process.stdout.write('\nstake')
  if (w.stake.length === 0) process.stdout.write(': none\n')
  else {
    process.stdout.write('\n')
    printTable(
      w.stake.map((s) => ({ ...s, stake: myc(s.amount) })),
      ['netuid', 'hotkey', 'stake'],
    )
  }
  if (w.unstaking.unlocked + w.unstaking.locked > 0n) {
    process.stdout.write(
      `unstaking: ${myc(w.unstaking.unlocked)} unlocked (withdrawable), ${myc(w.unstaking.locked)} still locked\n`,
    )
  }
  const channels = [
    ...w.channels.asPayer.map((c) => ({ c, side: 'pays', counterparty: c.payee })),
    ...w.channels.asPayee.map((c) => ({ c, side: 'is paid by', counterparty: c.payer })),
  ]
  process.stdout.write('\npayment channels')
  if (channels.length === 0) process.stdout.write(': none\n')
  else {
    process.stdout.write('\n')
    printTable(
      channels.map(({ c, side, counterparty }) => ({
        id: c.channelId,
        side,
        counterparty,
        state: c.state,
        deposited: tokens(c, c.deposit),
        claimed: tokens(c, c.claimed),
        remaining: tokens(c, c.remaining),
      })),
      ['id', 'side', 'counterparty', 'state', 'deposited', 'claimed', 'remaining'],
    )
  }
  process.stdout.write('\nclaimable emissions (rewards waiting in Staking)')
  if (w.claimable.length === 0) return void process.stdout.write(': none\n')
  process.stdout.write('\n')
  printTable(
    w.claimable.map((c) => ({ ...c, amount: myc(c.amount) })),
    ['netuid', 'hotkey', 'amount'],
  )
  process.stdout.write(`total: ${myc(w.claimable.reduce((sum, c) => sum + c.amount, 0n))}\n`)
}
