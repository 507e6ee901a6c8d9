import { readFileSync } from 'node:fs'
import { runYumaJson, YumaInputError } from '@mycel/sdk'
import type { Command } from 'commander'
import { usageError } from '../errors.ts'

/** The most input `mycel yuma` reads: 64 MiB is far above a 4096 × 4096 epoch in JSON. */
const MAX_INPUT_BYTES = 64 * 1024 * 1024

function readInput(path: string): string {
  try {
    const text = readFileSync(path === '-' ? 0 : path)
    if (text.length > MAX_INPUT_BYTES) throw usageError(`${path}: larger than ${MAX_INPUT_BYTES} bytes`)
    return text.toString('utf8')
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'ENOENT') {
      throw usageError(`${path}: no such file (pass --in <file>, or --in - to read standard input)`)
    }
    throw error
  }
}

/** JSON with one line per vector (and per bond row), so a 64 × 256 result stays readable. */
function formatResult(result: Record<string, number[] | number[][]>): string {
  const entries = Object.entries(result).map(([key, value]) => {
    const matrix = value.length > 0 && Array.isArray(value[0])
    const body = matrix
      ? `[\n${value.map((row) => `    ${JSON.stringify(row)}`).join(',\n')}\n  ]`
      : JSON.stringify(value)
    return `  ${JSON.stringify(key)}: ${body}`
  })
  return `{\n${entries.join(',\n')}\n}\n`
}

export function yumaCommand(program: Command) {
  program
    .command('yuma')
    .description('Compute one Yuma consensus epoch with the exact fixed-point rules the contracts use (docs/yuma.md)')
    .requiredOption('--in <file>', 'epoch input JSON ("-" for standard input)')
    .addHelpText(
      'after',
      `
Input (only weights and stake are required; the values shown are the defaults):
  {"weights": [[1, 0.5], [0, 1]],     validators × miners, any non-negative numbers
   "stake": [100, "2000000000000000000000"],   raw, one per validator (decimal strings for big amounts)
   "bonds": [[0, 0], [0, 0]],         optional, in [0, 1]
   "kappa": 0.5, "bondsPenalty": 1, "alpha": 0.1,
   "liquidAlpha": null,               or {"low": 0.7, "high": 0.9, "steepness": 1000} (yuma3 only)
   "version": "yuma3"}                or "yuma" (original bonds)
Output: {"consensus", "incentive", "dividends", "bonds", "validatorTrust"} as decimals.`,
    )
    .action((flags: { in: string }) => {
      const text = readInput(flags.in)
      let value: unknown
      try {
        value = JSON.parse(text)
      } catch (error) {
        throw usageError(`${flags.in}: not valid JSON (${(error as Error).message})`)
      }
      try {
        process.stdout.write(formatResult(runYumaJson(value)))
      } catch (error) {
        if (error instanceof YumaInputError) throw usageError(`${flags.in}: ${error.shortMessage}`)
        throw error
      }
    })
}
