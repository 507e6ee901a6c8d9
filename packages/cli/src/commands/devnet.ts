import {
  connectChain,
  createCommon,
  createContentStore,
  ensureDevnetContracts,
  resetDevnet,
  startDetachedDevnet,
  stopDetachedDevnet,
} from '@mycel/node'
import type { Command } from 'commander'
import { type GlobalFlags, nodeOptions } from '../context.ts'
import { printJson, printLines } from '../output.ts'

export function devnetCommand(program: Command) {
  const devnet = program.command('devnet').description('Run, stop or wipe the local devnet chain (anvil)')

  devnet
    .command('start')
    .description('Start the devnet in the background (it outlives this command) and deploy the contracts')
    .option('--port <port>', 'RPC port (default: a free port)')
    .action(async (flags: { port?: string }, command: Command) => {
      const globals = command.optsWithGlobals<GlobalFlags>()
      const options = nodeOptions(globals, { devnetPort: flags.port })
      const info = await startDetachedDevnet(options.dataDir, {
        port: options.devnetPort,
        stateIntervalSeconds: options.stateIntervalSeconds,
      })
      const common = createCommon({ ...options, logLevel: globals.json ? 'silent' : 'warn' })
      const { client, chain } = await connectChain(info.rpcUrl)
      const { record, deployed } = await ensureDevnetContracts({
        dataDir: options.dataDir,
        client,
        chain,
        rpcUrl: info.rpcUrl,
        store: createContentStore(options.dataDir),
        seed: options.seed,
        logger: common.logger,
      })
      const result = {
        rpcUrl: info.rpcUrl,
        pid: info.pid,
        alreadyRunning: info.alreadyRunning,
        deployed,
        contracts: {
          mycelToken: record.contracts.mycelToken.address,
          subnetRegistry: record.contracts.subnetRegistry.address,
        },
      }
      if (globals.json) return printJson(result)
      printLines([
        info.alreadyRunning ? 'devnet already running' : 'devnet started',
        ['rpc', info.rpcUrl],
        ['pid', info.pid],
        ['MycelToken', result.contracts.mycelToken],
        ['SubnetRegistry', result.contracts.subnetRegistry],
        'Stop it with `mycel devnet stop`.',
      ])
    })

  devnet
    .command('stop')
    .description('Stop the background devnet (its state is saved)')
    .action(async (_flags: unknown, command: Command) => {
      const globals = command.optsWithGlobals<GlobalFlags>()
      const stopped = await stopDetachedDevnet(nodeOptions(globals).dataDir)
      if (globals.json) return printJson({ stopped })
      process.stdout.write(stopped ? 'devnet stopped\n' : 'no background devnet was running\n')
    })

  devnet
    .command('reset')
    .description('Wipe the devnet chain: its state and deployments record (keys and other data stay)')
    .action(async (_flags: unknown, command: Command) => {
      const globals = command.optsWithGlobals<GlobalFlags>()
      const { removed } = await resetDevnet(nodeOptions(globals).dataDir)
      if (globals.json) return printJson({ removed })
      process.stdout.write(
        removed.length ? `devnet reset: removed ${removed.join(', ')}\n` : 'devnet reset: nothing to remove\n',
      )
    })
}
