/**
 * What a fresh devnet starts with: the built-in subnets, each with its scoring specification stored in the content
 * store and referenced on chain by CID. Miners and validators for them arrive with the inference and incentive
 * capabilities; until then the subnets are empty and anyone can register into them.
 */
import {
  cidOfBytes,
  createSubnet,
  getSubnets,
  type MycelAddresses,
  mycelTokenAbi,
  subnetRegistryAbi,
  testUsdAbi,
  type WriteClient,
  writeContractAndWait,
} from '@mycel/sdk'
import { parseEther } from 'viem'
import { readContract } from 'viem/actions'
import type { ContentStore } from '../storage/contentStore.ts'
import { devnetAccount } from './accounts.ts'

export const builtinSubnets = [
  {
    name: 'text',
    taskType: 'text-generation',
    maxNeurons: 256,
    registrationCost: parseEther('1'),
    spec: {
      kind: 'mycel/scoring-spec@1',
      task: 'text-generation',
      api: 'openai-chat-completions',
      score: { quality: 0.7, latency: 0.2, availability: 0.1 },
      notes: 'Validators send generated prompts and score continuations against a reference model.',
    },
  },
  {
    name: 'digits',
    taskType: 'image-classification',
    maxNeurons: 256,
    registrationCost: parseEther('1'),
    spec: {
      kind: 'mycel/scoring-spec@1',
      task: 'image-classification',
      api: 'open-inference-protocol-v2',
      score: { accuracy: 0.8, latency: 0.1, availability: 0.1 },
      notes: 'Validators send perturbed MNIST digits and score top-1 accuracy.',
    },
  },
] as const

/** MYC each devnet test account 1..9 receives from the treasury (account 0), so any of them can register. */
export const DEVNET_FAUCET_AMOUNT = parseEther('10000')
/** tUSD (6 decimals) each devnet test account 0..9 holds: 1,000,000 test dollars. */
export const DEVNET_TEST_USD_AMOUNT = 1_000_000n * 10n ** 6n

/**
 * Brings a devnet to its seeded state, whatever part of it is already there, so a first start interrupted halfway
 * is completed by the next one: while no subnet exists, test accounts 1..9 without MYC get the faucet amount; then
 * each built-in subnet missing (by name, owned by the treasury) is created. Returns what it did.
 */
export async function seedDevnet(client: WriteClient, addresses: MycelAddresses, store: ContentStore) {
  const registry = addresses.subnetRegistry
  const existing = await getSubnets(client, { registry })
  const funded: `0x${string}`[] = []
  if (existing.length === 0) {
    const token = await readContract(client, { address: registry, abi: subnetRegistryAbi, functionName: 'token' })
    for (let i = 1; i <= 9; i++) {
      const to = devnetAccount(i).address
      const balance = await readContract(client, {
        address: token,
        abi: mycelTokenAbi,
        functionName: 'balanceOf',
        args: [to],
      })
      if (balance > 0n) continue
      await writeContractAndWait(client, {
        address: token,
        abi: mycelTokenAbi,
        functionName: 'transfer',
        args: [to, DEVNET_FAUCET_AMOUNT],
      })
      funded.push(to)
    }
  }
  // Test dollars for paying per request: accounts 0..9 without any get the faucet amount (minted, tUSD has no cap).
  const testUsd = addresses.testUsd
  if (testUsd) {
    // Read together (a restart only reads), minted one after another (one account, one nonce sequence).
    const holders = Array.from({ length: 10 }, (_, i) => devnetAccount(i).address)
    const balances = await Promise.all(
      holders.map((to) =>
        readContract(client, { address: testUsd, abi: testUsdAbi, functionName: 'balanceOf', args: [to] }),
      ),
    )
    for (const [i, to] of holders.entries()) {
      if ((balances[i] ?? 0n) > 0n) continue
      await writeContractAndWait(client, {
        address: testUsd,
        abi: testUsdAbi,
        functionName: 'mint',
        args: [to, DEVNET_TEST_USD_AMOUNT],
      })
    }
  }
  const created: { netuid: bigint; name: string }[] = []
  for (const subnet of builtinSubnets) {
    const bytes = new TextEncoder().encode(`${JSON.stringify(subnet.spec, null, 2)}\n`)
    const cid = await cidOfBytes(bytes)
    await store.put(bytes, cid)
    if (existing.some((s) => s.name === subnet.name && s.owner === client.account.address)) continue
    const { netuid } = await createSubnet(client, {
      registry,
      name: subnet.name,
      taskType: subnet.taskType,
      scoringSpecCid: cid,
      maxNeurons: subnet.maxNeurons,
      registrationCost: subnet.registrationCost,
    })
    created.push({ netuid, name: subnet.name })
  }
  return { funded, created }
}
