/**
 * Compute-to-data on a real node (embedded devnet, the node's vault, trainer and verifier): real MNIST digits sealed
 * into the vault and registered as a tensor dataset; its owner trusts the node's trainer and verifier with compute
 * grants; a buyer posts a job on the dataset through ComputeToData, paying the training price to the owner in the same
 * transaction; the owner approves its spec. The trainer enrols its grant, gets the key wrapped to its own account from
 * the owner's node, trains; the verifier re-executes on the same sealed data and agrees; the trainer accepts through
 * ComputeToData, which hands the buyer the model and credits it the rest of its budget. The buyer's training grant gets no key, and the vault's log names every release.
 */
import { heldOutSplit } from '@mycel/models/held-out'
import {
  approveDataJob,
  dataRequestBody,
  dataRequestDomain,
  getDataJobOrder,
  getDataJobOwed,
  getDataOwed,
  getEnrolledGrant,
  getTrainingJob,
  issueGrant,
  modelRegistryAbi,
  postDataJob,
  signDataRequest,
  testUsdAbi,
  type WriteClient,
  writeContractAndWait,
} from '@mycel/sdk'
import { chainSpec, datasetOf, type MlpSpec } from '@mycel/training'
import { createPublicClient, createWalletClient, http } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '../../../test/helpers/chain.ts'
import type { MycelNode } from '../src/app/start.ts'
import { createContentStore } from '../src/content/contentStore.ts'
import { readReleases } from '../src/db/stores/vault.ts'
import { devnetAccount } from '../src/devnet/accounts.ts'
import { demoModelTerms } from '../src/devnet/trainingDemo.ts'
import { encodeDataset } from '../src/training/dataset.ts'
import { openVault, registerSealed, sealDataset, type Vault } from '../src/vault/vault.ts'
import { startTrainingTestNode } from './testNode.ts'

const dataDir = tempDir('mycel-c2d-')
let node: MycelNode
let vault: Vault
const owner = devnetAccount(8)
const buyer = devnetAccount(9)
const trainer = devnetAccount(10)
const verifier = devnetAccount(11)
const TRAINING_PRICE = 7_000n
const wallet = (account: typeof owner) =>
  createWalletClient({ account, chain: undefined, transport: http(node.rpcUrl) }) as unknown as WriteClient

const spec: MlpSpec = {
  layers: [784, 8, 10],
  optimizer: { kind: 'sgd', learningRate: 0.05, momentum: 0.9 },
  batchSize: 8,
  seed: 9,
}

beforeAll(async () => {
  node = await startTrainingTestNode(dataDir, { seed: false })
  vault = await openVault(dataDir)
}, 120_000)

afterAll(async () => {
  vault?.close()
  await node?.stop()
})

