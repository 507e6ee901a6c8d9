/**
 * The model market as `/api/models` shows it (the shape is fixed in docs/models-market-node-api.md): every model of
 * the ModelRegistry with its card's name, terms, royalty route, lineage, royalties (credited by claims, mint fees,
 * pending), licenses, the miners serving it and, once fractionalized, its vault, governor, holders and proposals.
 *
 * Reads go through the SDK's actions; events come from the incremental index of markets/marketLogs.ts. A snapshot
 * is cached for `ttlMs` (default 2 s) and built by one request at a time, so a dashboard polling many times a
 * second costs one build; a build reads at most {@link MAX_MODELS} models and {@link MAX_LICENSES} licenses and
 * {@link MAX_PROPOSALS} proposals per model (the newest), bounded work per request.
 */
import {
  type ContractTerms,
  getLicense,
  getModelGovernance,
  getProposal,
  getUnsettledRoyalties,
  listModels,
  type Model,
  type ModelGovernance,
  royaltiesOf,
  royaltyVaultAbi,
} from '@mycel/sdk'
import { type Address, erc20Abi, getAddress, type PublicClient } from 'viem'
import { readContract } from 'viem/actions'
import type { ContentStore } from '../content/contentStore.ts'
import { parseContentCid } from '../content/contentStore.ts'
import { type ModelCard, parseModelCard } from './cards.ts'
import { UnknownModelError } from './errors.ts'
import { createMarketLogs, type IndexedProposal, type MarketAddresses, type MarketLogs } from './marketLogs.ts'

export const MAX_MODELS = 100
export const MAX_LICENSES = 100
export const MAX_PROPOSALS = 20
/** Open model channels whose unsettled royalties a build reads (the newest). */
export const MAX_UNSETTLED_CHANNELS = 200

type Amount = { token: Address; symbol: string; amount: string }
export type CatalogModel = {
  id: string
  name: string
  owner: Address
  weightsCid: string
  cardCid: string
  format: string
  parents: string[]
  children: string[]
  registeredAt: number
  terms: null | {
    commercialUse: boolean
    derivativesAllowed: boolean
    attribution: boolean
    royaltyBps: number
    minPricePerRequest: string
    currency: Address
    currencySymbol: string
    licenseDuration: number
    mintFee: string
  }
  route: { modelId: string; bps: number }[]
  royalties: { credited: Amount[]; mintFees: Amount[]; unsettled: Amount[]; pending: Amount[] }
  licenses: { id: string; holder: Address; expiresAt: number; revoked: boolean; valid: boolean; royaltyBps: number }[]
  servedBy: Address[]
  fractional: null | {
    vault: Address
    governor: Address
    timelock: Address
    symbol: string
    totalSupply: string
    wiringOk: boolean
    holders: { address: Address; shares: string; votes: string; withdrawable: { token: Address; amount: string }[] }[]
    proposals: {
      id: string
      description: string
      state: string
      forVotes: string
      againstVotes: string
      abstainVotes: string
      voteEnd: number
      eta: number
      votes: { voter: Address; support: number; weight: string }[]
    }[]
  }
}
export type CatalogAnswer = {
  registry: Address
  licenses: Address
  paymentChannels: Address
  models: CatalogModel[]
}

export type Catalog = {
  /** Every model (the first {@link MAX_MODELS}), from a snapshot at most `ttlMs` old. */
  list: () => Promise<CatalogAnswer>
  /** One model; throws {@link UnknownModelError}. */
  get: (modelId: bigint) => Promise<CatalogModel>
  /** A proposal of a fractionalized model's governor, with the actions and description queue/execute need. */
  proposal: (modelId: bigint, proposalId: bigint) => Promise<IndexedProposal | undefined>
  /** The model's governance contracts once fractionalized (indexed from its Fractionalized event). */
  governance: (modelId: bigint) => Promise<{ vault: Address; timelock: Address; governor: Address } | undefined>
  /** Forgets the snapshot (after a governance write, so the next read shows it). */
  invalidate: () => void
  readonly logs: MarketLogs
}

export type CatalogOptions = {
  client: PublicClient
  store: ContentStore
  addresses: MarketAddresses
  /** The registry's deployment block: where the event index starts. */
  fromBlock: bigint
  /** Payees of the miners serving a model (by its name), e.g. from the gateway's discovery. */
  servedBy?: (name: string) => Address[]
  ttlMs?: number
}

