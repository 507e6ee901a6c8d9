/**
 * What most commands need: the resolved node options (flag > env > config > default), a connection to the chain the
 * user means, the deployed contract addresses on it, and a signer (a keystore key, or a devnet test account).
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  addressesOf,
  connectChain,
  DEVNET_CHAIN_ID,
  deploymentsPath,
  devnetAccount,
  devnetPrivateKey,
  findRunningDevnet,
  findRunningNode,
  keystoreDir,
  NodeError,
  type NodeOptions,
  NotDeployedError,
  readDeployments,
  resolveOptions,
} from '@mycel/node'
import type { MycelAddresses, WriteClient } from '@mycel/sdk'
import { type Chain, createWalletClient, type Hex, http, type PublicClient } from 'viem'
import { type LocalAccount, privateKeyToAccount } from 'viem/accounts'
import { readSecret } from './prompt.ts'

export type GlobalFlags = {
  dataDir?: string
  config?: string
  rpc?: string
  logLevel?: string
  logFormat?: string
  json?: boolean
}

export function nodeOptions(
  globals: GlobalFlags,
  flags: Partial<Record<keyof NodeOptions, unknown>> = {},
): NodeOptions {
  return resolveOptions({
    configFile: globals.config,
    flags: {
      dataDir: globals.dataDir,
      rpcUrl: globals.rpc,
      logLevel: globals.logLevel,
      logFormat: globals.logFormat,
      ...flags,
    },
  })
}

export type ChainContext = {
  options: NodeOptions
  rpcUrl: string
  client: PublicClient
  chain: Chain
  chainId: number
  source: 'flag/env/config' | 'running node' | 'running devnet'
}

/** Connects to the chain the user means: --rpc / MYCEL_RPC_URL / config, else this data dir's node or devnet. */
export async function chainContext(globals: GlobalFlags): Promise<ChainContext> {
  const options = nodeOptions(globals)
  let rpcUrl = options.rpcUrl
  let source: ChainContext['source'] = 'flag/env/config'
  if (!rpcUrl) {
    const node = findRunningNode(options.dataDir)
    const devnet = node ? undefined : await findRunningDevnet(options.dataDir)
    rpcUrl = node?.rpcUrl ?? devnet?.rpcUrl
    source = node ? 'running node' : 'running devnet'
  }
  if (!rpcUrl) {
    throw new NodeError(
      'NO_CHAIN',
      `No chain to talk to: nothing runs for data dir ${options.dataDir}. Start one with \`mycel up\` (or \`mycel devnet start\`), or pass --rpc <url>.`,
    )
  }
  const { client, chain, chainId } = await connectChain(rpcUrl)
  return { options, rpcUrl, client, chain, chainId, source }
}

export function contractsOn(ctx: ChainContext): MycelAddresses {
  const record = readDeployments(ctx.options.dataDir, ctx.chainId)
  if (!record)
    throw new NotDeployedError({ chainId: ctx.chainId, file: deploymentsPath(ctx.options.dataDir, ctx.chainId) })
  return addressesOf(record)
}

export type SignerFlags = { key?: string; passwordFile?: string; devAccount?: string }

/** Reads a keystore password: --password-file, then MYCEL_PASSWORD, then an interactive hidden prompt. */
export async function keystorePassword(flags: { passwordFile?: string }, prompt: string): Promise<string> {
  if (flags.passwordFile) return readFileSync(flags.passwordFile, 'utf8').replace(/\r?\n$/, '')
  if (process.env.MYCEL_PASSWORD !== undefined) return process.env.MYCEL_PASSWORD
  return readSecret(prompt)
}

export function keysOf(options: NodeOptions) {
  return keystoreDir(join(options.dataDir, 'keystore'))
}

/**
 * The account --key (keystore) or, on the devnet only, --dev-account (default 0) names, with its private key (for
 * what a signature cannot do: opening a dataset key wrapped to it). The key stays in this process's memory.
 */
export async function signerKey(
  ctx: ChainContext,
  flags: SignerFlags,
): Promise<{ account: LocalAccount; privateKey: Hex }> {
  if (flags.key) {
    const password = await keystorePassword(flags, `Password for key "${flags.key}": `)
    const privateKey = keysOf(ctx.options).privateKey(flags.key, password)
    return { account: privateKeyToAccount(privateKey), privateKey }
  }
  if (ctx.chainId !== DEVNET_CHAIN_ID) {
    throw new NodeError(
      'NO_SIGNER',
      `Chain ${ctx.chainId} is not the devnet: choose a key with --key <name> (see \`mycel keys list\`).`,
      { exitCode: 2 },
    )
  }
  const index = Number(flags.devAccount ?? '0')
  if (!/^\d{1,3}$/.test(flags.devAccount ?? '0') || index > 999) {
    throw new NodeError(
      'INVALID_ARGUMENT',
      `--dev-account must be an integer from 0 to 999, got ${flags.devAccount}.`,
      {
        exitCode: 2,
      },
    )
  }
  return { account: devnetAccount(index), privateKey: devnetPrivateKey(index) }
}

/** A wallet client for --key (keystore) or, on the devnet only, --dev-account (default 0). */
export async function signer(ctx: ChainContext, flags: SignerFlags): Promise<WriteClient> {
  const { account } = await signerKey(ctx, flags)
  return createWalletClient({ account, chain: ctx.chain, transport: http(ctx.rpcUrl) }) as WriteClient
}
