import { readFileSync } from 'node:fs'
import {
  type Channel,
  claimVoucher,
  closeChannelByPayee,
  getChannel,
  getChannelCount,
  getTokenInfo,
  type MycelAddresses,
  openChannel,
  requestClose,
  type SignedVoucher,
  signVoucher,
  withdrawChannel,
} from '@mycel/sdk'
import type { Command } from 'commander'
import { type Client, formatUnits, isAddress, isHex } from 'viem'
import { getBlock } from 'viem/actions'
import { type ChainContext, chainContext, contractsOn, type GlobalFlags, type SignerFlags, signer } from '../context.ts'
import { usageError } from '../errors.ts'
import { parseAmountOption, parseIntegerOption, signerOptions } from '../options.ts'
import { printJson, printLines, printTable } from '../output.ts'

/** `myc`, `tusd` (devnet) or a token address. */
function tokenAddress(token: string, addresses: MycelAddresses): `0x${string}` {
  const alias = token.toLowerCase()
  if (alias === 'myc') return addresses.mycelToken
  if (alias === 'tusd') {
    if (!addresses.testUsd) throw usageError('--token tusd exists only on the devnet; give a token address instead.')
    return addresses.testUsd
  }
  if (!isAddress(token)) throw usageError(`--token ${JSON.stringify(token)} is not myc, tusd or a token address.`)
  return token
}

async function tokenInfo(client: Client, token: `0x${string}`) {
  const { decimals, symbol } = await getTokenInfo(client, { token })
  return { decimals, symbol }
}

const channelIdOf = (value: string) => BigInt(parseIntegerOption('channel id', value, 1, Number.MAX_SAFE_INTEGER))

async function describe(ctx: ChainContext, channel: Channel) {
  const { decimals, symbol } = await tokenInfo(ctx.client, channel.token)
  const now = (await getBlock(ctx.client)).timestamp
  const state = channel.closesAt === 0n ? 'open' : now > channel.closesAt ? 'withdrawable' : 'closing'
  return {
    channelId: channel.channelId,
    state,
    payer: channel.payer,
    payee: channel.payee,
    token: channel.token,
    symbol,
    deposit: formatUnits(channel.deposit, decimals),
    claimed: formatUnits(channel.claimed, decimals),
    remaining: formatUnits(channel.deposit - channel.claimed, decimals),
    closesAt: channel.closesAt === 0n ? null : new Date(Number(channel.closesAt) * 1000).toISOString(),
    sessionSigner: channel.sessionSigner,
    sessionCap: formatUnits(channel.sessionCap, decimals),
  }
}

type OpenFlags = SignerFlags & {
  payee: string
  token: string
  amount: string
  sessionSigner?: string
  sessionCap?: string
}

