/**
 * The upstream backend against a real OpenAI-compatible server: another mycel node's gateway, which itself pays its
 * miner per request. A miner can so resell any OpenAI-compatible API (Ollama, vLLM, llama.cpp server, …).
 */
import { rmSync } from 'node:fs'
import { createServer } from 'node:http'
import { join } from 'node:path'
import type { WriteClient } from '@mycel/sdk'
import { createPublicClient, createWalletClient, http, type PublicClient } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '../../../test/helpers/chain.ts'
import { generateAll } from '../../../test/helpers/generation.ts'
import { type MycelNode, start } from '../src/app/start.ts'
import { createCommon, createLogger } from '../src/common/common.ts'
import { resolveOptions } from '../src/config/options.ts'
import { createContentStore } from '../src/content/contentStore.ts'
import { openDatabase } from '../src/db/database.ts'
import { devnetAccount } from '../src/devnet/accounts.ts'
import { loadModels, ModelSpecError } from '../src/inference/models.ts'
import { fetchOffer, MAX_UNITS_PER_REQUEST } from '../src/inference/offer.ts'
import { startMiner } from '../src/miner/miner.ts'

const dataDir = tempDir('mycel-upstream-')
let node: MycelNode

beforeAll(async () => {
  node = await start(
    { ...resolveOptions({ env: {}, cwd: dataDir }), dataDir, port: 0, minerPort: 0, logLevel: 'silent' },
    { logger: createLogger('silent') },
  )
})
afterAll(async () => {
  await node?.stop()
  rmSync(dataDir, { recursive: true, force: true })
})

describe('upstream backend', () => {
  it('lists the upstream models and streams a chat completion through it, with usage', async () => {
    const models = await loadModels([`${node.url}/v1`])
    expect(models.map((m) => m.id).sort()).toEqual(['digits', 'text'])
    const text = models.find((m) => m.id === 'text')
    // The context the upstream lists (`context_length`) bounds what is asked of it.
    const listed = (await (await fetch(`${node.url}/v1/models/text`)).json()) as { context_length: number }
    expect(text?.text?.contextLength).toBe(listed.context_length)
    expect(text?.text?.maxTokens).toBe(Math.min(4096, listed.context_length))
    const { pieces, usage } = await generateAll(text, {
      messages: [{ role: 'user', content: 'Hello' }],
      maxTokens: 25,
      temperature: 1,
      seed: 3,
    })
    const out = pieces.join('')
    expect(out.length).toBeGreaterThan(0)
    expect(usage.completionTokens).toBe(25)
    expect(usage.promptTokens).toBe('Hello\n'.length)
    // It was paid: the gateway's channel to its miner counted it.
    const payments = (await (await fetch(`${node.url}/api/payments`)).json()) as { gateway: { paidRequests: number } }
    expect(payments.gateway.paidRequests).toBeGreaterThan(0)
  })

  it('refuses model specs it cannot serve, saying why', async () => {
    for (const [spec, reason] of [
      ['http://127.0.0.1:9/v1', /Cannot list the models of the upstream/],
      ['./nope.onnx', /does not exist/],
      ['model.gguf', /does not exist/],
      ['weights.bin', /expected a built-in model/],
      ['bad id!=./x.onnx', /not a valid model id/],
    ] as const) {
      const error = await loadModels([spec]).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ModelSpecError)
      expect((error as Error).message).toMatch(reason)
    }
  })

  it('states a long upstream context within the offer bound, so gateways accept the offer and route to it', async () => {
    // An upstream stating a context longer than an offer may (real models state 1,048,576 or 10M tokens).
    const up = await startListing([{ id: 'long-context', object: 'model', context_length: 2_000_000 }])
    const minerDir = tempDir('mycel-upstream-miner-')
    const db = openDatabase(join(minerDir, 'node.db'))
    try {
      const miner = await startUpstreamMiner(up.url, minerDir, db)
      try {
        expect(miner.offer.models[0]?.contextLength).toBe(MAX_UNITS_PER_REQUEST)
        // What every gateway and validator reads the offer with accepts it.
        const offer = await fetchOffer({ endpoint: miner.url, cid: miner.offerCid, payee: miner.payee })
        expect(offer.models.map((m) => m.id)).toEqual(['long-context'])
        // The gateway finds it in the registry and lists it.
        const gateway = node.roles.gateway
        if (!gateway) throw new Error('the node runs no gateway')
        const deadline = Date.now() + 20_000
        while (!gateway.miners().some((m) => m.endpoint === miner.url)) {
          if (Date.now() > deadline) throw new Error('the gateway did not take the miner in time')
          await new Promise((r) => setTimeout(r, 200))
          await gateway.discover()
        }
        const listed = await fetch(`${node.url}/v1/models/long-context`)
        expect(listed.status).toBe(200)
        expect(await listed.json()).toMatchObject({ id: 'long-context', context_length: MAX_UNITS_PER_REQUEST })
      } finally {
        await miner.stop()
      }
    } finally {
      db.close()
      await up.close()
      rmSync(minerDir, { recursive: true, force: true })
    }
  })

  it('refuses to start with an offer its readers would refuse, naming the field', async () => {
    const up = await startListing([{ id: 'x'.repeat(201), object: 'model' }])
    const minerDir = tempDir('mycel-upstream-miner-')
    const db = openDatabase(join(minerDir, 'node.db'))
    try {
      const error = await startUpstreamMiner(up.url, minerDir, db).catch((e: unknown) => e)
      expect(error).toMatchObject({ code: 'OFFER_INVALID' })
      expect((error as Error).message).toContain(
        "This miner's offer would be refused by every gateway and validator (models.0.id: Too big",
      )
    } finally {
      db.close()
      await up.close()
      rmSync(minerDir, { recursive: true, force: true })
    }
  })
})

/** An OpenAI-compatible `/v1/models` listing `data` (all this test needs of an upstream). */
async function startListing(data: unknown[]) {
  const server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json')
    if (req.url === '/v1/models') res.end(JSON.stringify({ object: 'list', data }))
    else {
      res.statusCode = 404
      res.end('{}')
    }
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/v1`,
    close: () => new Promise((r) => server.close(r)),
  }
}

/** A miner of its own (devnet account 7) reselling the upstream at `url`, registered on the node's chain. */
async function startUpstreamMiner(url: string, dataDir: string, db: ReturnType<typeof openDatabase>) {
  const transport = http(node.rpcUrl)
  return startMiner(createCommon(resolveOptions({ flags: { dataDir, logLevel: 'silent' }, env: {} })), {
    db,
    client: createPublicClient({ transport }) as PublicClient,
    wallet: createWalletClient({ account: devnetAccount(7), transport }) as unknown as WriteClient,
    chainId: node.chainId,
    paymentChannels: node.addresses.paymentChannels,
    registry: node.addresses.subnetRegistry,
    token: node.addresses.testUsd as `0x${string}`,
    models: (await loadModels([url])).map((model) => ({ model, price: { perRequest: 100n, per1kUnits: 0n } })),
    host: '127.0.0.1',
    port: 0,
    subnets: ['auto'],
    store: createContentStore(dataDir),
    policy: { threshold: 10n ** 30n, maxAgeMs: 3_600_000, safetySeconds: 60n, maxBatch: 100 },
    tickMs: 200,
  })
}
