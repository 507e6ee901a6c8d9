/** How the dashboard writes addresses, token amounts, MYC and shares. */

export const short = (address: string) => `${address.slice(0, 6)}…${address.slice(-4)}`

export const sameHex = (a: unknown, b: unknown) =>
  typeof a === 'string' && typeof b === 'string' && a.toLowerCase() === b.toLowerCase()

/** A decimal string or number as a BigInt; anything else as 0. */
export function big(value: unknown): bigint {
  try {
    return BigInt(value as string)
  } catch {
    return 0n
  }
}

const thousands = (digits: string) => digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',')

/** A wei amount as MYC with two decimals (rounded), thousands separated. */
export function myc(value: unknown): string {
  const cents = (big(value) + 5n * 10n ** 15n) / 10n ** 16n
  return `${thousands((cents / 100n).toString())}.${(cents % 100n).toString().padStart(2, '0')} MYC`
}

/** A wei amount as a float of MYC, for chart scales only. */
export const mycNumber = (value: unknown) => Number(big(value) / 10n ** 12n) / 1e6

/** Token units as an amount: tUSD (6 decimals) when `token` is the devnet's test dollar, else raw units. */
export function tokenAmount(units: unknown, token: string | undefined, testUsd: string | undefined): string {
  if (token && testUsd && sameHex(token, testUsd)) return `${(Number(big(units)) / 1e6).toFixed(6)} tUSD`
  return `${big(units)} units`
}

export const pct = (value: number, digits = 1) => `${(value * 100).toFixed(digits)}%`

/** `format(value)` for a finite number, else a dash. */
export const optional = (value: unknown, format: (n: number) => string) =>
  typeof value === 'number' && Number.isFinite(value) ? format(value) : '–'
