/**
 * Reading a miner's offer from the network (inference/offer.ts): every kind of bad offer is refused with a named
 * error that says what was wrong, by `fetchOffer` itself and, on a real node, by both of its readers: the gateway
 * (which then does not route to that miner) and the validator (which records the error as the miner's last error).
 */

import { rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { Writable } from 'node:stream'
import { cidOfBytes, registerNeuron } from '@mycel/sdk'
import { createWalletClient, http } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '../../../test/helpers/chain.ts'
import type { MycelNode } from '../src/app/start.ts'
import { createLogger } from '../src/common/common.ts'
import { devnetAccount } from '../src/devnet/accounts.ts'
import { fetchOffer, MAX_OFFER_BYTES, type MinerOffer, OfferError } from '../src/inference/offer.ts'
import { startTestNode } from './testNode.ts'

const PAYEE = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC'
const CHANNELS = '0x5FbDB2315678afecb367f032d93F642f64180aa3'
const good: MinerOffer = {
  kind: 'mycel/miner-offer',
  version: 1,
  chainId: 31337,
  paymentChannels: CHANNELS,
  payee: PAYEE,
  token: '0x0000000000000000000000000000000000000001',
  endpoint: 'http://127.0.0.1:1',
  models: [
    {
      id: 'text',
      task: 'text-generation',
      backend: 'onnx',
      description: 'a model',
      price: { perRequest: '100', per1kUnits: '1000' },
      unit: 'token',
      maxUnitsPerRequest: 34816,
    },
  ],
}
const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value))
const malformed = encode({ ...good, models: [{ ...good.models[0], price: { perRequest: '1e3', per1kUnits: '0' } }] })
/** Valid JSON, one byte over the cap: the size alone refuses it. */
const oversized = encode({ ...good, padding: 'x'.repeat(MAX_OFFER_BYTES - encode(good).length) })

