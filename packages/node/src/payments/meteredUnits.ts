/**
 * The metered-units clamp: how many units a request is billed for, from the count the serving side reports. Never
 * more than the offer's `maxUnitsPerRequest` (what bounds both sides' exposure, see pricing.ts), and nothing for a
 * count that is missing, negative or not a safe integer. The miner bills with it and the gateway pays with it, so
 * both count the same units for every answer.
 */

/** The units a request that reported `units` is metered for, at most `maxUnits`. */
export function meteredUnits(units: number | undefined, maxUnits: bigint): bigint {
  if (units === undefined || !Number.isSafeInteger(units) || units <= 0) return 0n
  const used = BigInt(units)
  return used > maxUnits ? maxUnits : used
}
