/**
 * License terms of a model (ModelRegistry's `Terms`, PIL-like) and their validation without a schema library: a
 * terms file written by a person (the CLI's `--license terms.json`) is checked field by field, and every mistake
 * names the field and what it should be. {toContractTerms} gives the struct the contract takes.
 */
import { getAddress, isAddress, zeroAddress } from 'viem'
import { BaseError } from '../errors/base.ts'

/** The terms a model is licensed under (the contract's `Terms` without `hasTerms`). */
export type LicenseTerms = {
  /** Licenses may be used to serve the model for money. */
  commercialUse: boolean
  /** Licensees may register derivatives. */
  derivativesAllowed: boolean
  /** Derivatives must credit the model. */
  attribution: boolean
  /** Share of every amount paid for the model, in basis points (0–10,000). */
  royaltyBps: number
  /** Lowest price per request a server may charge, in `currency`'s smallest unit. */
  minPricePerRequest: bigint
  /** The ERC-20 the price and the mint fee are in. */
  currency: `0x${string}`
  /** Seconds a license lasts; 0 = perpetual. */
  licenseDuration: bigint
  /** Price of one license, in `currency`. */
  mintFee: bigint
}

/** The struct `ModelRegistry.register` and `setTerms` take. */
export type ContractTerms = LicenseTerms & { hasTerms: boolean }

export const MAX_ROYALTY_BPS = 10_000
const MAX_UINT96 = 2n ** 96n - 1n
const MAX_UINT64 = 2n ** 64n - 1n

/** A terms field is missing, of the wrong type, or out of range. */
export class InvalidTermsError extends BaseError {
  override name = 'InvalidTermsError' as const
  readonly field: string
  constructor({ field, expected, received }: { field: string; expected: string; received: unknown }) {
    super(`License terms: "${field}" must be ${expected}; got ${describe(received)}.`, { docsPath: 'models-market.md' })
    this.field = field
  }
}

const describe = (value: unknown) =>
  value === undefined ? 'nothing' : typeof value === 'bigint' ? `${value}` : JSON.stringify(value)

const booleanFields = ['commercialUse', 'derivativesAllowed', 'attribution'] as const
const knownFields = new Set<string>([
  ...booleanFields,
  'royaltyBps',
  'minPricePerRequest',
  'currency',
  'licenseDuration',
  'mintFee',
])

/** An integer given as a bigint, a safe-integer number, or a decimal string, within [0, max]. */
function integer(record: Record<string, unknown>, field: string, max: bigint, fallback?: bigint): bigint {
  const value = record[field]
  if (value === undefined && fallback !== undefined) return fallback
  let parsed: bigint | undefined
  if (typeof value === 'bigint') parsed = value
  else if (typeof value === 'number' && Number.isSafeInteger(value)) parsed = BigInt(value)
  else if (typeof value === 'string' && /^\d{1,40}$/.test(value)) parsed = BigInt(value)
  if (parsed === undefined || parsed < 0n || parsed > max) {
    throw new InvalidTermsError({ field, expected: `an integer from 0 to ${max}`, received: value })
  }
  return parsed
}

/**
 * Checks terms given as plain data (e.g. parsed JSON): the three flags are booleans, `royaltyBps` 0–10,000,
 * amounts fit uint96, the duration uint64 (0 or absent = perpetual; absent fees default to 0), the currency a
 * non-zero address; unknown fields are refused (a typo would otherwise silently mean "default").
 *
 * @example
 * const terms = parseLicenseTerms(JSON.parse(readFileSync('terms.json', 'utf8')))
 */
export function parseLicenseTerms(input: unknown): LicenseTerms {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new InvalidTermsError({ field: '(terms)', expected: 'an object', received: input })
  }
  const record = input as Record<string, unknown>
  for (const key of Object.keys(record)) {
    if (!knownFields.has(key)) {
      throw new InvalidTermsError({ field: key, expected: `one of ${[...knownFields].join(', ')}`, received: key })
    }
  }
  const flags = {} as Record<(typeof booleanFields)[number], boolean>
  for (const field of booleanFields) {
    const value = record[field]
    if (typeof value !== 'boolean') throw new InvalidTermsError({ field, expected: 'true or false', received: value })
    flags[field] = value
  }
  const currency = record.currency
  if (typeof currency !== 'string' || !isAddress(currency, { strict: false }) || BigInt(currency) === 0n) {
    throw new InvalidTermsError({ field: 'currency', expected: 'a non-zero ERC-20 address', received: currency })
  }
  return {
    ...flags,
    royaltyBps: Number(integer(record, 'royaltyBps', BigInt(MAX_ROYALTY_BPS))),
    minPricePerRequest: integer(record, 'minPricePerRequest', MAX_UINT96, 0n),
    currency: getAddress(currency),
    licenseDuration: integer(record, 'licenseDuration', MAX_UINT64, 0n),
    mintFee: integer(record, 'mintFee', MAX_UINT96, 0n),
  }
}

/** The contract struct for `terms`, or "no terms" (served like today: no license, no royalty) when undefined. */
export function toContractTerms(terms: LicenseTerms | undefined): ContractTerms {
  if (terms === undefined) {
    return {
      commercialUse: false,
      derivativesAllowed: false,
      attribution: false,
      royaltyBps: 0,
      minPricePerRequest: 0n,
      currency: zeroAddress,
      licenseDuration: 0n,
      mintFee: 0n,
      hasTerms: false,
    }
  }
  return { ...parseLicenseTerms(terms), hasTerms: true }
}
