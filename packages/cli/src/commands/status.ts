import {
  addressesOf,
  connectChain,
  deploymentsPath,
  findRunningDevnet,
  findRunningNode,
  type NodeOptions,
  readDeployments,
  redactRpcUrl,
} from '@mycel/node'
import { getSubnets } from '@mycel/sdk'
import type { Command } from 'commander'
import { getBlockNumber } from 'viem/actions'
import { type GlobalFlags, nodeOptions } from '../context.ts'
import { printJson, printLines, printTable } from '../output.ts'

type Network = {
  /** Where this view comes from: the running node's index, or the chain named by --rpc (read directly). */
  source: 'node' | 'rpc'
  chain: { chainId: number; rpcUrl: string; headBlock: number; indexedBlock?: number }
  /** Empty when nothing is recorded as deployed on that chain (see `deploymentsFile`). */
  contracts: Record<string, string>
  deploymentsFile?: string
  subnets: { netuid: number; name: string; taskType: string; neuronCount: number; maxNeurons: number }[]
}

/** The chain named by --rpc / MYCEL_RPC_URL / the config, read directly: head, recorded contracts, subnets. */
async function networkAt(options: NodeOptions, rpcUrl: string): Promise<Network> {
  const { client, chainId } = await connectChain(rpcUrl)
  const headBlock = Number(await getBlockNumber(client))
  const record = readDeployments(options.dataDir, chainId)
  const contracts = record ? addressesOf(record) : undefined
  const subnets = contracts ? await getSubnets(client, { registry: contracts.subnetRegistry }) : []
  return {
    source: 'rpc',
    chain: { chainId, rpcUrl: redactRpcUrl(rpcUrl), headBlock },
    contracts: contracts ?? {},
    deploymentsFile: deploymentsPath(options.dataDir, chainId),
    subnets,
  }
}

export function statusCommand(program: Command) {
  program
    .command('status')
    .description(
      'Show what runs for this data dir: node, chain, contracts, subnets (with --rpc: that chain, read directly)',
    )
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
      }
      if (options.rpcUrl) network = await networkAt(options, options.rpcUrl)
      else if (node) {
        network = await fetch(`${node.apiUrl}/api/network`, { signal: AbortSignal.timeout(3000) }).then(
          async (r) =>
            r.ok ? { ...((await r.json()) as Omit<Network, 'source'>), source: 'node' as const } : undefined,
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
      if (!network) return
      const empty = Object.keys(network.contracts).length === 0
      printLines([
        [
          'chain',
          `${network.chain.chainId} at ${network.chain.rpcUrl}, block ${network.chain.headBlock}${network.source === 'rpc' ? ' (read directly)' : ''}`,
        ],
        ...(empty
          ? [
              [
                'contracts',
                `none recorded for chain ${network.chain.chainId} (${network.deploymentsFile}): deploy with \`mycel deploy --rpc <url>\``,
              ] as [string, unknown],
            ]
          : Object.entries(network.contracts).map(([k, v]): [string, unknown] => [k, v])),
        '',
      ])
      printTable(
        network.subnets.map((s) => ({ ...s, neurons: `${s.neuronCount}/${s.maxNeurons}` })),
        ['netuid', 'name', 'taskType', 'neurons'],
      )
    })
}