/** What the server answers under each path prefix (then `/v1/mycel/offer`). */
const routes: Record<string, (res: import('node:http').ServerResponse) => void> = {
  good: (res) => res.end(encode(good)),
  malformed: (res) => res.end(malformed),
  oversized: (res) => res.end(oversized),
  // The same, sent in chunks without announcing a length: refused while reading, not after.
  chunked: (res) => {
    res.writeHead(200, { 'transfer-encoding': 'chunked' })
    const chunk = new Uint8Array(64 * 1024)
    let sent = 0
    const more = () => {
      while (sent < 4 * MAX_OFFER_BYTES) {
        sent += chunk.length
        if (!res.write(chunk)) return res.once('drain', more)
      }
      res.end()
    }
    res.on('error', () => undefined)
    more()
  },
  'not-json': (res) => res.end('{"kind": "mycel/miner-offer", '),
  status: (res) => {
    res.statusCode = 500
    res.end('{}')
  },
  slow: () => undefined, // never answers
  // A refused offer that counts its reads (the gateway's discovery test).
  counted: (res) => {
    countedReads += 1
    res.end(malformed)
  },
}
let countedReads = 0
let server: Server
let base: string
beforeAll(async () => {
  server = createServer((req, res) => {
    const prefix = req.url?.split('/')[1] ?? ''
    const route = req.url === `/${prefix}/v1/mycel/offer` ? routes[prefix] : undefined
    if (route) route(res)
    else {
      res.statusCode = 404
      res.end()
    }
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise((r) => server.close(r))
})

const refusal = (p: Parameters<typeof fetchOffer>[0]) =>
  fetchOffer(p).then(
    () => 'accepted',
    (e: unknown) => (e instanceof OfferError ? { code: e.code, message: e.shortMessage } : e),
  )

describe('fetchOffer', () => {
  it('reads a good offer, checked against its CID, the network and the payee', async () => {
    const offer = await fetchOffer({
      endpoint: `${base}/good/`,
      cid: await cidOfBytes(encode(good)),
      network: { chainId: 31337, paymentChannels: CHANNELS },
      payee: PAYEE.toLowerCase(),
    })
    expect(offer).toEqual(good)
  })

  it('refuses every kind of bad offer with a named error that says what was wrong', async () => {
    const cid = await cidOfBytes(encode(good))
    const at = (path: string) => `The offer of ${base}/${path} was refused`
    expect(await refusal({ endpoint: `${base}/malformed`, cid: await cidOfBytes(malformed) })).toEqual({
      code: 'OFFER_INVALID',
      message: `${at('malformed')}: models.0.price.perRequest: expected a whole number of token units as a decimal string, e.g. "1000".`,
    })
    expect(await refusal({ endpoint: `${base}/oversized`, cid: await cidOfBytes(oversized) })).toEqual({
      code: 'OFFER_TOO_LARGE',
      message: `${at('oversized')}: it is larger than ${MAX_OFFER_BYTES} bytes.`,
    })
    expect(await refusal({ endpoint: `${base}/chunked`, cid })).toEqual({
      code: 'OFFER_TOO_LARGE',
      message: `${at('chunked')}: it is larger than ${MAX_OFFER_BYTES} bytes.`,
    })
    const notJson = new TextEncoder().encode('{"kind": "mycel/miner-offer", ')
    expect(await refusal({ endpoint: `${base}/not-json`, cid: await cidOfBytes(notJson) })).toEqual({
      code: 'OFFER_NOT_JSON',
      message: `${at('not-json')}: it is not UTF-8 JSON.`,
    })
    expect(await refusal({ endpoint: `${base}/good`, cid: await cidOfBytes(malformed) })).toEqual({
      code: 'OFFER_CID_MISMATCH',
      message: `${at('good')}: its bytes hash to ${cid}, not the CID ${await cidOfBytes(malformed)} on chain.`,
    })
    expect(await refusal({ endpoint: `${base}/status`, cid })).toEqual({
      code: 'OFFER_HTTP_STATUS',
      message: `${at('status')}: it answered HTTP 500.`,
    })
    expect(await refusal({ endpoint: `${base}/slow`, cid, timeoutMs: 200 })).toEqual({
      code: 'OFFER_TIMEOUT',
      message: `${at('slow')}: it did not arrive within 200 ms.`,
    })
    expect(await refusal({ endpoint: 'ftp://127.0.0.1/offer', cid })).toEqual({
      code: 'OFFER_INVALID_ENDPOINT',
      message: 'The offer of ftp://127.0.0.1/offer was refused: the endpoint is not an http(s) URL.',
    })
    expect(await refusal({ endpoint: 'http://127.0.0.1:9', cid })).toMatchObject({ code: 'OFFER_UNREACHABLE' })
    expect(
      await refusal({ endpoint: `${base}/good`, cid, network: { chainId: 1, paymentChannels: CHANNELS } }),
    ).toEqual({
      code: 'OFFER_WRONG_NETWORK',
      message: `${at('good')}: it is for chain 31337 / contract ${CHANNELS}, not chain 1 / contract ${CHANNELS}.`,
    })
    expect(await refusal({ endpoint: `${base}/good`, cid, payee: CHANNELS })).toEqual({
      code: 'OFFER_WRONG_PAYEE',
      message: `${at('good')}: it pays ${PAYEE}, not the registered hotkey ${CHANNELS}.`,
    })
  })
})

describe('on a real node, both readers of offers', () => {
  const dataDir = tempDir('mycel-offer-')
  const lines: string[] = []
  let node: MycelNode
  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk))
        done()
      },
    })
    node = await startTestNode(
      dataDir,
      { pollIntervalMs: 100, logLevel: 'warn', epochs: 'off', validatorIntervalMs: 500 },
      createLogger('warn', sink),
    )
  })
  afterAll(async () => {
    await node?.stop()
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('refuse a malformed and an oversized offer with a clear error: the gateway and the validator', async () => {
    const bad = [
      { account: 8, path: 'malformed', bytes: malformed, reason: 'models.0.price.perRequest: expected a whole number' },
      { account: 9, path: 'oversized', bytes: oversized, reason: `it is larger than ${MAX_OFFER_BYTES} bytes` },
    ]
    for (const b of bad) {
      const wallet = createWalletClient({ account: devnetAccount(b.account), transport: http(node.rpcUrl) })
      await registerNeuron(wallet as never, {
        registry: node.addresses.subnetRegistry,
        netuid: 1,
        role: 'miner',
        endpoint: `${base}/${b.path}`,
        metadataCid: await cidOfBytes(b.bytes),
      })
    }
    const gateway = node.roles.gateway
    const validator = node.incentives.validators[0]
    if (!gateway || !validator) throw new Error('the node runs no gateway or validator')
    const deadline = Date.now() + 30_000
    const scoreOf = (account: number) =>
      validator.scores(1n).find((s) => s.hotkey.toLowerCase() === devnetAccount(account).address.toLowerCase())
    for (;;) {
      await gateway.discover()
      const rejected = bad.every((b) => lines.some((l) => l.includes('miner offer rejected') && l.includes(b.path)))
      if (rejected && bad.every((b) => scoreOf(b.account)?.lastError)) break
      if (Date.now() > deadline) throw new Error(`not refused in time; log: ${lines.join('')}`)
      await new Promise((r) => setTimeout(r, 200))
    }
    const miners = gateway.miners().map((m) => m.endpoint)
    for (const b of bad) {
      const message = `The offer of ${base}/${b.path} was refused: ${b.reason}`
      // The gateway: not routed to, and the log says why.
      expect(miners).not.toContain(`${base}/${b.path}`)
      const logged = lines
        .map((l) => JSON.parse(l))
        .find((l) => l.msg === 'miner offer rejected' && l.endpoint === `${base}/${b.path}`)
      expect(logged.err).toContain(message)
      expect(logged.code).toBe(b.path === 'malformed' ? 'OFFER_INVALID' : 'OFFER_TOO_LARGE')
      // The validator: the miner's last error, and no score.
      expect(scoreOf(b.account)?.lastError).toContain(message)
      expect(scoreOf(b.account)?.score).toBe(0)
    }
  })
})

