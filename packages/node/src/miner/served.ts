/**
 * A model as this miner serves it: the loaded model, its price and, once its open weights are stored, their CID
 * (the content store's CIDv1 of the model file: how the model market finds its registry id, markets/modelIds.ts).
 *
 * `price` is what it charges: the configured price (`configured`, kept from the first time the market's terms
 * were applied), raised to the model's min price per request when it has license terms. A governance vote that
 * changes the min price moves `price` with it (never below what was configured).
 */
import type { Model } from '../inference/backend.ts'
import type { Price } from '../payments/pricing.ts'

export type ServedModel = { model: Model; price: Price; configured?: Price; weightsCid?: string | undefined }

/**
 * Sets `served.price` to its configured price raised to `minPricePerRequest` (0 or undefined: no floor); true when
 * the price changed.
 */
export function applyMinPrice(served: ServedModel, minPricePerRequest: bigint | undefined): boolean {
  served.configured ??= served.price
  const floor = minPricePerRequest ?? 0n
  const perRequest = served.configured.perRequest < floor ? floor : served.configured.perRequest
  if (perRequest === served.price.perRequest && served.price.per1kUnits === served.configured.per1kUnits) return false
  served.price = { ...served.configured, perRequest }
  return true
}
