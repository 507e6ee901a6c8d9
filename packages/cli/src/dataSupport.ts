/**
 * Helpers of `mycel dataset`: ids, the dataset's terms from the price flags (a kind is offered when its price is
 * given; 0 gives it away), record lists, contributors, and amounts printed in the terms' token. Commands import these
 * from here, never from each other.
 */

import { type DatasetTerms, GRANT_KINDS, type GrantKind, getTokenInfo } from '@mycel/sdk'
import { type Address, formatUnits, isAddress, parseUnits } from 'viem'
import type { ChainContext } from './context.ts'
import { usageError } from './errors.ts'
import { parseIntegerOption } from './options.ts'

export const datasetIdOf = (value: string) =>
  BigInt(parseIntegerOption('dataset id', value, 1, Number.MAX_SAFE_INTEGER))
export const grantIdOf = (value: string) => BigInt(parseIntegerOption('grant id', value, 1, Number.MAX_SAFE_INTEGER))

export function grantKindOption(value: string): GrantKind {
  if (!(GRANT_KINDS as readonly string[]).includes(value))
    throw usageError(`--kind must be one of ${GRANT_KINDS.join(', ')}, got ${JSON.stringify(value)}.`)
  return value as GrantKind
}

/** `0,5,17` → [0, 5, 17], sorted and distinct (what a records grant names). */
export function recordsOption(value: string): number[] {
  const parts = value.split(',').map((p) => p.trim())
  const records = parts.map((p) => parseIntegerOption('--records', p, 0, 2 ** 32 - 1))
  const sorted = [...new Set(records)].sort((a, b) => a - b)
  if (sorted.length !== records.length) throw usageError('--records names a record twice.')
  return sorted
}

/** `0xabc…:2500` → a contributor with its share in bps. */
export function contributorOption(value: string): { payee: Address; bps: number } {
  const [payee, bps] = value.split(':')
  if (!payee || !isAddress(payee) || bps === undefined)
    throw usageError(
      `--contributor must be <address>:<bps>, e.g. 0x70997970C51812dc3A010C7d01b50e0d17dc79C8:2500; got ${JSON.stringify(value)}.`,
    )
  return { payee, bps: parseIntegerOption('--contributor share', bps, 1, 10_000) }
}

/** A token amount written in decimal tokens (`0.5`), 0 allowed, in `decimals`. */
export function priceOption(flag: string, value: string, decimals: number): bigint {
  if (!/^\d{1,30}(\.\d+)?$/.test(value) || (value.split('.')[1]?.length ?? 0) > decimals)
    throw usageError(
      `${flag} must be a number of tokens with at most ${decimals} decimals (0 gives it away), got ${JSON.stringify(value)}.`,
    )
  const amount = parseUnits(value, decimals)
  if (amount >= 2n ** 96n) throw usageError(`${flag} is more than a price holds (2^96 - 1 units).`)
  return amount
}

export type PriceFlags = {
  accessPrice?: string
  trainingPrice?: string
  recordPrice?: string
  queryPrice?: string
  duration: string
}

/** The terms from the price flags, in `currency` of `decimals`. */
export function termsOf(flags: PriceFlags, currency: Address, decimals: number): DatasetTerms {
  const price = (flag: string, value: string | undefined) =>
    value === undefined ? 0n : priceOption(flag, value, decimals)
  const offers: DatasetTerms['offers'] = [
    ...(flags.accessPrice !== undefined ? (['access'] as const) : []),
    ...(flags.trainingPrice !== undefined ? (['training'] as const) : []),
    ...(flags.recordPrice !== undefined ? (['records'] as const) : []),
    ...(flags.queryPrice !== undefined ? (['queries'] as const) : []),
  ]
  return {
    currency,
    offers,
    grantDuration: parseIntegerOption('--duration', flags.duration, 0, 2 ** 32 - 1),
    accessPrice: price('--access-price', flags.accessPrice),
    trainingPrice: price('--training-price', flags.trainingPrice),
    recordPrice: price('--record-price', flags.recordPrice),
    queryPrice: price('--query-price', flags.queryPrice),
  }
}

/** Formats amounts in `token` (its decimals and symbol, read once). */
export async function tokenFormatter(ctx: ChainContext, token: Address) {
  const { decimals, symbol } = await getTokenInfo(ctx.client, { token })
  return { decimals, symbol, format: (amount: bigint) => `${formatUnits(amount, decimals)} ${symbol}` }
}

export const FOREVER = 2n ** 64n - 1n
export const whenOf = (expiresAt: bigint) =>
  expiresAt === FOREVER ? null : new Date(Number(expiresAt) * 1000).toISOString()
