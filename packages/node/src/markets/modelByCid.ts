/**
 * A miner serving a model of the market by its weights' CID (`mycel miner serve --model <cid>`): the model is
 * found in the ModelRegistry by that weights CID, its weights come from the content store (here, else from peers —
 * content/peers.ts, each block verified against its CID on arrival, so the bytes are the CID's), the registered
 * format must be `onnx` or `gguf` and the bytes must load as it (a GGUF starts with its magic), and the model is
 * served under its registry name (the model card's `name`; `model-<id>` when the card cannot be read).
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { listModels, type Model as MarketModel } from '@mycel/sdk'
import type { Address, PublicClient } from 'viem'
import type { ContentStore } from '../content/contentStore.ts'
import { parseContentCid } from '../content/contentStore.ts'
import type { Model } from '../inference/backend.ts'
import { loadGgufModel } from '../inference/gguf.ts'
import { loadOnnxBytes } from '../inference/onnx.ts'
import { parseModelCard } from './cards.ts'
import { ModelByCidError } from './errors.ts'

/** The most models searched for a weights CID (pages of 100). */
export const MAX_SEARCHED_MODELS = 10_000
const GGUF_MAGIC = [0x47, 0x47, 0x55, 0x46] // "GGUF"

/** Whether a `--model` spec is a content CID (CIDv0 Qm… or CIDv1) rather than a built-in, a file or a URL. */
export function isModelCid(spec: string): boolean {
  if (!/^(Qm|b)[A-Za-z0-9]{20,}$/.test(spec)) return false
  try {
    parseContentCid(spec)
    return true
  } catch {
    return false
  }
}

/** The registered model whose weights are `cid` (the first registered, when several share them). */
export async function findModelByWeights(
  client: PublicClient,
  { modelRegistry, cid }: { modelRegistry: Address; cid: string },
): Promise<MarketModel | undefined> {
  for (let from = 1n; from <= BigInt(MAX_SEARCHED_MODELS); from += 100n) {
    const { total, models } = await listModels(client, { modelRegistry, from, limit: 100 })
    const found = models.find((m) => m.weightsCid === cid)
    if (found) return found
    if (from + 100n > total) return undefined
  }
  return undefined
}

export type LoadModelByCidParameters = {
  client: PublicClient
  store: ContentStore
  modelRegistry: Address
  /** How long fetching the weights from peers may take. */
  timeoutMs?: number
}

export async function loadModelByCid(cid: string, p: LoadModelByCidParameters): Promise<Model> {
  const model = await findModelByWeights(p.client, { modelRegistry: p.modelRegistry, cid })
  if (!model) throw new ModelByCidError(cid, 'no model in the ModelRegistry has these weights (register it first)')
  const format = model.format.toLowerCase()
  if (format !== 'onnx' && format !== 'gguf') {
    throw new ModelByCidError(
      cid,
      `model ${model.modelId} is registered as "${model.format}"; a miner serves onnx or gguf`,
    )
  }
  const bytes = await fetchContent(p.store, cid, p.timeoutMs ?? 120_000)
  if (!bytes) throw new ModelByCidError(cid, 'the weights are neither in this content store nor at any peer')
  const card = await fetchContent(p.store, model.cardCid, 10_000).catch(() => undefined)
  const name = (card && parseModelCard(card)?.name) ?? `model-${model.modelId}`
  if (format === 'gguf') {
    if (!GGUF_MAGIC.every((b, i) => bytes[i] === b)) {
      throw new ModelByCidError(
        cid,
        `model ${model.modelId} is registered as gguf, but its weights are not a GGUF file`,
      )
    }
    // node-llama-cpp loads from a file: the weights are written once under the data dir, named by their CID.
    const dir = join(p.store.dir, '..', 'models')
    mkdirSync(dir, { recursive: true })
    const file = join(dir, `${cid}.gguf`)
    writeFileSync(file, bytes)
    return loadGgufModel(file, name).catch((error: Error) => {
      throw new ModelByCidError(cid, error.message)
    })
  }
  return loadOnnxBytes(bytes, name, cid).catch((error: Error) => {
    throw new ModelByCidError(cid, `model ${model.modelId} is registered as onnx, but ${error.message}`)
  })
}

/** Loads every CID spec; on a failure closes those loaded already. */
export async function loadModelsByCid(cids: string[], p: LoadModelByCidParameters): Promise<Model[]> {
  const models: Model[] = []
  try {
    for (const cid of cids) models.push(await loadModelByCid(cid, p))
  } catch (error) {
    await Promise.all(models.map((m) => m.close()))
    throw error
  }
  return models
}

/** The bytes of `cid`: from the store, else its DAG fetched (verified) from peers and pinned. */
async function fetchContent(store: ContentStore, cid: string, timeoutMs: number): Promise<Uint8Array | undefined> {
  const local = await store.get(cid)
  if (local) return local
  try {
    await store.pin(cid, { name: `model ${cid}`, signal: AbortSignal.timeout(timeoutMs) })
  } catch {
    return undefined
  }
  return store.get(cid)
}
