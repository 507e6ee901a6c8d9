/**
 * Prices and what a request costs. A model has a price per request, paid up front with the request's voucher, and
 * a price per 1,000 units (tokens for text models, instances for tensor models), metered after the request and paid
 * with the next voucher. Amounts are integers in the payment token's smallest unit; metered costs round up per
 * request, and both the gateway and the miner compute them with this one function, so they always agree.
 *
 * Exposure: the miner serves a request's metered part before it is paid, so it risks at most one request's metered
 * cost per request in flight (bounded by the most units a request may use); the payer never pays for anything
 * before it was served except the up-front price of the request it is sending.
 */
import { InvalidPriceError } from './errors.ts'

export type Price = {
  /** Paid with the request's own voucher. */
  perRequest: bigint
  /** Per 1,000 units, paid with the next voucher after the request's usage is known. */
  per1kUnits: bigint
}

/** The metered part of a request that used `units`, rounded up to the token's smallest unit. */
export function meteredCost(price: Price, units: bigint): bigint {
  if (units < 0n) throw new RangeError('units must not be negative')
  return (units * price.per1kUnits + 999n) / 1000n
}

/** The most a request can cost in all: its up-front price plus the metered cost of `maxUnits`. */
export function maxRequestCost(price: Price, maxUnits: bigint): bigint {
  return price.perRequest + meteredCost(price, maxUnits)
}

const DECIMAL = /^(0|[1-9]\d{0,29})$/

/** Parses a price given as decimal strings of token units; throws with a message naming the field. */
export function parsePrice(value: { perRequest?: unknown; per1kUnits?: unknown }, where: string): Price {
  const field = (name: 'perRequest' | 'per1kUnits') => {
    const raw = value[name] === undefined ? '0' : value[name]
    const text = typeof raw === 'number' && Number.isSafeInteger(raw) ? String(raw) : raw
    if (typeof text !== 'string' || !DECIMAL.test(text)) {
      throw new InvalidPriceError(
        `${where}.${name} must be a whole number of token units (e.g. "1000"), got ${JSON.stringify(raw)}`,
      )
    }
    return BigInt(text)
  }
  return { perRequest: field('perRequest'), per1kUnits: field('per1kUnits') }
}

/** A model priced at zero is free: served without a voucher. */
export const isFree = (price: Price) => price.perRequest === 0n && price.per1kUnits === 0n

export const priceJson = (price: Price) => ({
  perRequest: price.perRequest.toString(),
  per1kUnits: price.per1kUnits.toString(),
})
