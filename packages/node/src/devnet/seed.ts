/**
 * What a fresh devnet starts with: the built-in subnets, each with its scoring specification stored in the content
 * store and referenced on chain by CID. Miners and validators for them arrive with the inference and incentive
 * capabilities; until then the subnets are empty and anyone can register into them.
 */
import { cidOfBytes, createSubnet, mycelTokenAbi, subnetRegistryAbi, type WriteClient } from '@mycel/sdk'
import { parseEther } from 'viem'
import { readContract, waitForTransactionReceipt, writeContract } from 'viem/actions'
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

export async function seedDevnet(client: WriteClient, registry: `0x${string}`, store: ContentStore) {
  const token = await readContract(client, { address: registry, abi: subnetRegistryAbi, functionName: 'token' })
  for (let i = 1; i <= 9; i++) {
    const hash = await writeContract(client, {
      address: token,
      abi: mycelTokenAbi,
      functionName: 'transfer',
      args: [devnetAccount(i).address, DEVNET_FAUCET_AMOUNT],
      account: client.account,
      chain: client.chain,
    })
    await waitForTransactionReceipt(client, { hash })
  }
  const created = []
  for (const subnet of builtinSubnets) {
    const bytes = new TextEncoder().encode(`${JSON.stringify(subnet.spec, null, 2)}\n`)
    const cid = await cidOfBytes(bytes)
    await store.put(bytes, cid)
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
  return created
}
