import { installSignalHandlers, NodeError, redactRpcUrl, start } from '@mycel/node'
import { dashboardDir } from '@mycel/web'
import type { Command } from 'commander'
import { type GlobalFlags, nodeOptions } from '../context.ts'
import { collect } from '../options.ts'
import { printJson, printLines } from '../output.ts'

type UpFlags = {
  port?: string
  host?: string
  devnetPort?: string
  seed?: boolean
  minerPort?: string
  model?: string[]
  miner?: boolean
  gateway?: boolean
  gatewayCharge?: string
  gatewayMarkupBps?: string
  demo?: boolean
  training?: boolean
}

export function upCommand(program: Command) {
  program
    .command('up')
    .description('Start the node: the embedded devnet (or --rpc chain), contracts, HTTP API and dashboard')
    .option('--port <port>', 'HTTP port of the API and dashboard (default 8080)')
    .option('--host <host>', 'HTTP host to bind (default 127.0.0.1)')
    .option('--devnet-port <port>', 'RPC port of the embedded devnet (default: a free port)')
    .option('--no-seed', 'do not create the built-in subnets on a fresh devnet')
    .option('--miner-port <port>', 'HTTP port of the miner (default 8081)')
    .option('--model <spec>', 'model the miner serves (repeatable; default: digits and text)', collect)
    .option('--no-miner', 'run no miner')
    .option('--no-gateway', 'run no gateway')
    .option(
      '--gateway-charge <mode>',
      'free: the gateway pays miners from its budget (default); x402: each paid request carries an x402 payment',
    )
    .option('--gateway-markup-bps <bps>', "the gateway's markup on x402 charges, in basis points (default 0)")
    .option('--no-demo', 'no demo incentive subnet (graded miners and a second validator) on the devnet')
    .option('--no-training', 'no training market on the devnet (trainer, verifier and the example MNIST job)')
    .action(async (flags: UpFlags, command: Command) => {
      const globals = command.optsWithGlobals<GlobalFlags>()
      const options = nodeOptions(globals, {
        port: flags.port,
        host: flags.host,
        devnetPort: flags.devnetPort,
        seed: flags.seed === false ? false : undefined,
        minerPort: flags.minerPort,
        minerModels: flags.model,
        miner: flags.miner === false ? 'off' : undefined,
        gateway: flags.gateway === false ? 'off' : undefined,
        gatewayCharge: flags.gatewayCharge,
        gatewayMarkupBps: flags.gatewayMarkupBps,
        // `npm start` runs the whole economy: the demo subnet is on unless turned off here or in the environment.
        subnetDemo: flags.demo === false ? false : (process.env.MYCEL_SUBNET_DEMO ?? true),
        // And the training market: a trainer, a verifier and the example MNIST job on the devnet.
        trainer: flags.training === false ? 'off' : (process.env.MYCEL_TRAINER ?? 'auto'),
        verifier: flags.training === false ? 'off' : (process.env.MYCEL_VERIFIER ?? 'auto'),
        trainingDemo: flags.training === false ? false : (process.env.MYCEL_TRAINING_DEMO ?? true),
      })
      // The bundled dashboard, unless MYCEL_DASHBOARD_DIR or the config file points elsewhere.
      options.dashboardDir ??= dashboardDir
      if (!globals.json) process.stderr.write(`mycel: starting (data dir ${options.dataDir})…\n`)
      // Ctrl-C during start: stop at the next step and clean up (anvil included) instead of dying halfway.
      const abort = new AbortController()
      const interrupted = () =>
        abort.abort(
          new NodeError('INTERRUPTED', 'Interrupted while starting; everything started was stopped.', {
            exitCode: 130,
          }),
        )
      process.once('SIGINT', interrupted)
      process.once('SIGTERM', interrupted)
      const stopListening = () => {
        process.off('SIGINT', interrupted)
        process.off('SIGTERM', interrupted)
      }
      const node = await start(options, { signal: abort.signal }).catch((error: unknown) => {
        stopListening()
        throw error
      })
      // Ctrl-C stops the node from now on; handled before the summary is printed, so that no signal sent on reading
      // it finds the process without a handler (and kills it without stopping anything).
      installSignalHandlers(node)
      stopListening()
      const summary = {
        status: 'ready',
        chainId: node.chainId,
        chain: node.chainMode,
        rpcUrl: node.chainMode === 'external' ? redactRpcUrl(node.rpcUrl) : node.rpcUrl,
        contracts: node.addresses,
        api: node.url,
        dashboard: `${node.url}/`,
        dataDir: options.dataDir,
        startupMs: node.startupMs,
        gateway: node.roles.gateway ? `${node.url}/v1` : null,
        miner: node.roles.miner
          ? { url: node.roles.miner.url, models: node.roles.miner.models.map((m) => m.model.id) }
          : null,
        channels: node.roles.gateway?.ledger.channels().length ?? 0,
      }
      if (globals.json) printJson(summary)
      else {
        printLines([
          `mycel is up in ${(node.startupMs / 1000).toFixed(1)} s`,
          ['chain', `${node.chainId} (${node.chainMode})`],
          ['rpc', node.chainMode === 'external' ? redactRpcUrl(node.rpcUrl) : node.rpcUrl],
          ['MycelToken', node.addresses.mycelToken],
          ['SubnetRegistry', node.addresses.subnetRegistry],
          ['api', node.url],
          ['dashboard', `${node.url}/`],
          ...(summary.gateway
            ? [
                ['gateway', `${summary.gateway} (OpenAI-compatible; paid through ${summary.channels} channel(s))`] as [
                  string,
                  string,
                ],
              ]
            : []),
          ...(summary.miner
            ? [['miner', `${summary.miner.url} serving ${summary.miner.models.join(', ')}`] as [string, string]]
            : []),
          ['data dir', options.dataDir],
          summary.gateway
            ? 'Try: npx mycel chat "Hello" · npx mycel infer digits models/digits/samples/7.png · Ctrl-C to stop'
            : 'Try: npx mycel status · npx mycel subnet list · Ctrl-C to stop',
        ])
      }
    })
}
