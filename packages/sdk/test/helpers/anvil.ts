/**
 * SDK test helper: a real anvil (the `@foundry-rs/anvil` npm binary) on a free loopback port, the mycel contracts
 * deployed on it with the SDK's own `deployMycel`, clients for anvil's well-known accounts, and snapshot / revert so
 * tests in a file do not depend on each other's order. Kept inside the SDK's tests so they need nothing from the
 * packages above it (the node has its own, fuller anvil starter).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { createServer } from 'node:net'
import { dirname, join } from 'node:path'
import {
  type Chain,
  createPublicClient,
  createWalletClient,
  defineChain,
  type Hex,
  http,
  type PublicClient,
  parseEther,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { deployMycel, type MycelAddresses, type WriteClient } from '../../src/index.ts'

/** Anvil's first accounts (its default mnemonic): public test keys, funded with ETH on every anvil. */
export const anvilKeys = [
  '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
  '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
  '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a',
  '0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6',
] as const satisfies readonly Hex[]

export type AnvilWorld = {
  chain: Chain
  client: PublicClient
  wallet: (index: number) => WriteClient
  addresses: MycelAddresses
  /** Mines `blocks` empty blocks. */
  mine: (blocks: number) => Promise<void>
  /** Moves the next block's time forward and mines it. */
  increaseTime: (seconds: number) => Promise<void>
  snapshot: () => Promise<Hex>
  revert: (id: Hex) => Promise<void>
  stop: () => Promise<void>
}

function anvilBinary(): string {
  const arch = process.arch === 'x64' ? 'amd64' : process.arch
  const require = createRequire(import.meta.url)
  const base = dirname(require.resolve('@foundry-rs/anvil/package.json'))
  const pkg = dirname(require.resolve(`@foundry-rs/anvil-${process.platform}-${arch}/package.json`, { paths: [base] }))
  return join(pkg, 'bin', 'anvil')
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      )
    })
  })
}

async function waitForRpc(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`anvil exited with code ${child.exitCode}`)
    try {
      const r = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      })
      if (r.ok) return
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error('anvil did not answer within 10 s')
}

/** Starts anvil and deploys mycel on it (challenge period one hour, a test stablecoin). */
export async function startAnvilWorld(): Promise<AnvilWorld> {
  const port = await freePort()
  const child = spawn(anvilBinary(), ['--port', String(port), '--host', '127.0.0.1', '--silent'], {
    stdio: 'ignore',
  })
  const url = `http://127.0.0.1:${port}`
  try {
    await waitForRpc(url, child)
  } catch (error) {
    child.kill('SIGKILL')
    throw error
  }
  const chain = defineChain({
    id: 31337,
    name: 'anvil',
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [url] } },
  })
  const transport = http(url)
  const client = createPublicClient({ chain, transport, cacheTime: 0 }) as PublicClient
  const wallet = (index: number) =>
    createWalletClient({
      account: privateKeyToAccount(anvilKeys[index] as Hex),
      chain,
      transport,
      cacheTime: 0,
    }) as WriteClient
  const deployer = wallet(0)
  let addresses: MycelAddresses
  try {
    ;({ addresses } = await deployMycel(deployer, {
      treasury: deployer.account.address,
      initialSupply: parseEther('1000000'),
      challengePeriodSeconds: 3600n,
      testStablecoin: true,
    }))
  } catch (error) {
    // No test will stop it: do not leave anvil running.
    child.kill('SIGKILL')
    throw error
  }
  const rpc = (method: string, params: unknown[] = []) => client.request({ method, params } as never)
  return {
    chain,
    client,
    wallet,
    addresses,
    mine: async (blocks) => {
      await rpc('anvil_mine', [`0x${blocks.toString(16)}`])
    },
    increaseTime: async (seconds) => {
      await rpc('evm_increaseTime', [seconds])
      await rpc('evm_mine')
    },
    snapshot: () => rpc('evm_snapshot') as Promise<Hex>,
    revert: async (id) => {
      await rpc('evm_revert', [id])
    },
    stop: async () => {
      if (child.exitCode !== null) return
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      await exited
    },
  }
}