describe('compute-to-data on a node', () => {
  it('trains on sealed records for a buyer who never sees them; the owner is paid, the buyer gets the model', async () => {
    const { addresses } = node
    const testUsd = addresses.testUsd as `0x${string}`
    const client = createPublicClient({ transport: http(node.rpcUrl) })
    // The owner's records: 512 real MNIST digits, sealed into this node's vault.
    const data = datasetOf(heldOutSplit().train.slice(0, 512), 784)
    const store = createContentStore(dataDir)
    const sealed = await sealDataset(vault, store, {
      bytes: encodeDataset(data, 784),
      name: 'digits',
      layout: { format: 'tensor', width: 784 },
      label: 'label',
      classes: 10,
    })
    store.close()
    const { datasetId } = await registerSealed(vault, wallet(owner), {
      chainId: node.chainId,
      datasetRegistry: addresses.datasetRegistry,
      sealed,
      license: 'CC-BY-SA-3.0',
      provider: node.url,
      terms: {
        currency: testUsd,
        offers: ['training'],
        grantDuration: 0,
        accessPrice: 0n,
        trainingPrice: TRAINING_PRICE,
        recordPrice: 0n,
        queryPrice: 0n,
      },
      contributors: [],
    })
    // The owner trusts the node's trainer and verifier with its data.
    for (const grantee of [trainer, verifier])
      await issueGrant(wallet(owner), {
        accessGrants: addresses.accessGrants,
        datasetId,
        kind: 'compute',
        grantee: grantee.address,
        duration: 0n,
      })
    await writeContractAndWait(wallet(devnetAccount(0)), {
      address: testUsd,
      abi: testUsdAbi,
      functionName: 'mint',
      args: [buyer.address, 10n ** 9n],
    })
    const budget = 1_000_000n
    const { jobId, grantId, dataPrice } = await postDataJob(wallet(buyer), {
      computeToData: addresses.computeToData,
      datasetRegistry: addresses.datasetRegistry,
      datasetId,
      spec: chainSpec(spec, {
        steps: 40,
        checkpointEvery: 10,
        datasetRoot: sealed.recordsRoot,
        datasetCount: sealed.recordCount,
      }),
      market: {
        token: testUsd,
        budget,
        bond: 10n ** 19n,
        biddingTime: 3,
        revealTime: 3,
        trainingTime: 600,
        challengeWindow: 15,
        disputeClock: 60,
      },
      terms: demoModelTerms(testUsd),
      specCid: sealed.schemaCid,
    })
    expect(dataPrice).toBe(TRAINING_PRICE)
    // The owner reads the spec and approves it: the providers it trusts may bid from now on.
    await approveDataJob(wallet(owner), { computeToData: addresses.computeToData, jobId })
    // The owner was paid when the job was posted.
    expect(
      await getDataOwed(client, { accessGrants: addresses.accessGrants, token: testUsd, account: owner.address }),
    ).toBe(TRAINING_PRICE)

    let job = await getTrainingJob(client, { trainingJobs: addresses.trainingJobs, jobId })
    for (let i = 0; i < 360 && job.status !== 'accepted'; i++) {
      await new Promise((r) => setTimeout(r, 500))
      job = await getTrainingJob(client, { trainingJobs: addresses.trainingJobs, jobId })
    }
    const overview = (await (await fetch(`${node.url}/api/training`)).json()) as {
      verifier: { checked: { jobId: string; verdict: string }[] }
    }
    expect(job.status, JSON.stringify(overview)).toBe('accepted')
    expect(job.provider).toBe(trainer.address)
    expect(job.datasetCid).toBe(sealed.cid)
    expect(overview.verifier.checked).toContainEqual(
      expect.objectContaining({ jobId: jobId.toString(), verdict: 'agrees' }),
    )
    // The trainer and the verifier enrolled their compute grants (to bid, to be able to challenge).
    expect(
      await getEnrolledGrant(client, { computeToData: addresses.computeToData, datasetId, provider: trainer.address }),
    ).toBeGreaterThan(0n)
    expect(
      await getEnrolledGrant(client, { computeToData: addresses.computeToData, datasetId, provider: verifier.address }),
    ).toBeGreaterThan(0n)

    // Accepted through ComputeToData, the model went to the buyer at once, and the budget the bid did not use is its.
    const order = await getDataJobOrder(client, { computeToData: addresses.computeToData, jobId })
    expect(order).toMatchObject({ buyer: buyer.address, datasetId, grantId, settled: true, modelDelivered: true })
    expect(
      await client.readContract({
        address: addresses.modelRegistry,
        abi: modelRegistryAbi,
        functionName: 'ownerOf',
        args: [job.modelId],
      }),
    ).toBe(buyer.address)
    expect(
      await getDataJobOwed(client, { computeToData: addresses.computeToData, token: testUsd, account: buyer.address }),
    ).toBe(budget - job.price)

    // The lineage of the dataset names the job and the model it produced.
    const lineage = (await (await fetch(`${node.url}/api/lineage/${sealed.cid}`)).json()) as {
      found: string
      edges: { from: string; to: string; relation: string }[]
    }
    expect(lineage.found).toBe('dataset')
    expect(lineage.edges).toEqual(
      expect.arrayContaining([
        { from: `dataset:${datasetId}`, to: `job:${jobId}`, relation: 'trained in' },
        { from: `job:${jobId}`, to: `model:${job.modelId}`, relation: 'produced' },
      ]),
    )

    // The buyer's training grant opens nothing: its key request is refused and logged.
    const issuedAt = Math.floor(Date.now() / 1000)
    const refused = await fetch(`${node.url}/api/data/keys`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grantId: grantId.toString(),
        issuedAt,
        signature: await signDataRequest(buyer, dataRequestDomain(node.chainId, addresses.accessGrants), {
          grantId,
          action: 'key',
          body: dataRequestBody(''),
          issuedAt: BigInt(issuedAt),
        }),
      }),
    })
    expect(refused.status).toBe(403)
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('NO_KEY_FOR_KIND')
    const releases = readReleases(vault.db, { limit: 50, chainId: node.chainId, datasetId: datasetId.toString() })
    const released = releases.filter((r) => r.released).map((r) => r.requester)
    expect(released).toContain(trainer.address)
    expect(released).toContain(verifier.address)
    expect(released).not.toContain(buyer.address)
  }, 240_000)
})
