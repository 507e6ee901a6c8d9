/**
 * A model as this miner serves it: the loaded model, its price and, once its open weights are stored, their CID
 * (the content store's CIDv1 of the model file: how the model market finds its registry id, markets/modelIds.ts).
 */
import type { Model } from '../inference/backend.ts'
import type { Price } from '../payments/pricing.ts'

export type ServedModel = { model: Model; price: Price; weightsCid?: string | undefined }
