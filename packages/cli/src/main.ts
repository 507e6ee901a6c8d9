/**
 * The `mycel` command line: parses options, calls @mycel/node and @mycel/sdk, prints for people or `--json`.
 * Errors print one readable line (no stack) and exit 2 for usage/config errors, 1 otherwise.
 */
import { NodeError } from '@mycel/node'
import { BaseError, decodeContractError } from '@mycel/sdk'
import { Command, CommanderError, Help, type Option } from 'commander'
import { balanceCommand } from './commands/balance.ts'
import { channelCommand } from './commands/channel.ts'
import { contentCommand } from './commands/content.ts'
import { datasetCommand } from './commands/dataset.ts'
import { certifyCommands } from './commands/datasetCertify.ts'
import { grantCommands } from './commands/datasetGrants.ts'
import { vaultCommands } from './commands/datasetVault.ts'
import { deployCommand } from './commands/deploy.ts'
import { devnetCommand } from './commands/devnet.ts'
import { epochCommand, weightsCommand } from './commands/epoch.ts'
import { chatCommand, inferCommand } from './commands/inference.ts'
import { jobCommand } from './commands/job.ts'
import { jobRoundCommand } from './commands/jobRound.ts'
import { keysCommand } from './commands/keys.ts'
import { minerCommand } from './commands/miner.ts'
import { modelCommand } from './commands/model.ts'
import { fractionalCommands } from './commands/modelGovern.ts'
import { licenseCommands } from './commands/modelLicense.ts'
import { royaltyCommands } from './commands/modelRoyalties.ts'
import { governCommands } from './commands/modelVote.ts'
import { neuronCommand } from './commands/neuron.ts'
import { provenanceCommands } from './commands/provenance.ts'
import { stakeCommand } from './commands/stake.ts'
import { statusCommand } from './commands/status.ts'
import { subnetCommand } from './commands/subnet.ts'
import { trainCommand } from './commands/train.ts'
import { upCommand } from './commands/up.ts'
import { yumaCommand } from './commands/yuma.ts'

export function buildProgram(): Command {
  const program = new Command('mycel')
    .description('mycel: a decentralized AI network on EVM chains')
    .version('0.1.0')
    .option('--data-dir <dir>', 'node data directory (env MYCEL_DATA_DIR; default ./.mycel)')
    .option('--config <file>', 'JSON config file (env MYCEL_CONFIG; default ./mycel.config.json if present)')
    .option('--rpc <url>', 'use this EVM chain instead of the devnet (env MYCEL_RPC_URL)')
    .option('--log-level <level>', 'trace|debug|info|warn|error|silent (env MYCEL_LOG_LEVEL)')
    .option(
      '--log-format <format>',
      'auto|json|pretty: auto is readable on a terminal, JSON otherwise (env MYCEL_LOG_FORMAT)',
    )
    .option('--json', 'print machine-readable JSON')
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
    // Commander does not mark required options in help: say it (every subcommand inherits this).
    .configureHelp({
      optionDescription(this: Help, option: Option) {
        const text = Help.prototype.optionDescription.call(this, option)
        return option.mandatory ? `${text} (required)` : text
      },
    })
  upCommand(program)
  statusCommand(program)
  devnetCommand(program)
  deployCommand(program)
  keysCommand(program)
  subnetCommand(program)
  stakeCommand(program)
  neuronCommand(program)
  weightsCommand(program)
  epochCommand(program)
  channelCommand(program)
  balanceCommand(program)
  minerCommand(program)
  chatCommand(program)
  inferCommand(program)
  trainCommand(program)
  jobRoundCommand(jobCommand(program))
  yumaCommand(program)
  contentCommand(program)
  provenanceCommands(program)
  vaultCommands(certifyCommands(grantCommands(datasetCommand(program))))
  const model = modelCommand(program)
  licenseCommands(model)
  fractionalCommands(model)
  royaltyCommands(model)
  governCommands(model)
  for (const command of program.commands) {
    command.exitOverride()
    for (const sub of command.commands) {
      sub.exitOverride()
      for (const leaf of sub.commands) leaf.exitOverride()
    }
  }
  return program
}

/** One line for the user (plus the error's code under --json). */
export function describeError(error: unknown): { code: string; message: string; exitCode: number } {
  const decoded = decodeContractError(error)
  if (decoded instanceof NodeError)
    return { code: decoded.code, message: decoded.shortMessage, exitCode: decoded.exitCode }
  if (decoded instanceof BaseError) return { code: decoded.name, message: decoded.shortMessage, exitCode: 1 }
  if (decoded instanceof Error && 'shortMessage' in decoded) {
    return { code: decoded.name, message: String(decoded.shortMessage), exitCode: 1 }
  }
  const message = decoded instanceof Error ? decoded.message : String(decoded)
  return { code: 'ERROR', message, exitCode: 1 }
}

/**
 * A reader that goes away (`mycel … | head -3`) ends the command quietly, as SIGPIPE ends other Unix tools: what is
 * left to print is dropped and the exit code is 0. `mycel up` (which handles SIGTERM) stops gracefully instead, so
 * its devnet is not left behind.
 */
export function endQuietlyOnBrokenPipe(): void {
  let ended = false
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error
      stream.write = () => true
      if (ended) return
      ended = true
      process.exitCode = 0
      if (process.listenerCount('SIGTERM') > 0) process.kill(process.pid, 'SIGTERM')
      else process.exit(0)
    })
  }
}

export async function main(argv: string[]): Promise<void> {
  endQuietlyOnBrokenPipe()
  const program = buildProgram()
  try {
    await program.parseAsync(argv)
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; usage errors were already printed by commander.
      process.exitCode = error.exitCode === 0 ? 0 : 2
      return
    }
    const { code, message, exitCode } = describeError(error)
    if (argv.includes('--json')) process.stdout.write(`${JSON.stringify({ error: { code, message } })}\n`)
    process.stderr.write(`mycel: ${message}\n`)
    process.exitCode = exitCode
  }
}
