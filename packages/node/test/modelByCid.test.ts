/**
 * Serving a model of the market by its weights' CID (markets/modelByCid.ts) against a real node with the seeded
 * market: found by weights CID and served under its card name, fetched (verified) from a peer when the local store
 * lacks it (the node's /ipfs routes), its registered format enforced, and an unregistered CID refused by name; and
 * a validator's reference weights fetched through the content store's verified peer fetch.
 */
import { rmSync } from 'node:fs'
import { registerModel } from '@mycel/sdk'
import { createPublicClient, createWalletClient, http } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '../../../test/helpers/chain.ts'
import type { MycelNode } from '../src/app/start.ts'
import { createContentStore } from '../src/content/contentStore.ts'
import { devnetAccount } from '../src/devnet/accounts.ts'
import type { CatalogAnswer } from '../src/markets/catalog.ts'
import { ModelByCidError } from '../src/markets/errors.ts'
import { isModelCid, loadModelByCid } from '../src/markets/modelByCid.ts'
import { createMinerClient } from '../src/validator/minerClient.ts'
import { startTestNode } from './testNode.ts'

const dataDir = tempDir('mycel-model-cid-')
const peerDir = tempDir('mycel-model-cid-peer-')
let node: MycelNode
let catalog: CatalogAnswer

beforeAll(async () => {
  node = await startTestNode(dataDir, { validator: 'off', epochs: 'off' })
  catalog = (await (await fetch(`${node.url}/api/models`)).json()) as CatalogAnswer
}, 120_000)
afterAll(async () => {
  await node?.stop()
  rmSync(dataDir, { recursive: true, force: true })
  rmSync(peerDir, { recursive: true, force: true })
})

describe('--model <cid>', () => {
  it('tells CIDs from other specs', () => {
    expect(isModelCid(catalog.models[0]?.weightsCid as string)).toBe(true)
    expect(isModelCid('QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG')).toBe(true)
    for (const spec of ['digits', 'text', 'model.onnx', 'http://127.0.0.1:11434/v1', 'bafy-not-a-cid']) {
      expect(isModelCid(spec), spec).toBe(false)
    }
  })

  it('fetches the weights from a peer, verified, and serves them under the card name', async () => {
    const derivative = catalog.models.find((m) => m.name === 'digits-1000')
    expect(derivative).toBeDefined()
    const store = createContentStore(peerDir, { peers: { peers: () => [node.url] } })
    const reader = createPublicClient({ transport: http(node.rpcUrl) })
    try {
      expect(await store.get(derivative?.weightsCid as string)).toBeUndefined()
      const model = await loadModelByCid(derivative?.weightsCid as string, {
        client: reader as never,
        store,
        modelRegistry: node.addresses.modelRegistry as `0x${string}`,
      })
      try {
        expect(model.id).toBe('digits-1000')
        expect(model.backend).toBe('onnx')
        // Now pinned here: a restart serves it without a peer.
        expect(store.ls().map((p) => p.cid)).toContain(derivative?.weightsCid)
      } finally {
        await model.close()
      }
    } finally {
      store.close()
    }
  })

  it('refuses an unregistered CID and a model registered in another format', async () => {
    const reader = createPublicClient({ transport: http(node.rpcUrl) })
    const store = createContentStore(tempDir('mycel-model-cid-own-'))
    try {
      const { cid } = await store.addBytes(new TextEncoder().encode('not a model'))
      const unregistered = loadModelByCid(cid, {
        client: reader as never,
        store,
        modelRegistry: node.addresses.modelRegistry as `0x${string}`,
      })
      await expect(unregistered).rejects.toBeInstanceOf(ModelByCidError)
      await expect(unregistered).rejects.toThrow(/no model in the ModelRegistry has these weights/)
      const wallet = createWalletClient({ account: devnetAccount(5), transport: http(node.rpcUrl) })
      await registerModel(wallet as never, {
        modelRegistry: node.addresses.modelRegistry as `0x${string}`,
        weightsCid: cid,
        cardCid: cid,
        format: 'safetensors',
      })
      await expect(
        loadModelByCid(cid, {
          client: reader as never,
          store,
          modelRegistry: node.addresses.modelRegistry as `0x${string}`,
        }),
      ).rejects.toThrow(/registered as "safetensors"; a miner serves onnx or gguf/)
    } finally {
      store.close()
    }
  })
})

describe("the validator's reference weights (validator/minerClient.ts)", () => {
  it("come through the content store's verified peer fetch, not only the miner's content route", async () => {
    const digits = catalog.models.find((m) => m.name === 'digits')
    const store = createContentStore(tempDir('mycel-model-cid-validator-'), { peers: { peers: () => [node.url] } })
    const client = createMinerClient({
      account: devnetAccount(7),
      chainId: node.chainId,
      registry: node.addresses.subnetRegistry,
      timeoutMs: 10_000,
      store,
    })
    try {
      // An endpoint that answers nothing: only the store's peers can provide the weights.
      const model = await client.reference(digits?.weightsCid as string, 'http://127.0.0.1:9/')
      expect(model.backend).toBe('onnx')
      expect(store.ls().map((p) => p.cid)).toContain(digits?.weightsCid)
    } finally {
      await client.close()
      store.close()
    }
  })
})
