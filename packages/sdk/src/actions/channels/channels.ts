/**
 * Typed actions over PaymentChannels: open, top up, authorize a session key, claim (one or a batch), close and
 * withdraw, and read a channel. Each write simulates first, so a revert comes back as a readable error.
 */
import { type Client, parseEventLogs } from 'viem'
import { readContract } from 'viem/actions'
import type { SignedVoucher } from '../../channels/voucher.ts'
import { paymentChannelsAbi } from '../../contracts.ts'
import { decodeContractError, MissingEventError } from '../../errors/contract.ts'
import { ensureAllowance, type WriteClient, writeContractAndWait } from '../write.ts'

type Address = `0x${string}`
type Hash = `0x${string}`

export type Channel = {
  channelId: bigint
  payer: Address
  payee: Address
  token: Address
  deposit: bigint
  claimed: bigint
  /** 0 while open; else the unix time after which the payer may withdraw. */
  closesAt: bigint
  sessionSigner: Address
  sessionCap: bigint
}

export type OpenChannelParameters = {
  paymentChannels: Address
  payee: Address
  /** ERC-20 the channel pays in. */
  token: Address
  /** Deposit in the token's smallest unit. */
  amount: bigint
  /** A hot key allowed to sign vouchers up to `sessionCap` (omit for none). */
  sessionSigner?: Address
  sessionCap?: bigint
}

/**
 * Opens a channel from the client's account to `payee`, approving the deposit first when needed.
 *
 * @example
 * const { channelId } = await openChannel(payer, { paymentChannels, payee, token: testUsd, amount: 10_000_000n, sessionSigner: hot.address, sessionCap: 10_000_000n })
 */
export async function openChannel(
  client: WriteClient,
  parameters: OpenChannelParameters,
): Promise<{ channelId: bigint; hash: Hash }> {
  await ensureAllowance(client, parameters.token, parameters.paymentChannels, parameters.amount)
  const { hash, receipt } = await writeContractAndWait(client, {
    address: parameters.paymentChannels,
    abi: paymentChannelsAbi,
    functionName: 'open',
    args: [
      parameters.payee,
      parameters.token,
      parameters.amount,
      parameters.sessionSigner ?? '0x0000000000000000000000000000000000000000',
      parameters.sessionCap ?? 0n,
    ],
  })
  const [event] = parseEventLogs({ abi: paymentChannelsAbi, eventName: 'ChannelOpened', logs: receipt.logs })
  if (!event) throw new MissingEventError({ eventName: 'ChannelOpened', hash })
  return { channelId: event.args.channelId, hash }
}

/** Adds `amount` to a channel's deposit (the payer only), approving first when needed. */
export async function depositToChannel(
  client: WriteClient,
  { paymentChannels, channelId, amount }: { paymentChannels: Address; channelId: bigint; amount: bigint },
): Promise<{ hash: Hash }> {
  const { token } = await getChannel(client, { paymentChannels, channelId })
  await ensureAllowance(client, token, paymentChannels, amount)
  const { hash } = await writeContractAndWait(client, {
    address: paymentChannels,
    abi: paymentChannelsAbi,
    functionName: 'deposit',
    args: [channelId, amount],
  })
  return { hash }
}

/** Authorizes (or, with the zero address, removes) a channel's session signer and its cumulative cap. */
export async function setSessionSigner(
  client: WriteClient,
  parameters: { paymentChannels: Address; channelId: bigint; signer: Address; cap: bigint },
): Promise<{ hash: Hash }> {
  const { hash } = await writeContractAndWait(client, {
    address: parameters.paymentChannels,
    abi: paymentChannelsAbi,
    functionName: 'setSessionSigner',
    args: [parameters.channelId, parameters.signer, parameters.cap],
  })
  return { hash }
}

const toClaim = (v: SignedVoucher) => ({
  channelId: v.channelId,
  cumulativeAmount: v.cumulativeAmount,
  cumulativeRequests: v.cumulativeRequests,
  cumulativeUnits: v.cumulativeUnits,
  signature: v.signature,
})

