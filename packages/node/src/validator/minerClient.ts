/**
 * How a validator talks to miners: task requests signed over the validator transport (`x-mycel-validator`, free for
 * permit holders), each miner's offer (cached by the CID it published), and the published weights of deterministic
 * models (cached by CID, checked against it) that spot checks re-execute. Every request is bounded by the request
 * timeout and by the round's signal, so stopping the node stops a round between requests.
 */
import { cidOfBytes, type Neuron, signValidatorRequest, VALIDATOR_HEADER } from '@mycel/sdk'
import type { Address } from 'viem'
import type { LocalAccount } from 'viem/accounts'
import type { ContentStore } from '../content/contentStore.ts'
import type { Model } from '../inference/backend.ts'
import { fetchOffer, type MinerOffer, OFFER_TIMEOUT_MS } from '../inference/offer.ts'
import { loadOnnxBytes } from '../inference/onnx.ts'
import { MinerRequestFailedError, ReferenceWeightsMismatchError, ReferenceWeightsUnavailableError } from './errors.ts'

export type MinerClient = {
  /** The signal of the round in progress: requests stop when it aborts. */
  setRoundSignal: (signal: AbortSignal | undefined) => void
  /** POSTs `body` to the miner signed as this validator; the parsed JSON answer (throws MinerRequestFailedError). */
  signedFetch: (netuid: bigint, miner: Address, url: string, path: string, body: unknown) => Promise<unknown>
  /** The miner's offer, checked against the CID it published on chain and validated (throws OfferError). */
  offerOf: (neuron: Neuron) => Promise<MinerOffer>
  /** The published weights of a deterministic model, loaded to re-execute requests (by CID, checked). */
  reference: (cid: string, endpoint: string) => Promise<Model>
  /** Closes the reference models loaded. */
  close: () => Promise<void>
}

export function createMinerClient(p: {
  account: LocalAccount
  chainId: number
  registry: Address
  timeoutMs: number
  /**
   * The node's content store: weights come from it, else from peers (the miners' `/ipfs` routes, each block verified
   * against its CID, so weights over one 256 KiB block work); without it, or when that fails, the miner's
   * `/v1/mycel/content/<cid>` (single-block CIDs only, checked with cidOfBytes).
   */
  store?: ContentStore | undefined
}): MinerClient {
  const offers = new Map<string, MinerOffer>()
  const references = new Map<string, Promise<Model>>()
  let roundSignal: AbortSignal | undefined
  const timeoutSignal = () =>
    roundSignal ? AbortSignal.any([roundSignal, AbortSignal.timeout(p.timeoutMs)]) : AbortSignal.timeout(p.timeoutMs)

  return {
    setRoundSignal: (signal) => {
      roundSignal = signal
    },
    async signedFetch(netuid, miner, url, path, body) {
      const bytes = new TextEncoder().encode(JSON.stringify(body))
      const header = await signValidatorRequest(
        p.account,
        { chainId: p.chainId, registry: p.registry },
        { netuid, miner, method: 'POST', path, body: bytes },
      )
      const response = await fetch(new URL(path, url), {
        method: 'POST',
        headers: { 'content-type': 'application/json', [VALIDATOR_HEADER]: header },
        body: bytes,
        signal: timeoutSignal(),
      })
      const parsed = (await response.json().catch(() => null)) as {
        error?: { code?: string; message?: string }
      } | null
      if (!response.ok) {
        throw new MinerRequestFailedError({
          status: response.status,
          code: parsed?.error?.code,
          message: parsed?.error?.message,
        })
      }
      return parsed
    },
    async offerOf(neuron) {
      const cached = offers.get(neuron.metadataCid)
      if (cached) return cached
      const offer = await fetchOffer({
        endpoint: neuron.endpoint,
        cid: neuron.metadataCid,
        timeoutMs: Math.min(p.timeoutMs, OFFER_TIMEOUT_MS),
        signal: roundSignal,
      })
      offers.set(neuron.metadataCid, offer)
      return offer
    },
    reference(cid, endpoint) {
      let loading = references.get(cid)
      if (!loading) {
        loading = (async () => {
          const stored = await fromStore(p.store, cid, timeoutSignal())
          if (stored) return loadOnnxBytes(stored, cid, `weights ${cid}`)
          const response = await fetch(new URL(`/v1/mycel/content/${cid}`, endpoint), {
            signal: timeoutSignal(),
          })
          if (!response.ok) throw new ReferenceWeightsUnavailableError({ cid, status: response.status })
          const bytes = new Uint8Array(await response.arrayBuffer())
          if ((await cidOfBytes(bytes)) !== cid) throw new ReferenceWeightsMismatchError(cid)
          return loadOnnxBytes(bytes, cid, `weights ${cid}`)
        })()
        loading.catch(() => references.delete(cid))
        references.set(cid, loading)
      }
      return loading
    },
    async close() {
      for (const loading of references.values()) await loading.then((m) => m.close()).catch(() => {})
    },
  }
}

/** `cid`'s bytes from the content store, fetched (verified, pinned) from its peers when missing; undefined if not. */
async function fromStore(store: ContentStore | undefined, cid: string, signal: AbortSignal) {
  if (!store) return undefined
  try {
    const local = await store.get(cid)
    if (local) return local
    await store.pin(cid, { name: `reference weights ${cid}`, signal })
    return await store.get(cid)
  } catch {
    return undefined // not reachable through the store: the miner's own content route is tried next
  }
}
