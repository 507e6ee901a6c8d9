/** A model as this miner serves it: the loaded model and its price. */
import type { Model } from '../inference/backend.ts'
import type { Price } from '../payments/pricing.ts'

export type ServedModel = { model: Model; price: Price }