/** Sends `claim` or `claimBatch` and adds up what the claims paid now. */
async function redeem(
  client: WriteClient,
  paymentChannels: Address,
  call:
    | { functionName: 'claim'; args: [ReturnType<typeof toClaim>] }
    | { functionName: 'claimBatch'; args: [ReturnType<typeof toClaim>[]] },
): Promise<{ hash: Hash; paid: bigint; gasUsed: bigint }> {
  const { hash, receipt } = await writeContractAndWait(client, {
    address: paymentChannels,
    abi: paymentChannelsAbi,
    ...call,
  })
  const paid = parseEventLogs({ abi: paymentChannelsAbi, eventName: 'ChannelClaimed', logs: receipt.logs }).reduce(
    (sum, e) => sum + e.args.amount,
    0n,
  )
  return { hash, paid, gasUsed: receipt.gasUsed }
}

/** Redeems one voucher; returns what was paid now. */
export function claimVoucher(
  client: WriteClient,
  { paymentChannels, voucher }: { paymentChannels: Address; voucher: SignedVoucher },
): Promise<{ hash: Hash; paid: bigint; gasUsed: bigint }> {
  return redeem(client, paymentChannels, { functionName: 'claim', args: [toClaim(voucher)] })
}

/**
 * Redeems many vouchers in one transaction; the client must be the payee of every channel. Sorted by token here,
 * so each token is paid with one transfer.
 */
export function claimVouchers(
  client: WriteClient,
  {
    paymentChannels,
    vouchers,
    tokens,
  }: { paymentChannels: Address; vouchers: SignedVoucher[]; tokens?: Map<bigint, Address> },
): Promise<{ hash: Hash; paid: bigint; gasUsed: bigint }> {
  const sorted = tokens
    ? [...vouchers].sort((a, b) => (tokens.get(a.channelId) ?? '').localeCompare(tokens.get(b.channelId) ?? ''))
    : vouchers
  return redeem(client, paymentChannels, { functionName: 'claimBatch', args: [sorted.map(toClaim)] })
}

/** Starts a channel's challenge window (the payer only). */
export async function requestClose(
  client: WriteClient,
  { paymentChannels, channelId }: { paymentChannels: Address; channelId: bigint },
): Promise<{ hash: Hash; closesAt: bigint }> {
  const { hash, receipt } = await writeContractAndWait(client, {
    address: paymentChannels,
    abi: paymentChannelsAbi,
    functionName: 'requestClose',
    args: [channelId],
  })
  const [event] = parseEventLogs({ abi: paymentChannelsAbi, eventName: 'ChannelCloseRequested', logs: receipt.logs })
  if (!event) throw new MissingEventError({ eventName: 'ChannelCloseRequested', hash })
  return { hash, closesAt: event.args.closesAt }
}

/** Sends `withdraw` or `closeByPayee`, which both end a channel and refund the rest to the payer. */
async function settle(
  client: WriteClient,
  functionName: 'withdraw' | 'closeByPayee',
  { paymentChannels, channelId }: { paymentChannels: Address; channelId: bigint },
): Promise<{ hash: Hash; refunded: bigint }> {
  const { hash, receipt } = await writeContractAndWait(client, {
    address: paymentChannels,
    abi: paymentChannelsAbi,
    functionName,
    args: [channelId],
  })
  const [event] = parseEventLogs({ abi: paymentChannelsAbi, eventName: 'ChannelClosed', logs: receipt.logs })
  if (!event) throw new MissingEventError({ eventName: 'ChannelClosed', hash })
  return { hash, refunded: event.args.refunded }
}

/** After the window, returns the unclaimed deposit to the payer. */
export const withdrawChannel = (client: WriteClient, parameters: { paymentChannels: Address; channelId: bigint }) =>
  settle(client, 'withdraw', parameters)

/** Cooperative close by the payee: the rest goes back to the payer now. */
export const closeChannelByPayee = (client: WriteClient, parameters: { paymentChannels: Address; channelId: bigint }) =>
  settle(client, 'closeByPayee', parameters)

/** Reads a channel (reverts with a decoded error when it does not exist or was closed). */
export async function getChannel(
  client: Client,
  { paymentChannels, channelId }: { paymentChannels: Address; channelId: bigint },
): Promise<Channel> {
  try {
    const c = await readContract(client, {
      address: paymentChannels,
      abi: paymentChannelsAbi,
      functionName: 'getChannel',
      args: [channelId],
    })
    return { channelId, ...c }
  } catch (error) {
    throw decodeContractError(error)
  }
}
