/**
 * Test helpers: a real anvil per test file (from the npm package, on a free port, in a temp dir), viem clients
 * for its well-known accounts, and snapshot/revert so tests in a file do not depend on each other's order.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type AnvilProcess, devnetAccount, startAnvil } from '@mycel/node'
import {
  deployMycel,
  type MycelAddresses,
  mycelTokenAbi,
  testUsdAbi,
  type WriteClient,
  writeContractAndWait,
} from '@mycel/sdk'
import {
  type Chain,
  createPublicClient,
  createWalletClient,
  defineChain,
  http,
  type PublicClient,
  parseEther,
} from 'viem'

export type TestChain = {
  anvil: AnvilProcess
  dir: string
  chain: Chain
  publicClient: PublicClient
  wallet: (index?: number) => WriteClient
  snapshot: () => Promise<`0x${string}`>
  revert: (id: `0x${string}`) => Promise<void>
  increaseTime: (seconds: number) => Promise<void>
  stop: () => Promise<void>
}

export function tempDir(prefix = 'mycel-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix))
}

export async function startTestChain(): Promise<TestChain> {
  const dir = tempDir()
  const anvil = await startAnvil({ stateFile: join(dir, 'state.json'), logFile: join(dir, 'anvil.log') })
  const chain = defineChain({
    id: 31337,
    name: 'test',
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [anvil.rpcUrl] } },
  })
  const transport = http(anvil.rpcUrl)
  // cacheTime 0: viem otherwise answers getBlockNumber from a 4 s cache, and a test reading the head before and
  // after a quick transaction would see the same block.
  const publicClient = createPublicClient({ chain, transport, cacheTime: 0 }) as PublicClient
  return {
    anvil,
    dir,
    chain,
    publicClient,
    wallet: (index = 0) => createWalletClient({ account: devnetAccount(index), chain, transport }) as WriteClient,
    snapshot: () => publicClient.request({ method: 'evm_snapshot' } as never) as Promise<`0x${string}`>,
    revert: async (id) => {
      await publicClient.request({ method: 'evm_revert', params: [id] } as never)
    },
    increaseTime: async (seconds) => {
      await publicClient.request({ method: 'evm_increaseTime', params: [seconds] } as never)
      await publicClient.request({ method: 'evm_mine', params: [] } as never)
    },
    stop: async () => {
      await anvil.stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

export const TEST_SUPPLY = parseEther('1000000')
export const TEST_CHALLENGE_PERIOD = 3600n

export async function deployTestContracts(t: TestChain): Promise<MycelAddresses> {
  const wallet = t.wallet(0)
  const { addresses } = await deployMycel(wallet, {
    treasury: wallet.account.address,
    initialSupply: TEST_SUPPLY,
    challengePeriodSeconds: TEST_CHALLENGE_PERIOD,
    testStablecoin: true,
  })
  return addresses
}

/**
 * Funds test accounts `indices` from the treasury (account 0): `myc` MYC transferred and, when given, `usd` tUSD
 * minted (devnet deployments only).
 */
export async function fundAccounts(
  t: TestChain,
  addresses: MycelAddresses,
  indices: number[],
  { myc, usd }: { myc: bigint; usd?: bigint },
): Promise<void> {
  for (const i of indices) {
    const to = t.wallet(i).account.address
    if (usd !== undefined && addresses.testUsd) {
      await writeContractAndWait(t.wallet(0), {
        address: addresses.testUsd,
        abi: testUsdAbi,
        functionName: 'mint',
        args: [to, usd],
      })
    }
    await writeContractAndWait(t.wallet(0), {
      address: addresses.mycelToken,
      abi: mycelTokenAbi,
      functionName: 'transfer',
      args: [to, myc],
    })
  }
}
