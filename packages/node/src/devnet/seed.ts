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
} from '@mycel/sdk'
import { parseEther } from 'viem'
import { readContract } from 'viem/actions'
import type { ContentStore } from '../content/contentStore.ts'
import { devnetAccount } from './accounts.ts'
import { type Call, sendInSequence } from './send.ts'

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
  const holders = Array.from({ length: 10 }, (_, i) => devnetAccount(i).address)
  const faucet: Transfer[] = []
  const funded: `0x${string}`[] = []
  if (existing.length === 0) {
    const token = await readContract(client, { address: registry, abi: subnetRegistryAbi, functionName: 'token' })
    const balances = await balancesOf(client, token, holders.slice(1))
    for (const [i, to] of holders.slice(1).entries()) {
      if ((balances[i] ?? 0n) > 0n) continue
      faucet.push({ address: token, abi: mycelTokenAbi, functionName: 'transfer', args: [to, DEVNET_FAUCET_AMOUNT] })
      funded.push(to)
    }
  }
  // Test dollars for paying per request: accounts 0..9 without any get the faucet amount (minted, tUSD has no cap).
  const testUsd = addresses.testUsd
  if (testUsd) {
    const balances = await balancesOf(client, testUsd, holders)
    for (const [i, to] of holders.entries()) {
      if ((balances[i] ?? 0n) > 0n) continue
      faucet.push({ address: testUsd, abi: testUsdAbi, functionName: 'mint', args: [to, DEVNET_TEST_USD_AMOUNT] })
    }
  }
  await sendInSequence(client, faucet as Call[])
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

type Transfer = {
  address: `0x${string}`
  abi: typeof mycelTokenAbi | typeof testUsdAbi
  functionName: 'transfer' | 'mint'
  args: readonly [`0x${string}`, bigint]
}

/** ERC-20 balances of `holders`, read together (a restart only reads them). */
function balancesOf(client: WriteClient, token: `0x${string}`, holders: `0x${string}`[]) {
  return Promise.all(
    holders.map((holder) =>
      readContract(client, { address: token, abi: mycelTokenAbi, functionName: 'balanceOf', args: [holder] }),
    ),
  )
}
