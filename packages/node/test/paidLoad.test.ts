/**
 * Paid requests overlapping on one channel per model, through the gateway of a real node (embedded devnet, its own miner):
 * every one is served while the channel has budget, for metered prices (text: per request plus per token, streamed
 * and not) and per-request prices (digits), and the money agrees afterwards: what the miner served = what the gateway
 * committed = what the miner claims on chain. A client leaving a stream midway does not stop the channel either.
 */
import { rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { getChannel } from '@mycel/sdk'
import { createPublicClient, http } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '../../../test/helpers/chain.ts'
import type { MycelNode } from '../src/app/start.ts'
import { METERED_GRACE_MS } from '../src/payments/meteredInTransit.ts'
import { startTestNode } from './testNode.ts'

const dataDir = tempDir('mycel-paid-load-')
let node: MycelNode

beforeAll(async () => {
  node = await startTestNode(dataDir, { validator: 'off', epochs: 'off' })
})
afterAll(async () => {
  await node?.stop()
  rmSync(dataDir, { recursive: true, force: true })
})

const mnist = createRequire(import.meta.url)('mnist') as Record<number, { get: (i: number) => number[] }>

/** `clients` clients each sending `each` requests back to back; returns the statuses and the first refusal. */
async function load(clients: number, each: number, send: (k: number) => Promise<Response>) {
  const statuses: Record<number, number> = {}
  let firstRefusal: string | undefined
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      for (let i = 0; i < each; i++) {
        const response = await send(client * each + i)
        const text = await response.text()
        statuses[response.status] = (statuses[response.status] ?? 0) + 1
        if (response.status !== 200) firstRefusal ??= text
      }
    }),
  )
  return { statuses, firstRefusal }
}

const post = (path: string, body: unknown) =>
  fetch(`${node.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })

describe('paid requests overlapping on one channel', () => {
  it('serves every one of 600 overlapping metered requests (text, streamed and not)', async () => {
    const result = await load(100, 6, (k) =>
      post('/v1/chat/completions', {
        model: 'text',
        messages: [{ role: 'user', content: `Hello there, number ${k}` }],
        max_tokens: 8,
        ...(k % 3 === 0 ? { stream: true } : {}),
      }),
    )
    expect(result).toEqual({ statuses: { 200: 600 }, firstRefusal: undefined })
  })

  it('serves every one of 600 overlapping per-request-priced requests (digits)', async () => {
    const image = mnist[7]?.get(950)
    const result = await load(100, 6, () =>
      post('/v2/models/digits/infer', { inputs: [{ name: 'input', shape: [1, 784], datatype: 'FP32', data: image }] }),
    )
    expect(result).toEqual({ statuses: { 200: 600 }, firstRefusal: undefined })
  })

  it('agrees on the money, per model channel: served = committed = claimed on chain', async () => {
    const miner = node.roles.miner
    const gateway = node.roles.gateway
    if (!miner || !gateway) throw new Error('the node runs no miner or gateway')
    // The devnet registers both models with terms: each is paid on a model channel of its own. A request's metered
    // cost is paid by the next voucher on its channel: one more digits request (per-request price, nothing metered)
    // leaves digits' channel square; text's last answer leaves its metered cost (read from its receipt) unsigned.
    const image = mnist[1]?.get(900)
    const last = await post('/v2/models/digits/infer', {
      inputs: [{ name: 'input', shape: [1, 784], datatype: 'FP32', data: image }],
    })
    expect(last.status).toBe(200)
    const lastText = await post('/v1/chat/completions', {
      model: 'text',
      messages: [{ role: 'user', content: 'The last one' }],
      max_tokens: 8,
    })
    expect(lastText.status).toBe(200)
    const receipt = ((await lastText.json()) as { mycel: { cost: string } }).mycel
    const textPrice = miner.models.find((m) => m.model.id === 'text')?.price.perRequest ?? 0n
    const tail = BigInt(receipt.cost) - textPrice
    const channels = gateway.ledger.channels()
    expect(channels.map((c) => c.modelId).sort()).toEqual([1n, 2n])
    const requests = { 1: 601, 2: 601 } as Record<string, number>
    for (const channel of channels) {
      const row = miner.ledger.channel(channel.channelId)
      expect(row?.modelId).toBe(channel.modelId)
      expect(row?.servedRequests).toBe(requests[String(channel.modelId)])
      expect(row?.served).toBe(channel.committed)
      expect(row?.best.cumulativeAmount).toBe(channel.committed - (channel.modelId === 2n ? tail : 0n))
    }
    await miner.claimer.claimDue({ all: true })
    const client = createPublicClient({ transport: http(node.rpcUrl) })
    for (const channel of channels) {
      const onChain = await getChannel(client, {
        paymentChannels: node.addresses.paymentChannels,
        channelId: channel.channelId,
      })
      expect(onChain.claimed).toBe(miner.ledger.channel(channel.channelId)?.best.cumulativeAmount)
    }
  })

  it('keeps serving after a client leaves a stream midway (the miner billed tokens the gateway never saw)', async () => {
    const leaving = new AbortController()
    const stream = await fetch(`${node.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'text',
        messages: [{ role: 'user', content: 'Hi' }],
        max_tokens: 2000,
        stream: true,
      }),
      signal: leaving.signal,
    })
    const reader = stream.body?.getReader()
    for (let i = 0; i < 3; i++) await reader?.read()
    leaving.abort()
    // Past the grace, the miner requires what it billed for the cut stream from every voucher.
    await new Promise((r) => setTimeout(r, METERED_GRACE_MS + 500))
    const result = await load(4, 3, () =>
      post('/v1/chat/completions', { model: 'text', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 8 }),
    )
    expect(result).toEqual({ statuses: { 200: 12 }, firstRefusal: undefined })
    const last = await post('/v2/models/digits/infer', {
      inputs: [{ name: 'input', shape: [1, 784], datatype: 'FP32', data: mnist[2]?.get(900) }],
    })
    expect(last.status).toBe(200)
    const [channel] = node.roles.gateway?.ledger.channels() ?? []
    expect(node.roles.miner?.ledger.channel(channel?.channelId ?? 0n)?.served).toBe(channel?.committed)
  })
})
