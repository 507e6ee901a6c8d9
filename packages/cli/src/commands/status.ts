import { findRunningDevnet, findRunningNode } from '@mycel/node'
import type { Command } from 'commander'
import { type GlobalFlags, nodeOptions } from '../context.ts'
import { printJson, printLines, printTable } from '../output.ts'

type Network = {
  chain: { chainId: number; rpcUrl: string; headBlock: number; indexedBlock: number }
  contracts: Record<string, string>
  subnets: { netuid: number; name: string; taskType: string; neuronCount: number; maxNeurons: number }[]
}

export function statusCommand(program: Command) {
  program
    .command('status')
    .description('Show what runs for this data dir: node, chain, contracts, subnets')
    .action(async (_flags: unknown, command: Command) => {
      const globals = command.optsWithGlobals<GlobalFlags>()
      const options = nodeOptions(globals)
      const node = findRunningNode(options.dataDir)
      const devnet = await findRunningDevnet(options.dataDir)
      let network: Network | undefined
      let ready: unknown
      if (node) {
        ready = await fetch(`${node.apiUrl}/ready`, { signal: AbortSignal.timeout(3000) }).then(
          (r) => r.json(),
          () => undefined,
        )
        network = await fetch(`${node.apiUrl}/api/network`, { signal: AbortSignal.timeout(3000) }).then(
          (r) => (r.ok ? (r.json() as Promise<Network>) : undefined),
          () => undefined,
        )
      }
      const status = {
        dataDir: options.dataDir,
        node: node ? { pid: node.pid, api: node.apiUrl, ready } : null,
        devnet: devnet ? { pid: devnet.pid, rpcUrl: devnet.rpcUrl } : null,
        network: network ?? null,
      }
      if (globals.json) return printJson(status)
      printLines([
        ['data dir', options.dataDir],
        [
          'node',
          node
            ? `running (pid ${node.pid}) at ${node.apiUrl}`
            : 'not running (start it with `npm start` or `mycel up`)',
        ],
        [
          'devnet',
          devnet ? `running (pid ${devnet.pid}) at ${devnet.rpcUrl}` : node ? 'embedded in the node' : 'not running',
        ],
      ])
      if (network) {
        printLines([
          ['chain', `${network.chain.chainId} at ${network.chain.rpcUrl}, block ${network.chain.headBlock}`],
          ...Object.entries(network.contracts).map(([k, v]): [string, unknown] => [k, v]),
          '',
        ])
        printTable(
          network.subnets.map((s) => ({ ...s, neurons: `${s.neuronCount}/${s.maxNeurons}` })),
          ['netuid', 'name', 'taskType', 'neurons'],
        )
      }
    })
}
