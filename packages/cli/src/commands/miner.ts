/**
 * `mycel miner serve`: one more miner on the network, in its own process and data dir, serving the given models at
 * the given prices. It joins the chain of the node running for --data-dir (or --rpc), reusing that node's
 * deployment record, registers in the subnets, and is found by every gateway through the registry.
 */
import { copyFileSync, existsSync, mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import {
  assertKeyFree,
  connectChain,
  DEVNET_CHAIN_ID,
  deploymentsPath,
  devnetAccount,
  findRunningNode,
  installSignalHandlers,
  keystoreDir,
  NodeError,
  relatedDataDirs,
  start,
} from '@mycel/node'
import type { Command } from 'commander'
import { type GlobalFlags, nodeOptions } from '../context.ts'
import { usageError } from '../errors.ts'
import { collect } from '../options.ts'
import { printJson, printLines } from '../output.ts'

type ServeFlags = {
  model: string[]
  price?: string
  pricePer1k?: string
  port?: string
  publicUrl?: string
  key?: string
  devAccount?: string
  subnet?: string[]
  minerDataDir?: string
}

/**
 * The devnet account `miner serve` signs with by default: `npm start` uses accounts 0 to 7 (treasury, gateway, miner,
 * validator, the demo's three miners and second validator), so 8 is free.
 */
export const SERVE_DEV_ACCOUNT = 8

/** The address of keystore key `name`, or undefined when it cannot be read (start() then says why). */
function keystoreAddress(dir: string, name: string): `0x${string}` | undefined {
  try {
    return keystoreDir(dir).address(name)
  } catch {
    return undefined
  }
}

/** The first port from `from` (20 tried) that `free` accepts; else `from` (starting there says what is wrong). */
function firstFree(from: number, free: (port: number) => boolean): number {
  for (let port = from; port < from + 20; port++) if (free(port)) return port
  return from
}

/** Whether no running node of `dataDirs` signs with `address`. */
function keyFree(address: `0x${string}`, dataDirs: string[]): boolean {
  try {
    assertKeyFree(address, dataDirs, '')
    return true
  } catch {
    return false
  }
}

export function minerCommand(program: Command) {
  const miner = program.command('miner').description('Run a miner: serve models and be paid per request')
  miner
    .command('claim')
    .description("Claim now every channel that owes one of the running node's miners (one transaction per miner)")
    .action(async (_flags: unknown, command: Command) => {
      const globals = command.optsWithGlobals<GlobalFlags>()
      const options = nodeOptions(globals)
      const node = findRunningNode(options.dataDir)
      if (!node)
        throw new NodeError('NO_NODE', `No node runs for data dir ${options.dataDir}. Start one with \`npm start\`.`)
      const response = await fetch(`${node.apiUrl}/api/miner/claim`, { method: 'POST' })
      const body = (await response.json()) as Record<string, unknown> & { error?: { code: string; message: string } }
      if (!response.ok)
        throw new NodeError(body.error?.code ?? 'CLAIM_FAILED', body.error?.message ?? `HTTP ${response.status}`)
      if (globals.json) printJson(body)
      else if (body.claimed) {
        const claims = (body.claims ?? []) as { payee: string; tx: string; paid: string; channels: number }[]
        printLines([
          `claimed ${body.paid} token units from ${body.channels} channel(s)`,
          ...(claims.length > 1
            ? claims.map(
                (c) => [`  ${c.payee}`, `${c.paid} from ${c.channels} channel(s), tx ${c.tx}`] as [string, string],
              )
            : [['tx', body.tx] as [string, string]]),
          ['gas', body.gasUsed],
        ])
      } else printLines(['nothing to claim: no channel owes anything unclaimed'])
    })
  miner
    .command('serve')
    .description('Serve models on the network of the running node (or --rpc), paid through payment channels')
    .requiredOption(
      '--model <spec>',
      'built-in id (digits, text), file.onnx or file.gguf (name=file to choose the id), an OpenAI-compatible upstream URL, or the weights CID of a model registered in the ModelRegistry (fetched from the content store or its peers, served under its card name) (repeatable)',
      collect,
    )
    .option('--price <units>', 'price per request, in token units (e.g. 1000 = 0.001 tUSD)')
    .option('--price-per-1k <units>', 'price per 1,000 units (tokens or instances), in token units')
    .option('--port <port>', 'HTTP port of the miner (default: the first from 8082 no miner of this data dir uses)')
    .option('--public-url <url>', 'URL to publish on chain (default http://host:port)')
    .option('--key <name>', 'keystore key the miner is paid to (password in MYCEL_PASSWORD / MYCEL_PASSWORD_FILE)')
    .option(
      '--dev-account <n>',
      `devnet test account the miner is paid to (default ${SERVE_DEV_ACCOUNT}, or 9 when another miner uses it: \`npm start\` leaves both free)`,
    )
    .option('--subnet <name>', 'subnet to register in (repeatable; default: the subnets for what it serves)', collect)
    .option('--miner-data-dir <dir>', "this miner's own data dir (default <data-dir>/miners/<port>)")
    .action(async (flags: ServeFlags, command: Command) => {
      const globals = command.optsWithGlobals<GlobalFlags>()
      const main = nodeOptions(globals)
      const rpcUrl = main.rpcUrl ?? findRunningNode(main.dataDir)?.rpcUrl
      if (!rpcUrl) {
        throw new NodeError(
          'NO_CHAIN',
          `No node runs for data dir ${main.dataDir}: start one with \`npm start\`, or pass --rpc <url>.`,
        )
      }
      if (flags.key && flags.devAccount) throw usageError('Give either --key or --dev-account, not both.')
      if (flags.devAccount !== undefined && !/^\d{1,3}$/.test(flags.devAccount))
        throw usageError(`--dev-account must be an integer from 0 to 999, got ${flags.devAccount}.`)
      const price = { perRequest: flags.price ?? '0', per1kUnits: flags.pricePer1k ?? '0' }
      // Another miner of this data dir (a terminal still serving) keeps its port and key: this one takes the next.
      const minerDir = (port: number | string) => join(main.dataDir, 'miners', String(port))
      const port = flags.port ?? String(firstFree(8082, (p) => !findRunningNode(minerDir(p))))
      const dataDir = flags.minerDataDir ?? minerDir(port)
      const running = findRunningNode(dataDir)
      if (running)
        throw new NodeError(
          'MINER_RUNNING',
          `A miner already runs for ${dataDir} (pid ${running.pid}): stop it, or give this one another --port.`,
        )
      // The chain's deployment record comes from the main node's data dir.
      const { chainId } = await connectChain(rpcUrl)
      const related = relatedDataDirs(main.dataDir).filter((d) => resolve(d) !== resolve(dataDir))
      const devAccount =
        flags.devAccount ??
        String(
          chainId === DEVNET_CHAIN_ID
            ? ([SERVE_DEV_ACCOUNT, 9].find((n) => keyFree(devnetAccount(n).address, related)) ?? SERVE_DEV_ACCOUNT)
            : SERVE_DEV_ACCOUNT,
        )
      const minerKey = flags.key ?? `dev:${devAccount}`
      // Never a key the running node or another miner of it signs with (the keystore gives a key's address without
      // its password).
      const address = flags.key
        ? keystoreAddress(join(dataDir, 'keystore'), flags.key)
        : chainId === DEVNET_CHAIN_ID
          ? devnetAccount(Number(devAccount)).address
          : undefined
      if (address) {
        assertKeyFree(
          address,
          related,
          `Pick another key for this miner with --dev-account N (on the devnet, ${SERVE_DEV_ACCOUNT} and 9 are free under \`npm start\`) or --key NAME.`,
        )
      }
      const record = deploymentsPath(main.dataDir, chainId)
      if (!existsSync(record))
        throw new NodeError(
          'NOT_DEPLOYED',
          `No deployment record ${record} for chain ${chainId}; run \`mycel deploy\` first.`,
        )
      mkdirSync(join(dataDir, 'deployments'), { recursive: true })
      copyFileSync(record, deploymentsPath(dataDir, chainId))
      const options = nodeOptions(
        { ...globals, dataDir, rpc: rpcUrl },
        {
          port: 0,
          miner: 'on',
          gateway: 'off',
          minerModels: flags.model,
          minerPort: port,
          minerPublicUrl: flags.publicUrl,
          minerKey,
          minerSubnets: flags.subnet,
          ...(flags.price !== undefined || flags.pricePer1k !== undefined ? { minerPrices: { '*': price } } : {}),
        },
      )
      const node = await start(options)
      installSignalHandlers(node) // before the summary: a signal sent on reading it must stop the node cleanly
      const served = node.roles.miner
      if (!served) throw new NodeError('NO_MINER', 'The miner did not start.')
      const summary = {
        url: served.url,
        payee: served.payee,
        offerCid: served.offerCid,
        models: served.models.map((m) => ({
          id: m.model.id,
          perRequest: m.price.perRequest,
          per1kUnits: m.price.per1kUnits,
        })),
        licenses: served.licenses,
        dataDir,
        /** Its node API: the receipts it signed (`mycel verify <hash> --url <api>`) and their lineage. */
        api: node.url,
      }
      if (globals.json) printJson(summary)
      else {
        printLines([
          `miner serving at ${served.url}`,
          ['paid to', served.payee],
          ...summary.models.map(
            (m) => [m.id, `${m.perRequest} per request + ${m.per1kUnits} per 1k units`] as [string, string],
          ),
          ...served.licenses.map(
            (l) =>
              [
                `license ${l.model}`,
                l.valid
                  ? `model ${l.modelId}${l.bought === undefined ? '' : `, bought now: license ${l.bought}`}`
                  : `NONE (${l.reason}); buy one: mycel model license buy ${l.modelId} --key <this miner's key>`,
              ] as [string, string],
          ),
          ['offer', served.offerCid],
          ['data dir', dataDir],
          ['node API', `${node.url} (its receipts: mycel verify <hash> --url ${node.url})`],
          'Gateways find it through the registry. Ctrl-C to stop.',
        ])
      }
    })
}
