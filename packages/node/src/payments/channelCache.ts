/**
 * The miner's view of the channels that pay it, read from the chain once and kept fresh by following the
 * PaymentChannels events (deposits, session-key changes, close requests, claims, closes). Vouchers are checked
 * against this cache, so the request path makes no RPC call except for a channel seen for the first time.
 */
import { type Channel, ContractRevertError, getChannel, getPendingSessionSigner, paymentChannelsAbi } from '@mycel/sdk'
import { type Address, type PublicClient, parseEventLogs } from 'viem'
import { getBlockNumber, getLogs } from 'viem/actions'

/** A channel as the contract reports it, plus its scheduled session-key change (until `effectiveAt` both keys hold). */
export type ChannelState = Channel & { pending?: { signer: Address; cap: bigint; effectiveAt: bigint } }

export type ChannelCache = {
  /** The cached state; undefined when never loaded or known to be closed. */
  get: (channelId: bigint) => ChannelState | undefined
  /** Reads the channel from the chain (always when `force`); undefined when it does not exist or was closed. */
  load: (channelId: bigint, options?: { force?: boolean }) => Promise<ChannelState | undefined>
  /** Follows new PaymentChannels events and reloads the channels they touch. */
  poll: () => Promise<void>
}

const ZERO = '0x0000000000000000000000000000000000000000'
/** Most ids remembered as "no such channel" before that memory is cleared. */
const MAX_UNKNOWN = 10_000

export async function createChannelCache(client: PublicClient, paymentChannels: Address): Promise<ChannelCache> {
  const channels = new Map<bigint, ChannelState | undefined>()
  const loading = new Map<bigint, Promise<ChannelState | undefined>>()
  let unknown = 0
  let fromBlock = (await getBlockNumber(client, { cacheTime: 0 })) + 1n

  async function read(channelId: bigint): Promise<ChannelState | undefined> {
    try {
      const c = await getChannel(client, { paymentChannels, channelId })
      const state: ChannelState = {
        channelId,
        payer: c.payer,
        payee: c.payee,
        token: c.token,
        deposit: c.deposit,
        claimed: c.claimed,
        closesAt: c.closesAt,
        sessionSigner: c.sessionSigner,
        sessionCap: c.sessionCap,
      }
      const pending = await getPendingSessionSigner(client, { paymentChannels, channelId })
      if (pending) state.pending = { signer: pending.signer, cap: pending.cap, effectiveAt: pending.effectiveAt }
      if (state.sessionSigner === ZERO) state.sessionCap = 0n
      return state
    } catch (error) {
      if (error instanceof ContractRevertError && error.errorName === 'PaymentChannelsUnknownChannel') return undefined
      throw error
    }
  }

  async function load(channelId: bigint, { force = false } = {}) {
    if (!force && channels.has(channelId)) return channels.get(channelId)
    const inFlight = loading.get(channelId)
    if (inFlight) return inFlight
    const promise = read(channelId).then(
      (state) => {
        // Ids that name no channel are remembered too (each would cost an RPC call), but only so many.
        if (state === undefined && ++unknown > MAX_UNKNOWN) {
          for (const [id, s] of channels) if (s === undefined) channels.delete(id)
          unknown = 1
        }
        channels.set(channelId, state)
        loading.delete(channelId)
        return state
      },
      (error: unknown) => {
        loading.delete(channelId)
        throw error
      },
    )
    loading.set(channelId, promise)
    return promise
  }

  async function poll() {
    const head = await getBlockNumber(client, { cacheTime: 0 })
    if (head < fromBlock) {
      if (head + 1n < fromBlock) {
        // The chain went back (a devnet restored from an older state): reload everything we know.
        fromBlock = head + 1n
        await Promise.all([...channels.keys()].map((id) => load(id, { force: true })))
      }
      return
    }
    const logs = await getLogs(client, { address: paymentChannels, fromBlock, toBlock: head })
    const touched = new Set<bigint>()
    for (const event of parseEventLogs({ abi: paymentChannelsAbi, logs })) {
      const id = (event.args as { channelId?: bigint }).channelId
      if (id !== undefined && (channels.has(id) || loading.has(id))) touched.add(id)
    }
    await Promise.all([...touched].map((id) => load(id, { force: true })))
    fromBlock = head + 1n
  }

  return {
    get: (channelId) => channels.get(channelId),
    load,
    poll,
  }
}