export function createCatalog(options: CatalogOptions): Catalog {
  const { client, store, addresses } = options
  const ttlMs = options.ttlMs ?? 2000
  const logs = createMarketLogs(client, addresses, options.fromBlock)
  const cards = new Map<string, { card: ModelCard | undefined; at: number }>()
  const symbols = new Map<Address, string>()
  const wiring = new Map<Address, { value: ModelGovernance; at: number }>()
  let snapshot: { answer: CatalogAnswer; at: number } | undefined
  let building: Promise<CatalogAnswer> | undefined

  const cardOf = async (cid: string): Promise<ModelCard | undefined> => {
    const cached = cards.get(cid)
    if (cached && (cached.card || Date.now() - cached.at < 60_000)) return cached.card
    let card: ModelCard | undefined
    try {
      let bytes = await store.get(cid)
      if (!bytes) {
        await store.ensure(parseContentCid(cid), { signal: AbortSignal.timeout(3000) })
        bytes = await store.get(cid)
      }
      card = bytes && parseModelCard(bytes)
    } catch {
      card = undefined // not here nor at a peer (yet): the name falls back to model-<id>, retried in a minute
    }
    cards.set(cid, { card, at: Date.now() })
    return card
  }

  const symbolOf = async (token: Address): Promise<string> => {
    const known = symbols.get(token.toLowerCase() as Address)
    if (known !== undefined) return known
    const symbol = await readContract(client, { address: token, abi: erc20Abi, functionName: 'symbol' }).catch(
      () => '?',
    )
    symbols.set(token.toLowerCase() as Address, symbol)
    return symbol
  }

  const amounts = async (entries: [Address, bigint][]): Promise<Amount[]> =>
    Promise.all(
      entries
        .filter(([, v]) => v > 0n)
        .map(async ([token, v]) => ({ token: getAddress(token), symbol: await symbolOf(token), amount: `${v}` })),
    )

  /** What open model channels retained for each model and token and have not settled: `${modelId}:${token}`. */
  const unsettledRoyalties = async (): Promise<Map<string, bigint>> => {
    const ids = logs.modelChannels().slice(-MAX_UNSETTLED_CHANNELS)
    const read = await Promise.all(
      ids.map((channelId) =>
        getUnsettledRoyalties(client, { paymentChannels: addresses.paymentChannels, channelId }).catch(() => undefined),
      ),
    )
    const due = new Map<string, bigint>()
    for (const channel of read) {
      if (!channel || channel.licenseId === 0n) continue
      for (const r of channel.royalties) {
        const key = `${r.modelId}:${channel.token.toLowerCase()}`
        due.set(key, (due.get(key) ?? 0n) + r.amount)
      }
    }
    return due
  }

  const royalties = async (m: Model, unsettled: Map<string, bigint>) => {
    const tokens = [
      ...new Set(
        [
          ...(m.terms.hasTerms ? [m.terms.currency] : []),
          ...logs.releasedTokens(m.modelId),
          ...[...unsettled.keys()].filter((k) => k.startsWith(`${m.modelId}:`)).map((k) => k.split(':')[1] as Address),
        ].map((t) => t.toLowerCase() as Address),
      ),
    ]
    const rows = await Promise.all(
      tokens.map(async (token) => {
        const [claims, fees] = await Promise.all(
          [addresses.paymentChannels, addresses.licenses].map((source) =>
            royaltiesOf(client, { source, modelId: m.modelId, token }),
          ),
        )
        const c = claims as bigint
        const f = fees as bigint
        const u = unsettled.get(`${m.modelId}:${token}`) ?? 0n
        return {
          token,
          // Earned from claims all time: credited now, released before, and retained by model channels unsettled.
          credited: c + logs.released(addresses.paymentChannels, m.modelId, token) + u,
          mintFees: f + logs.released(addresses.licenses, m.modelId, token),
          unsettled: u,
          pending: c + f + u,
        }
      }),
    )
    return {
      credited: await amounts(rows.map((r) => [r.token, r.credited])),
      mintFees: await amounts(rows.map((r) => [r.token, r.mintFees])),
      unsettled: await amounts(rows.map((r) => [r.token, r.unsettled])),
      pending: await amounts(rows.map((r) => [r.token, r.pending])),
    }
  }

  const licensesOf = async (modelId: bigint) => {
    const ids = logs.licenseIds(modelId).slice(-MAX_LICENSES)
    const read = await Promise.all(
      ids.map((licenseId) => getLicense(client, { licenses: addresses.licenses, licenseId })),
    )
    return read.map((l) => ({
      id: `${l.licenseId}`,
      holder: l.holder,
      expiresAt: Number(l.expiresAt >= 2n ** 53n ? 0n : l.expiresAt),
      revoked: l.revoked,
      valid: l.valid,
      royaltyBps: Number(l.terms.royaltyBps),
    }))
  }

  const fractional = async (modelId: bigint): Promise<CatalogModel['fractional']> => {
    const g = logs.governance(modelId)
    if (!g?.governor) return null
    const governor = g.governor
    let verified = wiring.get(governor)
    if (!verified || Date.now() - verified.at > 60_000) {
      verified = { value: await getModelGovernance(client, { governor, modelId }), at: Date.now() }
      wiring.set(governor, verified)
    }
    const w = verified.value
    const tokens = w.shares.tokens
    const vault = g.vault
    const holders = await Promise.all(
      logs.holders(vault).map(async (address) => {
        const [shares, votes, withdrawable] = await Promise.all([
          readContract(client, { address: vault, abi: royaltyVaultAbi, functionName: 'balanceOf', args: [address] }),
          readContract(client, { address: vault, abi: royaltyVaultAbi, functionName: 'getVotes', args: [address] }),
          Promise.all(
            tokens.map(async (token) => ({
              token,
              amount: `${await readContract(client, {
                address: vault,
                abi: royaltyVaultAbi,
                functionName: 'withdrawable',
                args: [token, address],
              })}`,
            })),
          ),
        ])
        return { address: getAddress(address), shares: `${shares}`, votes: `${votes}`, withdrawable }
      }),
    )
    const indexed = logs.proposals(governor).slice(-MAX_PROPOSALS)
    const proposals = await Promise.all(
      indexed.map(async (p) => {
        const read = await getProposal(client, { governor, proposalId: p.proposalId })
        return {
          id: `${p.proposalId}`,
          description: p.description,
          state: read.state,
          forVotes: `${read.votes.for}`,
          againstVotes: `${read.votes.against}`,
          abstainVotes: `${read.votes.abstain}`,
          voteEnd: Number(read.deadline),
          eta: Number(read.eta),
          votes: p.votes.map((v) => ({ voter: v.voter, support: v.support, weight: `${v.weight}` })),
        }
      }),
    )
    return {
      vault: getAddress(vault),
      governor: getAddress(governor),
      timelock: getAddress(g.timelock),
      symbol: w.shares.symbol,
      totalSupply: `${w.shares.totalSupply}`,
      wiringOk: w.sound,
      holders: holders.filter((h) => h.shares !== '0' || h.withdrawable.some((x) => x.amount !== '0')),
      proposals,
    }
  }

  const termsJson = async (t: ContractTerms): Promise<CatalogModel['terms']> =>
    t.hasTerms
      ? {
          commercialUse: t.commercialUse,
          derivativesAllowed: t.derivativesAllowed,
          attribution: t.attribution,
          royaltyBps: Number(t.royaltyBps),
          minPricePerRequest: `${t.minPricePerRequest}`,
          currency: t.currency,
          currencySymbol: await symbolOf(t.currency),
          licenseDuration: Number(t.licenseDuration),
          mintFee: `${t.mintFee}`,
        }
      : null

  const build = async (): Promise<CatalogAnswer> => {
    await logs.sync()
    const [{ models }, unsettled] = await Promise.all([
      listModels(client, { modelRegistry: addresses.modelRegistry, limit: MAX_MODELS }),
      unsettledRoyalties(),
    ])
    const entries = await Promise.all(
      models.map(async (m): Promise<CatalogModel> => {
        const [card, terms, roy, licenses, frac] = await Promise.all([
          cardOf(m.cardCid),
          termsJson(m.terms),
          royalties(m, unsettled),
          licensesOf(m.modelId),
          fractional(m.modelId),
        ])
        const name = card?.name ?? `model-${m.modelId}`
        return {
          id: `${m.modelId}`,
          name,
          owner: m.owner,
          weightsCid: m.weightsCid,
          cardCid: m.cardCid,
          format: m.format,
          parents: m.parents.map((p) => `${p}`),
          children: models.filter((c) => c.parents.includes(m.modelId)).map((c) => `${c.modelId}`),
          registeredAt: Number(logs.registeredBlock(m.modelId) ?? 0n),
          terms,
          route: [
            ...(m.terms.hasTerms ? [{ modelId: `${m.modelId}`, bps: Number(m.terms.royaltyBps) }] : []),
            ...m.ancestors.map((a) => ({ modelId: `${a.modelId}`, bps: a.bps })),
          ],
          royalties: roy,
          licenses,
          servedBy: options.servedBy?.(name) ?? [],
          fractional: frac,
        }
      }),
    )
    return {
      registry: addresses.modelRegistry,
      licenses: addresses.licenses,
      paymentChannels: addresses.paymentChannels,
      models: entries,
    }
  }

  const list = async (): Promise<CatalogAnswer> => {
    if (snapshot && Date.now() - snapshot.at < ttlMs) return snapshot.answer
    building ??= build()
      .then((answer) => {
        snapshot = { answer, at: Date.now() }
        return answer
      })
      .finally(() => {
        building = undefined
      })
    return building
  }

  return {
    list,
    async get(modelId) {
      const find = (answer: CatalogAnswer) => answer.models.find((m) => m.id === `${modelId}`)
      let found = find(await list())
      if (!found && snapshot && Date.now() - snapshot.at > 500) {
        // Perhaps registered since the snapshot: one fresh build (the id's look-up stays bounded by MAX_MODELS).
        snapshot = undefined
        found = find(await list())
      }
      if (!found) throw new UnknownModelError(modelId)
      return found
    },
    async proposal(modelId, proposalId) {
      await logs.sync()
      const g = logs.governance(modelId)
      return g?.governor ? logs.proposals(g.governor).find((p) => p.proposalId === proposalId) : undefined
    },
    async governance(modelId) {
      await logs.sync()
      const g = logs.governance(modelId)
      return g?.governor ? { vault: g.vault, timelock: g.timelock, governor: g.governor } : undefined
    },
    invalidate() {
      snapshot = undefined
    },
    logs,
  }
}
