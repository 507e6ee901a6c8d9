/**
 * Everything an account holds in a mycel deployment, read from the chain: its ETH, MYC and TestUSD balances, its
 * stake per subnet and hotkey (and what it unstaked and has not withdrawn), the open payment channels it pays or is
 * paid by, and the emission it can claim ({@link getClaimableEmissions}).
 */
import type {
  Client,
  GetBalanceErrorType,
  GetBlockErrorType,
  GetContractEventsErrorType,
  ReadContractErrorType,
} from 'viem'
import { getBalance, getBlock, getContractEvents, readContract } from 'viem/actions'
import type { MycelAddresses } from '../../contracts.ts'
import { mycelTokenAbi, paymentChannelsAbi, stakingAbi } from '../../contracts.ts'
import { getChannel } from '../channels/getChannel.ts'
import { type ClaimableEmission, getClaimableEmissions } from './getClaimableEmissions.ts'

type Address = `0x${string}`

export type WalletChannel = {
  channelId: bigint
  payer: Address
  payee: Address
  token: Address
  symbol: string
  decimals: number
  deposit: bigint
  claimed: bigint
  remaining: bigint
  /** `open`; `closing` until `closesAt`; then `withdrawable` by the payer. */
  state: 'open' | 'closing' | 'withdrawable'
  closesAt: bigint
}

export type WalletOverview = {
  account: Address
  balances: { eth: bigint; myc: bigint; testUsd: bigint | null }
  stake: { netuid: number; hotkey: Address; amount: bigint }[]
  /** Unstaked and not withdrawn: `unlocked` can be withdrawn now, `locked` after the cooldown. */
  unstaking: { unlocked: bigint; locked: bigint }
  channels: { asPayer: WalletChannel[]; asPayee: WalletChannel[] }
  claimable: ClaimableEmission[]
}

export type GetWalletOverviewParameters = {
  addresses: MycelAddresses
  account: Address
  /** First block to search for the account's stake and channels (default 0: the deployment block is cheaper). */
  fromBlock?: bigint
}
export type GetWalletOverviewReturnType = WalletOverview
export type GetWalletOverviewErrorType =
  | GetBalanceErrorType
  | GetBlockErrorType
  | GetContractEventsErrorType
  | ReadContractErrorType

/**
 * @example
 * const wallet = await getWalletOverview(client, { addresses, account: '0x…' })
 * console.log(formatEther(wallet.balances.myc), wallet.stake, wallet.channels.asPayer)
 */
export async function getWalletOverview(
  client: Client,
  { addresses, account, fromBlock = 0n }: GetWalletOverviewParameters,
): Promise<GetWalletOverviewReturnType> {
  const balanceOf = (token: Address) =>
    readContract(client, { address: token, abi: mycelTokenAbi, functionName: 'balanceOf', args: [account] })
  const [eth, myc, testUsd] = await Promise.all([
    getBalance(client, { address: account }),
    balanceOf(addresses.mycelToken),
    addresses.testUsd ? balanceOf(addresses.testUsd) : null,
  ])

  const staked = await getContractEvents(client, {
    address: addresses.staking,
    abi: stakingAbi,
    eventName: 'Staked',
    args: { staker: account },
    fromBlock,
  })
  const stake: WalletOverview['stake'] = []
  const seen = new Set<string>()
  for (const log of staked) {
    const { netuid, hotkey } = log.args as { netuid: bigint; hotkey: Address }
    const key = `${netuid}:${hotkey.toLowerCase()}`
    if (seen.has(key)) continue
    seen.add(key)
    const amount = await readContract(client, {
      address: addresses.staking,
      abi: stakingAbi,
      functionName: 'positionOf',
      args: [netuid, hotkey, account],
    })
    if (amount > 0n) stake.push({ netuid: Number(netuid), hotkey, amount })
  }
  const [unlocked, locked] = await readContract(client, {
    address: addresses.staking,
    abi: stakingAbi,
    functionName: 'unlocksOf',
    args: [account],
  })

  const now = (await getBlock(client)).timestamp
  const tokens = new Map<string, { symbol: string; decimals: number }>()
  const tokenInfo = async (token: Address) => {
    const known = tokens.get(token.toLowerCase())
    if (known) return known
    const [symbol, decimals] = await Promise.all([
      readContract(client, { address: token, abi: mycelTokenAbi, functionName: 'symbol' }),
      readContract(client, { address: token, abi: mycelTokenAbi, functionName: 'decimals' }),
    ])
    tokens.set(token.toLowerCase(), { symbol, decimals })
    return { symbol, decimals }
  }
  const channelsWhere = async (side: 'payer' | 'payee') => {
    const opened = await getContractEvents(client, {
      address: addresses.paymentChannels,
      abi: paymentChannelsAbi,
      eventName: 'ChannelOpened',
      args: { [side]: account },
      fromBlock,
    })
    const out: WalletChannel[] = []
    for (const log of opened) {
      const channelId = (log.args as { channelId: bigint }).channelId
      // A closed channel is deleted: it holds nothing any more.
      const channel = await getChannel(client, { paymentChannels: addresses.paymentChannels, channelId }).catch(
        () => undefined,
      )
      if (!channel) continue
      const { payer, payee, token, deposit, claimed, closesAt } = channel
      out.push({
        channelId,
        payer,
        payee,
        token,
        ...(await tokenInfo(token)),
        deposit,
        claimed,
        closesAt,
        remaining: channel.deposit - channel.claimed,
        state: channel.closesAt === 0n ? 'open' : now > channel.closesAt ? 'withdrawable' : 'closing',
      })
    }
    return out
  }
  const [asPayer, asPayee, claimable] = await Promise.all([
    channelsWhere('payer'),
    channelsWhere('payee'),
    getClaimableEmissions(client, { staking: addresses.staking, account, fromBlock }),
  ])
  return {
    account,
    balances: { eth, myc, testUsd },
    stake,
    unstaking: { unlocked, locked },
    channels: { asPayer, asPayee },
    claimable,
  }
}
