/**
 * The gateway's channels: one per miner, opened with a deposit (or topped up) within the gateway's budget, each
 * with the session key as signer and its cap raised to the deposit. Transactions go through the node's per-account
 * queue (common.txQueue) for the payer; per payee one open or top-up runs at a time.
 *
 * Per miner, one plain channel for models without license terms and one model channel per model with terms
 * (keyed by its ModelRegistry id; docs/models-market-node.md). `market` is the model market's reader the gateway
 * routes with (markets/licenses.ts).
 */
import { depositToChannel, openChannel, setSessionSigner, type WriteClient } from '@mycel/sdk'
import type { Address } from 'viem'
import type { LocalAccount } from 'viem/accounts'
import type { Common } from '../common/common.ts'
import { createMarket, type Market } from '../markets/licenses.ts'
import type { MinerEntry } from './discovery.ts'
import { BudgetExhaustedError } from './errors.ts'
import type { GatewayChannel, GatewayLedger } from './ledger.ts'

export type GatewayChannels = ReturnType<typeof createGatewayChannels>

export function createGatewayChannels(
  common: Common,
  p: {
    log: Common['logger']
    ledger: GatewayLedger
    /** The payer: opens channels and deposits. */
    wallet: WriteClient
    /** The hot key that signs vouchers: each channel's session signer. */
    session: { account: LocalAccount }
    paymentChannels: Address
    token: Address
    budget: bigint
    channelDeposit: bigint
    /** The model market's reader (default: one of its own over `wallet`). */
    market?: Market | undefined
  },
) {
  const { log, ledger } = p
  const market = p.market ?? createMarket({ client: p.wallet, paymentChannels: p.paymentChannels })
  /** One payer transaction at a time (nonces, allowances), shared with whatever else sends from the payer. */
  const inTx = <value>(send: () => Promise<value>): Promise<value> => common.txQueue.run(p.wallet.account.address, send)
  const opening = new Map<string, Promise<GatewayChannel>>()
  /** Channels topped up whose session cap was not raised yet. */
  const capBehind = new Set<bigint>()

  /** What all open channels hold together. */
  const deposited = () => ledger.channels().reduce((sum, c) => sum + (c.closed ? 0n : c.deposit), 0n)

  /**
   * The channel to `miner` (for `modelId`: its model channel; else its plain one), opened (or topped up) so that it
   * can pay `need` more.
   */
  function channelFor(
    miner: MinerEntry & { modelId?: bigint | undefined },
    need: bigint,
    modelId: bigint | undefined = miner.modelId,
  ): Promise<GatewayChannel> {
    const existing = ledger.forPayee(miner.payee, p.token, modelId)
    if (existing && capBehind.has(existing.channelId)) {
      // A top-up went through but raising the session cap did not: raise it now.
      return inTx(async () => {
        await setSessionSigner(p.wallet, {
          paymentChannels: p.paymentChannels,
          channelId: existing.channelId,
          signer: p.session.account.address,
          cap: existing.deposit,
        })
        capBehind.delete(existing.channelId)
        return existing
      })
    }
    if (existing && existing.committed + need <= existing.deposit) {
      if (existing.endpoint !== miner.endpoint) ledger.update(existing.channelId, { endpoint: miner.endpoint })
      return Promise.resolve(existing)
    }
    const key = `${miner.payee.toLowerCase()}:${modelId ?? ''}`
    const running = opening.get(key)
    if (running) return running.then((c) => (c.committed + need <= c.deposit ? c : channelFor(miner, need, modelId)))
    const work = inTx(async () => {
      const current = ledger.forPayee(miner.payee, p.token, modelId)
      const amount = p.channelDeposit > need ? p.channelDeposit : need
      if (deposited() + amount > p.budget) throw new BudgetExhaustedError(p.budget)
      if (current) return topUp(miner, current, amount)
      return open(miner, amount, modelId)
    })
    opening.set(key, work)
    return work.finally(() => opening.delete(key))
  }

  async function topUp(miner: MinerEntry, current: GatewayChannel, amount: bigint): Promise<GatewayChannel> {
    await depositToChannel(p.wallet, { paymentChannels: p.paymentChannels, channelId: current.channelId, amount })
    // Recorded at once, so the budget counts it even if raising the session cap fails below.
    const deposit = current.deposit + amount
    ledger.update(current.channelId, { deposit })
    capBehind.add(current.channelId)
    await setSessionSigner(p.wallet, {
      paymentChannels: p.paymentChannels,
      channelId: current.channelId,
      signer: p.session.account.address,
      cap: deposit,
    })
    capBehind.delete(current.channelId)
    log.info({
      msg: 'channel topped up',
      channelId: current.channelId.toString(),
      miner: miner.payee,
      deposit: deposit.toString(),
    })
    return ledger.get(current.channelId) as GatewayChannel
  }

  async function open(miner: MinerEntry, amount: bigint, modelId: bigint | undefined): Promise<GatewayChannel> {
    const { channelId } = await openChannel(p.wallet, {
      paymentChannels: p.paymentChannels,
      payee: miner.payee,
      token: p.token,
      amount,
      sessionSigner: p.session.account.address,
      sessionCap: amount,
    })
    const channel: GatewayChannel = {
      channelId,
      payee: miner.payee,
      endpoint: miner.endpoint,
      token: p.token,
      deposit: amount,
      sessionSigner: p.session.account.address,
      committed: 0n,
      signed: 0n,
      requests: 0n,
      units: 0n,
      closed: false,
      modelId,
    }
    ledger.add(channel)
    log.info({
      msg: 'channel opened',
      channelId: channelId.toString(),
      miner: miner.payee,
      ...(modelId === undefined ? {} : { modelId: modelId.toString() }),
      deposit: amount.toString(),
    })
    return channel
  }

  /** Opens a channel to every miner in `miners` offering models that has none (within the budget), or to those `accept` picks. */
  async function ensureChannels(miners: Iterable<MinerEntry>, accept: (miner: MinerEntry) => boolean = () => true) {
    const opened: GatewayChannel[] = []
    for (const miner of miners) {
      if (miner.models.size === 0 || !accept(miner)) continue
      try {
        for (const modelId of await channelKinds(miner)) opened.push(await channelFor(miner, 0n, modelId))
      } catch (error) {
        log.warn({ msg: 'cannot open a channel', miner: miner.payee, err: (error as Error).message.split('\n')[0] })
      }
    }
    return opened
  }

  /**
   * The channels `miner`'s offer needs: a model channel per offered model with terms (by registry id), and a plain
   * one (undefined) only when it offers a model without terms — so no deposit sits in a channel nothing can use.
   */
  async function channelKinds(miner: MinerEntry): Promise<(bigint | undefined)[]> {
    const kinds = new Map<string, bigint | undefined>()
    for (const name of miner.models.keys()) {
      const terms = await market.modelOf(miner.weightsCids?.get(name)).catch(() => undefined)
      const modelId = terms?.hasTerms ? terms.modelId : undefined
      kinds.set(modelId === undefined ? '' : modelId.toString(), modelId)
    }
    return [...kinds.values()]
  }

  return { channelFor, ensureChannels, deposited, market }
}