export function channelCommand(program: Command) {
  const channel = program.command('channel').description('Open, inspect, pay into, claim and close payment channels')

  signerOptions(
    channel
      .command('open')
      .description('Open a channel from the signer to a payee, depositing --amount of --token')
      .requiredOption('--payee <address>', 'who gets paid (a miner)')
      .requiredOption('--amount <tokens>', 'deposit, in whole tokens (e.g. 25 or 0.5)')
      .option('--token <token>', 'myc, tusd (devnet) or a token address', 'tusd')
      .option('--session-signer <address>', 'a hot key allowed to sign vouchers')
      .option('--session-cap <tokens>', 'the most the session key may sign for in total (default: the deposit)'),
  ).action(async (flags: OpenFlags, command: Command) => {
    const globals = command.optsWithGlobals<GlobalFlags>()
    if (!isAddress(flags.payee)) throw usageError(`--payee ${JSON.stringify(flags.payee)} is not an address.`)
    if (flags.sessionSigner !== undefined && !isAddress(flags.sessionSigner)) {
      throw usageError(`--session-signer ${JSON.stringify(flags.sessionSigner)} is not an address.`)
    }
    const ctx = await chainContext(globals)
    const addresses = contractsOn(ctx)
    const token = tokenAddress(flags.token, addresses)
    const { decimals, symbol } = await tokenInfo(ctx.client, token)
    const amount = parseAmountOption('--amount', flags.amount, decimals)
    const cap = flags.sessionCap === undefined ? amount : parseAmountOption('--session-cap', flags.sessionCap, decimals)
    const wallet = await signer(ctx, flags)
    const { channelId, hash } = await openChannel(wallet, {
      paymentChannels: addresses.paymentChannels,
      payee: flags.payee,
      token,
      amount,
      ...(flags.sessionSigner ? { sessionSigner: flags.sessionSigner, sessionCap: cap } : {}),
    })
    if (globals.json)
      return printJson({ channelId, payee: flags.payee, token, amount: flags.amount, transactionHash: hash })
    printLines([`opened channel ${channelId}: ${flags.amount} ${symbol} to ${flags.payee}`, ['transaction', hash]])
  })

  channel
    .command('list')
    .description('List open channels (read from the chain)')
    .option('--payer <address>', 'only channels paid by this address')
    .option('--payee <address>', 'only channels paying this address')
    .action(async (flags: { payer?: string; payee?: string }, command: Command) => {
      const globals = command.optsWithGlobals<GlobalFlags>()
      for (const [name, value] of Object.entries(flags)) {
        if (value !== undefined && !isAddress(value))
          throw usageError(`--${name} ${JSON.stringify(value)} is not an address.`)
      }
      const ctx = await chainContext(globals)
      const { paymentChannels } = contractsOn(ctx)
      const count = await getChannelCount(ctx.client, { paymentChannels })
      const rows = []
      for (let channelId = 1n; channelId <= count; channelId++) {
        const found = await getChannel(ctx.client, { paymentChannels, channelId }).catch(() => undefined) // closed
        if (!found) continue
        if (flags.payer && found.payer.toLowerCase() !== flags.payer.toLowerCase()) continue
        if (flags.payee && found.payee.toLowerCase() !== flags.payee.toLowerCase()) continue
        rows.push(await describe(ctx, found))
      }
      if (globals.json) return printJson(rows)
      if (rows.length === 0) return void process.stdout.write('no open channels: open one with `mycel channel open`\n')
      printTable(
        rows.map((r) => ({ ...r, deposit: `${r.deposit} ${r.symbol}`, claimed: `${r.claimed} ${r.symbol}` })),
        ['channelId', 'state', 'payer', 'payee', 'deposit', 'claimed'],
      )
    })

  channel
    .command('status <channelId>')
    .description('Show one channel')
    .action(async (id: string, _flags: unknown, command: Command) => {
      const globals = command.optsWithGlobals<GlobalFlags>()
      const channelId = channelIdOf(id)
      const ctx = await chainContext(globals)
      const found = await getChannel(ctx.client, { paymentChannels: contractsOn(ctx).paymentChannels, channelId })
      const info = await describe(ctx, found)
      if (globals.json) return printJson(info)
      printLines(Object.entries(info).map(([k, v]): [string, unknown] => [k, v ?? '—']))
    })

  signerOptions(
    channel
      .command('voucher <channelId>')
      .description('Sign a voucher for a channel (as its payer or session key) and print it as JSON')
      .requiredOption('--amount <tokens>', 'the cumulative amount owed so far, in whole tokens')
      .option('--requests <n>', 'cumulative requests paid for', '0')
      .option('--units <n>', 'cumulative metered units paid for', '0'),
  ).action(
    async (id: string, flags: SignerFlags & { amount: string; requests: string; units: string }, command: Command) => {
      const globals = command.optsWithGlobals<GlobalFlags>()
      const channelId = channelIdOf(id)
      const requests = BigInt(parseIntegerOption('--requests', flags.requests, 0, Number.MAX_SAFE_INTEGER))
      const units = BigInt(parseIntegerOption('--units', flags.units, 0, Number.MAX_SAFE_INTEGER))
      const ctx = await chainContext(globals)
      const { paymentChannels } = contractsOn(ctx)
      const found = await getChannel(ctx.client, { paymentChannels, channelId })
      const { decimals } = await tokenInfo(ctx.client, found.token)
      const wallet = await signer(ctx, flags)
      const voucher = {
        channelId,
        cumulativeAmount: parseAmountOption('--amount', flags.amount, decimals),
        cumulativeRequests: requests,
        cumulativeUnits: units,
      }
      const signature = await signVoucher(
        wallet.account as Parameters<typeof signVoucher>[0],
        { chainId: ctx.chainId, paymentChannels },
        voucher,
      )
      printJson({ ...voucher, signature })
    },
  )

  signerOptions(
    channel
      .command('claim <channelId>')
      .description('Redeem a voucher (JSON from `mycel channel voucher` or a miner) as the payee')
      .requiredOption('--voucher <file>', 'the voucher JSON file'),
  ).action(async (id: string, flags: SignerFlags & { voucher: string }, command: Command) => {
    const globals = command.optsWithGlobals<GlobalFlags>()
    const channelId = channelIdOf(id)
    const voucher = readVoucher(flags.voucher)
    if (voucher.channelId !== channelId) {
      throw usageError(`The voucher in ${flags.voucher} is for channel ${voucher.channelId}, not ${channelId}.`)
    }
    const ctx = await chainContext(globals)
    const { paymentChannels } = contractsOn(ctx)
    const { decimals, symbol } = await tokenInfo(
      ctx.client,
      (await getChannel(ctx.client, { paymentChannels, channelId })).token,
    )
    const wallet = await signer(ctx, flags)
    const { hash, paid } = await claimVoucher(wallet, { paymentChannels, voucher })
    if (globals.json) return printJson({ channelId, paid, transactionHash: hash })
    printLines([`claimed ${formatUnits(paid, decimals)} ${symbol} from channel ${channelId}`, ['transaction', hash]])
  })

  signerOptions(
    channel
      .command('close <channelId>')
      .description(
        'As payer: request a close, or withdraw the rest once the window is over. As payee (--cooperative): close now and refund the payer.',
      )
      .option('--cooperative', 'close as the payee, refunding the unclaimed deposit at once'),
  ).action(async (id: string, flags: SignerFlags & { cooperative?: boolean }, command: Command) => {
    const globals = command.optsWithGlobals<GlobalFlags>()
    const channelId = channelIdOf(id)
    const ctx = await chainContext(globals)
    const { paymentChannels } = contractsOn(ctx)
    const wallet = await signer(ctx, flags)
    const found = await getChannel(ctx.client, { paymentChannels, channelId })
    const { decimals, symbol } = await tokenInfo(ctx.client, found.token)
    const tokens = (amount: bigint) => `${formatUnits(amount, decimals)} ${symbol}`
    if (flags.cooperative) {
      const { hash, refunded } = await closeChannelByPayee(wallet, { paymentChannels, channelId })
      if (globals.json) return printJson({ channelId, action: 'closed', refunded, transactionHash: hash })
      return printLines([
        `closed channel ${channelId}; refunded ${tokens(refunded)} to the payer`,
        ['transaction', hash],
      ])
    }
    if (found.closesAt === 0n) {
      const { hash, closesAt } = await requestClose(wallet, { paymentChannels, channelId })
      const when = new Date(Number(closesAt) * 1000).toISOString()
      if (globals.json)
        return printJson({ channelId, action: 'close-requested', closesAt: when, transactionHash: hash })
      return printLines([
        `close requested for channel ${channelId}; withdraw after ${when} with \`mycel channel close ${channelId}\``,
        ['transaction', hash],
      ])
    }
    const { hash, refunded } = await withdrawChannel(wallet, { paymentChannels, channelId })
    if (globals.json) return printJson({ channelId, action: 'withdrawn', refunded, transactionHash: hash })
    printLines([`withdrew ${tokens(refunded)} from channel ${channelId}`, ['transaction', hash]])
  })
}

function readVoucher(file: string): SignedVoucher {
  let raw: unknown
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'))
  } catch (error) {
    throw usageError(`Cannot read a voucher from ${file}: ${(error as Error).message.split('\n')[0]}.`)
  }
  const v = raw as Record<string, unknown>
  const big = (name: string) => {
    const value = v[name]
    if ((typeof value !== 'string' && typeof value !== 'number') || !/^\d+$/.test(String(value))) {
      throw usageError(`The voucher in ${file} has no valid "${name}" (a non-negative integer).`)
    }
    return BigInt(value)
  }
  if (typeof v.signature !== 'string' || !isHex(v.signature))
    throw usageError(`The voucher in ${file} has no hex "signature".`)
  return {
    channelId: big('channelId'),
    cumulativeAmount: big('cumulativeAmount'),
    cumulativeRequests: big('cumulativeRequests'),
    cumulativeUnits: big('cumulativeUnits'),
    signature: v.signature,
  }
}