describe("the gateway's discovery", () => {
  const dataDir = tempDir('mycel-discovery-')
  let node: MycelNode
  beforeAll(async () => {
    // Only the gateway reads offers here, so the reads counted are its own.
    node = await startTestNode(dataDir, { pollIntervalMs: 100, epochs: 'off', validator: 'off' })
  })
  afterAll(async () => {
    await node?.stop()
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('reads a refused offer once for many requests naming an unknown model, and still answers 404', async () => {
    const wallet = createWalletClient({ account: devnetAccount(8), transport: http(node.rpcUrl) })
    await registerNeuron(wallet as never, {
      registry: node.addresses.subnetRegistry,
      netuid: 1,
      role: 'miner',
      endpoint: `${base}/counted`,
      metadataCid: await cidOfBytes(malformed),
    })
    const hotkey = devnetAccount(8).address.toLowerCase()
    for (const deadline = Date.now() + 20_000; ; ) {
      const network = await (await fetch(`${node.url}/api/network`)).text()
      if (network.toLowerCase().includes(hotkey)) break
      if (Date.now() > deadline) throw new Error('the neuron was not indexed in time')
      await new Promise((r) => setTimeout(r, 100))
    }
    const gateway = node.roles.gateway
    if (!gateway) throw new Error('the node runs no gateway')
    const unknown = () => fetch(`${node.url}/v1/models/gpt-none`)
    const before = countedReads
    // Concurrent requests share one discovery, which reads the offer once and remembers its refusal.
    const answers = await Promise.all(Array.from({ length: 10 }, unknown))
    const discoveries = gateway.stats().discoveries
    // Later requests (a few seconds of them, one after another) do not read it again, nor each go through the index.
    for (let i = 0; i < 5; i++) answers.push(await unknown())
    expect(countedReads - before).toBe(1)
    // One at most: the node's own rediscovery (every 10 s) may fall in between.
    expect(gateway.stats().discoveries - discoveries).toBeLessThanOrEqual(1)
    for (const answer of answers) {
      expect(answer.status).toBe(404)
      expect(await answer.json()).toMatchObject({
        error: { code: 'MODEL_NOT_FOUND', param: 'model', type: 'invalid_request_error' },
      })
    }
  })
})
