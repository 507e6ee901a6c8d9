/**
 * Option helpers shared by the commands: the signer flags, integer, token-amount and subnet-id parsing with a usage
 * error that names the flag, and the collector for repeatable flags. Commands import these from here, never from each
 * other.
 */
import type { Command } from 'commander'
import { parseUnits } from 'viem'
import { usageError } from './errors.ts'

/** `--key`, `--password-file` and `--dev-account`: how a command that sends transactions picks its signer. */
export function signerOptions(c: Command): Command {
  return c
    .option('--key <name>', 'keystore key that signs (see `mycel keys`)')
    .option('--password-file <file>', 'file holding the keystore password (else MYCEL_PASSWORD or a prompt)')
    .option('--dev-account <index>', 'devnet only: sign with anvil test account <index> (default 0)')
}

/** A whole number in [min, max] written in decimal digits; otherwise a usage error naming the flag and the range. */
export function parseIntegerOption(name: string, value: string, min: number, max: number): number {
  const n = Number(value)
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw usageError(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}.`)
  }
  return n
}

/** A token amount in its smallest units (0 to 2^96 − 1, what the contracts hold), written in decimal digits. */
export function parseUnitsOption(name: string, value: string): bigint {
  if (!/^\d{1,29}$/.test(value) || BigInt(value) >= 2n ** 96n) {
    throw usageError(`${name} must be a whole number of token units (0 to 2^96 - 1), got ${JSON.stringify(value)}.`)
  }
  return BigInt(value)
}

/** `--netuid` of an existing subnet (1 to 2^31), as the bigint the sdk takes. */
export function parseNetuid(value: string): bigint {
  return BigInt(parseIntegerOption('--netuid', value, 1, 2 ** 31))
}

/** Commander's argument parser for a repeatable flag: each use appends its value. */
export const collect = (value: string, previous: string[] = []) => [...previous, value]

/**
 * A positive amount of tokens written in decimal (`1.5`), with at most `decimals` decimals, in smallest units, at most
 * `max` of them (what the contract's field holds).
 */
export function parseAmountOption(flag: string, value: string, decimals: number, max = 2n ** 256n - 1n): bigint {
  if (!/^\d{1,30}(\.\d+)?$/.test(value) || (value.split('.')[1]?.length ?? 0) > decimals) {
    throw usageError(
      `${flag} must be a number of tokens with at most ${decimals} decimals, got ${JSON.stringify(value)}.`,
    )
  }
  const amount = parseUnits(value, decimals)
  if (amount === 0n) throw usageError(`${flag} must be greater than zero.`)
  if (amount > max) throw usageError(`${flag} is more than the contract holds (${max} units at most).`)
  return amount
}
