/**
 * Which registry model a served model is: ModelRegistry ids by weights CID (the content store's CIDv1 of the model
 * file, as the devnet registers it), with each model's terms and royalty route. Shared by the miner (what to require
 * of a voucher) and the gateway (which split to sign). The registry is scanned for new ids at most every `ttlMs`,
 * and terms are re-read as often, so a governance change of a model's terms (its min price) is seen within that.
 *
 * Anyone may register a model with any weights CID; when several share one, the lowest id (the first registered)
 * is the model: a copy registered later never takes over an original's route.
 */
import { getModel, modelRegistryAbi, type RoyaltyRoute } from '@mycel/sdk'
import type { Address, Client } from 'viem'
import { readContract } from 'viem/actions'

/** A registered model as the node's payment path needs it. */
export type MarketModel = {
  modelId: bigint
  weightsCid: string
  /** False: served like a model outside the market (plain vouchers, no license). */
  hasTerms: boolean
  royaltyBps: number
  minPricePerRequest: bigint
  currency: Address
  /** Its ancestors and the bps each takes (the model itself takes its license's bps). */
  ancestors: RoyaltyRoute
}

export type ModelIds = {
  /** The model registered with `weightsCid` (lowest id), or undefined. */
  byCid: (weightsCid: string) => Promise<MarketModel | undefined>
  /** Model `modelId`, or undefined when the registry has no such model. */
  byId: (modelId: bigint) => Promise<MarketModel | undefined>
  /** What the last refresh knew about `weightsCid`, without a chain read (undefined: unknown or never read). */
  peek: (weightsCid: string) => MarketModel | undefined
  /** Reads new models and every model's terms again now. */
  refresh: () => Promise<void>
}

/** How long the registry's view is trusted (ms). */
export const MODEL_IDS_TTL_MS = 3_000

export function createModelIds({
  client,
  modelRegistry,
  ttlMs = MODEL_IDS_TTL_MS,
  now = Date.now,
}: {
  client: Client
  modelRegistry: Address
  ttlMs?: number
  now?: () => number
}): ModelIds {
  const models = new Map<bigint, MarketModel>()
  const byCid = new Map<string, bigint>()
  let scanned = 0n
  let freshUntil = 0
  let running: Promise<void> | undefined

  async function refreshNow() {
    const count = await readContract(client, {
      address: modelRegistry,
      abi: modelRegistryAbi,
      functionName: 'modelCount',
    })
    for (let id = scanned + 1n; id <= count; id++) {
      const m = await getModel(client, { modelRegistry, modelId: id })
      models.set(id, {
        modelId: id,
        weightsCid: m.weightsCid,
        hasTerms: m.terms.hasTerms,
        royaltyBps: m.terms.royaltyBps,
        minPricePerRequest: m.terms.minPricePerRequest,
        currency: m.terms.currency,
        ancestors: m.ancestors,
      })
      if (!byCid.has(m.weightsCid)) byCid.set(m.weightsCid, id)
      scanned = id
    }
    // Terms change (the owner's or the Governor's setTerms): re-read those of every model found before.
    await Promise.all(
      [...models.values()].map(async (m) => {
        const terms = await readContract(client, {
          address: modelRegistry,
          abi: modelRegistryAbi,
          functionName: 'termsOf',
          args: [m.modelId],
        })
        models.set(m.modelId, {
          ...m,
          hasTerms: terms.hasTerms,
          royaltyBps: terms.royaltyBps,
          minPricePerRequest: terms.minPricePerRequest,
          currency: terms.currency,
        })
      }),
    )
    freshUntil = now() + ttlMs
  }

  function refresh(): Promise<void> {
    running ??= refreshNow().finally(() => {
      running = undefined
    })
    return running
  }
  /**
   * Stale-while-revalidate: the first read waits for the chain; later ones answer from memory at once and, when older
   * than `ttlMs`, start a refresh in the background (a failed one is tried again at the next read).
   */
  async function fresh() {
    if (freshUntil === 0) await refresh()
    else if (now() >= freshUntil) refresh().catch(() => {})
  }
  const ofCid = (cid: string) => {
    const id = byCid.get(cid)
    return id === undefined ? undefined : models.get(id)
  }

  return {
    async byCid(weightsCid) {
      await fresh()
      return ofCid(weightsCid)
    },
    async byId(modelId) {
      await fresh()
      return models.get(modelId)
    },
    peek: ofCid,
    refresh,
  }
}
