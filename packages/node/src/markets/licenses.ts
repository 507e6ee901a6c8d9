/**
 * The model market as the node's payment path reads it (miner and gateway): the registry's models (modelIds.ts)
 * and "does holder X hold a valid license for model m", with the reason when not, cached `ttlMs` (a few seconds) so
 * the paid request path reads memory, not the chain. The addresses of ModelRegistry and Licenses are read once
 * from PaymentChannels (its immutables), so whoever knows the channels contract knows the market; a deployment
 * without them has no market (every model is served as today).
 */
import { licensesAbi, paymentChannelsAbi } from '@mycel/sdk'
import type { Address, Client } from 'viem'
import { readContract } from 'viem/actions'
import { createModelIds, type MarketModel, MODEL_IDS_TTL_MS, type ModelIds } from './modelIds.ts'

export type { MarketModel } from './modelIds.ts'

/** A holder's license for a model, as of the last read. */
export type LicenseStatus = {
  valid: boolean
  licenseId: bigint
  /** The royalty its license was bought under (0 when none). */
  royaltyBps: number
  /** Why it is not valid (empty when valid). */
  reason: string
  /**
   * Until when (unix seconds, exclusive) a claim still accepts it, so what was served while it was valid stays
   * payable: one channel challenge period after a revocation (audit P4), `LICENSE_EXPIRY_GRACE` (1 h) after an
   * expiry (audit B1); 0 when none is active.
   */
  claimableUntil: bigint
  /** When the active license ends or ended (unix seconds; 2^64 − 1 perpetual; 0 when none is active). */
  endsAt: bigint
}

export type Market = {
  /** The model registered for `weightsCid` (undefined: none, or no market on this deployment). */
  modelOf: (weightsCid: string | undefined) => Promise<MarketModel | undefined>
  modelById: (modelId: bigint) => Promise<MarketModel | undefined>
  /** `holder`'s license for `modelId` (cached `ttlMs`). */
  license: (holder: Address, modelId: bigint) => Promise<LicenseStatus>
  /** Forgets cached licenses and terms (after a claim the contract refused, a revocation seen). */
  invalidate: () => void
  /** The ModelRegistry and Licenses addresses, or undefined without a market. */
  addresses: () => Promise<{ modelRegistry: Address; licenses: Address } | undefined>
}

const ZERO = '0x0000000000000000000000000000000000000000'

export function createMarket({
  client,
  paymentChannels,
  ttlMs = MODEL_IDS_TTL_MS,
  now = Date.now,
}: {
  client: Client
  paymentChannels: Address
  ttlMs?: number
  now?: () => number
}): Market {
  let wired:
    | Promise<
        { modelRegistry: Address; licenses: Address; grace: bigint; expiryGrace: bigint; ids: ModelIds } | undefined
      >
    | undefined
  const licenses = new Map<string, { status: LicenseStatus; until: number }>()

  function wire() {
    wired ??= (async () => {
      try {
        const read = (functionName: 'modelRegistry' | 'licenses') =>
          readContract(client, { address: paymentChannels, abi: paymentChannelsAbi, functionName }) as Promise<Address>
        const [modelRegistry, lic] = await Promise.all([read('modelRegistry'), read('licenses')])
        if (modelRegistry === ZERO || lic === ZERO) return undefined
        const grace = await readContract(client, {
          address: paymentChannels,
          abi: paymentChannelsAbi,
          functionName: 'challengePeriod',
        })
        // A PaymentChannels from before audit B1 accepts an expired license for the whole challenge period.
        const expiryGrace = await readContract(client, {
          address: paymentChannels,
          abi: paymentChannelsAbi,
          functionName: 'LICENSE_EXPIRY_GRACE',
        }).catch(() => grace)
        return {
          modelRegistry,
          licenses: lic,
          grace: BigInt(grace),
          expiryGrace: BigInt(expiryGrace),
          ids: createModelIds({ client, modelRegistry, ttlMs, now }),
        }
      } catch {
        return undefined // a PaymentChannels from before the market
      }
    })()
    return wired
  }

  async function readLicense(
    { licenses: licensesAddress, grace, expiryGrace }: { licenses: Address; grace: bigint; expiryGrace: bigint },
    holder: Address,
    modelId: bigint,
  ): Promise<LicenseStatus> {
    const active = await readContract(client, {
      address: licensesAddress,
      abi: licensesAbi,
      functionName: 'activeLicense',
      args: [holder, modelId],
    })
    const licenseId = BigInt(active.licenseId)
    const seconds = BigInt(Math.floor(now() / 1000))
    let reason = ''
    if (licenseId === 0n) reason = `${holder} holds no active license of model ${modelId} (none bought, or revoked)`
    else if (BigInt(active.expiresAt) <= seconds)
      reason = `license ${licenseId} of model ${modelId} ended (expired or revoked) at unix time ${active.expiresAt}`
    else if (!active.commercialUse) reason = `license ${licenseId} of model ${modelId} does not allow commercial use`
    const end = BigInt(active.expiresAt)
    // Ended: the whole grace only when a revocation cut it short (its active end before the license's own).
    const revokedEarly =
      licenseId !== 0n &&
      end <= seconds &&
      end <
        (
          await readContract(client, {
            address: licensesAddress,
            abi: licensesAbi,
            functionName: 'getLicense',
            args: [licenseId],
          })
        ).expiresAt
    const ended = end + (revokedEarly || grace < expiryGrace ? grace : expiryGrace)
    const claimableUntil = licenseId !== 0n && active.commercialUse ? ended : 0n
    const status = { valid: reason === '', licenseId, royaltyBps: Number(active.royaltyBps), reason, claimableUntil }
    return { ...status, endsAt: end }
  }

  return {
    async modelOf(weightsCid) {
      if (weightsCid === undefined) return undefined
      const w = await wire()
      if (!w) return undefined
      // The hot path: a known CID is read from memory (refreshed in the background every ttlMs).
      try {
        return await w.ids.byCid(weightsCid)
      } catch {
        return w.ids.peek(weightsCid) // the chain unreachable: what was last read
      }
    },
    async modelById(modelId) {
      const w = await wire()
      return w ? w.ids.byId(modelId) : undefined
    },
    async license(holder, modelId) {
      const key = `${holder.toLowerCase()}:${modelId}`
      const cached = licenses.get(key)
      if (cached && cached.until > now()) return cached.status
      const w = await wire()
      if (!w)
        return {
          valid: false,
          licenseId: 0n,
          royaltyBps: 0,
          reason: 'this chain has no model market',
          claimableUntil: 0n,
          endsAt: 0n,
        }
      const read = readLicense(w, holder, modelId).then(
        (status) => {
          licenses.set(key, { status, until: now() + ttlMs })
          return status
        },
        (error: Error): LicenseStatus => ({
          valid: false,
          licenseId: 0n,
          royaltyBps: 0,
          reason: `its license could not be read from the chain (${error.message.split('\n')[0]})`,
          claimableUntil: 0n,
          endsAt: 0n,
        }),
      )
      // Stale: answer with what was read last and refresh in the background (a revocation shows within ttlMs
      // plus one read); never read: wait for it.
      if (cached) {
        read.catch(() => {})
        cached.until = now() + ttlMs
        return cached.status
      }
      return read
    },
    invalidate() {
      licenses.clear()
      wired?.then((w) => w?.ids.refresh()).catch(() => {})
    },
    async addresses() {
      const w = await wire()
      return w ? { modelRegistry: w.modelRegistry, licenses: w.licenses } : undefined
    },
  }
}
