/**
 * Offer publishing: the miner's offer built from the models it serves (open weights stored by CID first), its bytes
 * stored by CID, and the miner registered in its subnets with that CID as its neuron's metadata and its URL as the
 * endpoint (or both moved there), so gateways and validators can find it and check what it serves.
 *
 * A model whose weights CID is registered with license terms (markets/) is offered with its registry id and royalty
 * route, at no less than the terms' min price; {@link marketPriceChanged} tells when a governance change of the min
 * price needs the offer published again (the miner's tick does so).
 */
import { getNeurons, getSubnets, registerNeuron, updateEndpoint, updateMetadata, type WriteClient } from '@mycel/sdk'
import type { Address, PublicClient } from 'viem'
import type { Common } from '../common/common.ts'
import type { ContentStore } from '../content/contentStore.ts'
import { buildOffer, type MinerOffer, type OfferedModel, offerBytes, offeredModel } from '../inference/offer.ts'
import { createMarket, type Market } from '../markets/licenses.ts'
import { MinerKeyInUseError } from './errors.ts'
import { applyMinPrice, type ServedModel } from './served.ts'

export type PreparedOffer = {
  offer: MinerOffer
  /** What `/v1/mycel/offer` serves. */
  bytes: Uint8Array
  /** The CID the content store gave the bytes: what is published on chain. */
  cid: string
}

/**
 * The offer for `models` at `endpoint`, checked (throws OwnOfferInvalidError) and stored; the open weights are
 * stored too and handed to `publishWeights` by CID, for `/v1/mycel/content/{cid}`.
 */
export async function prepareOffer(
  p: {
    chainId: number
    paymentChannels: Address
    payee: Address
    token: Address
    models: ServedModel[]
    store: ContentStore
    /** The model market (default: one over `client` when given; neither: offered without registry ids). */
    market?: Market | undefined
    client?: PublicClient | undefined
  },
  endpoint: string,
  publishWeights: (cid: string, bytes: Uint8Array) => void,
): Promise<PreparedOffer> {
  const models: OfferedModel[] = []
  const market =
    p.market ?? (p.client ? createMarket({ client: p.client, paymentChannels: p.paymentChannels }) : undefined)
  for (const s of p.models) {
    const weights = s.model.weights
    const weightsCid = weights ? await p.store.put(weights) : undefined
    if (weights && weightsCid) publishWeights(weightsCid, weights)
    s.weightsCid = weightsCid
    const terms = await market?.modelOf(weightsCid).catch(() => undefined)
    applyMinPrice(s, terms?.hasTerms ? terms.minPricePerRequest : undefined)
    const royalty = terms?.hasTerms
      ? {
          registryId: terms.modelId,
          route: [{ modelId: terms.modelId, bps: terms.royaltyBps }, ...terms.ancestors],
        }
      : undefined
    models.push(offeredModel(s.model, s.price, weightsCid, royalty))
  }
  const offer = buildOffer({
    chainId: p.chainId,
    paymentChannels: p.paymentChannels,
    payee: p.payee,
    token: p.token,
    endpoint,
    models,
  })
  const bytes = offerBytes(offer)
  const cid = await p.store.put(bytes)
  return { offer, bytes, cid }
}

/**
 * Moves each served model's price with its terms' current min price (re-read by the market every few seconds; never
 * below the configured price); true when a price now differs from what `offer` states, and the offer must then be
 * prepared and published again. A market that cannot be read changes nothing.
 */
export async function marketPriceChanged(models: ServedModel[], market: Market, offer: MinerOffer): Promise<boolean> {
  let changed = false
  for (const s of models) {
    let terms: Awaited<ReturnType<Market['modelOf']>>
    try {
      terms = await market.modelOf(s.weightsCid)
    } catch {
      continue
    }
    applyMinPrice(s, terms?.hasTerms ? terms.minPricePerRequest : undefined)
    const stated = offer.models.find((m) => m.id === s.model.id)?.price.perRequest
    if (stated !== s.price.perRequest.toString()) changed = true
  }
  return changed
}

export type RegisterParameters = {
  client: PublicClient
  wallet: WriteClient
  registry: Address
  models: ServedModel[]
  /** Subnets (by name) to register in, or `auto`; those that do not exist are skipped with a warning. */
  subnets: string[]
}

/**
 * Registers the miner in its subnets (or moves its endpoint / metadata there) so gateways can find it; returns the
 * subnets it is in.
 */
export async function registerInSubnets(
  p: RegisterParameters,
  url: string,
  cid: string,
  log: Common['logger'],
): Promise<bigint[]> {
  const joined: bigint[] = []
  const subnets = await getSubnets(p.client, { registry: p.registry })
  // `auto`: the subnets for what it serves: text-generation subnets for text models, and for tensor models the
  // subnets named like the model (the devnet's `digits`).
  const names = p.subnets.includes('auto')
    ? subnets
        .filter(
          (s) =>
            (s.taskType === 'text-generation' && p.models.some((m) => m.model.text)) ||
            p.models.some((m) => m.model.tensor && !m.model.text && m.model.id === s.name),
        )
        .map((s) => s.name)
    : p.subnets
  for (const name of names) {
    const subnet = subnets.find((s) => s.name === name)
    if (!subnet) {
      log.warn({ msg: 'no such subnet; not registering there', subnet: name })
      continue
    }
    const mine = (await getNeurons(p.client, { registry: p.registry, netuid: subnet.netuid })).find(
      (n) => n.hotkey.toLowerCase() === p.wallet.account.address.toLowerCase(),
    )
    if (!mine) {
      await registerNeuron(p.wallet, {
        registry: p.registry,
        netuid: subnet.netuid,
        role: 'miner',
        endpoint: url,
        metadataCid: cid,
      })
      log.info({ msg: 'miner registered', subnet: name, endpoint: url })
      joined.push(BigInt(subnet.netuid))
      continue
    }
    if (mine.role !== 'miner') {
      // Moving its endpoint would silently turn another role's neuron into this miner's address book entry.
      throw new MinerKeyInUseError(
        `Key ${p.wallet.account.address} is registered in subnet ${name} as a ${mine.role} (uid ${mine.uid}): a miner signing with it would overwrite that neuron's endpoint and metadata. Give the miner a key of its own (\`mycel miner serve --dev-account N\` or \`--key NAME\`; minerKey for \`mycel up\`).`,
      )
    }
    joined.push(BigInt(subnet.netuid))
    if (mine.endpoint !== url)
      await updateEndpoint(p.wallet, { registry: p.registry, netuid: subnet.netuid, endpoint: url })
    if (mine.metadataCid !== cid)
      await updateMetadata(p.wallet, { registry: p.registry, netuid: subnet.netuid, metadataCid: cid })
  }
  return joined
}
