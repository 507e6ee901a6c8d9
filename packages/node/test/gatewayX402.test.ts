/**
 * The gateway speaks x402 (docs/x402.md, "The gateway"), end to end on the embedded devnet with the node's real
 * miner and gateway:
 * - `gatewayCharge: 'x402'`: a client built only on the official @x402/fetch + @x402/evm pays the gateway per request;
 *   its TestUSD falls by exactly the charge (the best-ranked miner's most cost plus the markup), the gateway's wallet
 *   rises by it, the miner is paid through its channel as before, and the answer is the model's; a replayed
 *   authorization, a wrong payee, asset or chain and a low amount are refused with their X402_* code, nothing
 *   forwarded and nothing moved.
 * - `gatewayCharge: 'free'`: when the budget is spent, the BUDGET_EXHAUSTED 402 is a PaymentRequired that @x402/core
 *   parses, and a paid retry is served (topping a channel up by just what it needs), the deposits staying within
 *   the budget plus what clients paid.
 */
import { rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { testUsdAbi } from '@mycel/sdk'
import { decodePaymentRequiredHeader, decodePaymentResponseHeader, encodePaymentSignatureHeader } from '@x402/core/http'
import { parsePaymentRequired } from '@x402/core/schemas'
import type { PaymentPayload, PaymentRequired, PaymentRequirements } from '@x402/core/types'
import { ExactEvmScheme } from '@x402/evm/exact/client'
import { wrapFetchWithPaymentFromConfig } from '@x402/fetch'
import fc from 'fast-check'
import { type Address, createPublicClient, http, type PublicClient } from 'viem'
import type { LocalAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '../../../test/helpers/chain.ts'
import type { MycelNode } from '../src/app/start.ts'
import { resolveOptions } from '../src/config/options.ts'
import { devnetAccount } from '../src/devnet/accounts.ts'
import { chargeFor } from '../src/gateway/charge.ts'
import type { Gateway } from '../src/gateway/gateway.ts'
import { gatewayRoutes } from '../src/http/openapi/gateway.ts'
import { maxUnitsOf } from '../src/inference/offer.ts'
import type { Miner } from '../src/miner/miner.ts'
import { maxRequestCost } from '../src/payments/pricing.ts'
import { startTestNode } from './testNode.ts'

/** The devnet's model id of `digits` (devnet/models.ts registers digits, text, digits-1000 in that order). */
const DIGITS_MODEL_ID = 1n
const mnist = createRequire(import.meta.url)('mnist') as Record<
  number,
  { length: number; get: (i: number) => number[] }
>
const digit = (label: number) => {
  const d = mnist[label]
  if (!d) throw new Error(`no digit ${label}`)
  return { inputs: [{ name: 'input', shape: [1, 784], datatype: 'FP32', data: d.get(Math.floor(d.length * 0.8)) }] }
}
/** The gateway pays (devnet account 1), the node's miner is paid (account 2); the client is account 5. */
const [GATEWAY, MINER, CLIENT] = [devnetAccount(1), devnetAccount(2), devnetAccount(5) as LocalAccount]
const MARKUP_BPS = 250

type World = { node: MycelNode; gateway: Gateway; miner: Miner; usd: Address; client: PublicClient }

async function world(dataDir: string, options: Parameters<typeof startTestNode>[1]): Promise<World> {
  const node = await startTestNode(dataDir, {
    validator: 'off',
    epochs: 'off',
    minerModels: ['digits', 'text'],
    devnetBlockSeconds: 0,
    ...options,
  })
  const { gateway, miner } = node.roles
  if (!gateway || !miner) throw new Error('the node runs no gateway or no miner')
  await gateway.charge.ready()
  const client = createPublicClient({ transport: http(node.rpcUrl) })
  return { node, gateway, miner, usd: node.addresses.testUsd as Address, client }
}

/** Checks a gateway answer against its OpenAPI document (gatewayRoutes): status, body schema and code documented. */
function documented(method: 'post', path: string, status: number, body: unknown) {
  const spec = gatewayRoutes.find((r) => r.method === method && r.path === path)
  const response = (
    (spec?.responses ?? {}) as Record<
      string,
      { description: string; content: Record<string, { schema: { safeParse: (v: unknown) => { success: boolean } } }> }
    >
  )[String(status)]
  expect(response, `${path} ${status} is not documented`).toBeDefined()
  expect(response?.content['application/json']?.schema.safeParse(body).success).toBe(true)
  const code = (body as { error?: { code?: string } }).error?.code
  if (code) expect(response?.description).toContain(`\`${code}\``)
}

const helpers = (w: () => World) => {
  const balanceOf = (who: Address) =>
    w().client.readContract({ address: w().usd, abi: testUsdAbi, functionName: 'balanceOf', args: [who] })
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${w().node.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    })
  /** The gateway's channel to the node's miner: what the gateway committed to pay, and what the miner served. */
  const channel = () => {
    // digits has terms on the devnet (registered first: model id 1), so it is paid on its own model channel.
    const c = w().gateway.ledger.forPayee(MINER.address, w().usd, DIGITS_MODEL_ID)
    if (!c) throw new Error('no digits channel to the miner')
    return { id: c.channelId, committed: c.committed, served: w().miner.ledger.channel(c.channelId)?.served ?? 0n }
  }
  const pay = () =>
    wrapFetchWithPaymentFromConfig(fetch, {
      schemes: [{ network: 'eip155:*', client: new ExactEvmScheme(CLIENT) }],
      spendControls: {
        allowedAssets: [{ network: 'eip155:31337', asset: w().usd, maxAmountPerPayment: '1000000' }],
      },
    })
  return { balanceOf, post, channel, pay }
}

describe('chargeFor: what a client pays the gateway', () => {
  it('is the cost plus the markup rounded up: never below the cost, the markup never lost nor more than one unit over', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 128n }), fc.integer({ min: 0, max: 100_000 }), (cost, bps) => {
        const amount = chargeFor(cost, bps)
        const markup = amount - cost
        // markup = ceil(cost × bps / 10,000)
        expect(markup * 10_000n >= cost * BigInt(bps)).toBe(true)
        expect(markup === 0n || (markup - 1n) * 10_000n < cost * BigInt(bps)).toBe(true)
        expect(chargeFor(cost, 0)).toBe(cost)
        expect(chargeFor(cost + 1n, bps)).toBeGreaterThan(amount)
        expect(chargeFor(cost, bps + 1)).toBeGreaterThanOrEqual(amount)
      }),
      { numRuns: 2_000 },
    )
  })
  it('refuses a negative cost or a fractional or negative markup by name', () => {
    expect(() => chargeFor(-1n, 0)).toThrow('cost must not be negative, got -1')
    expect(() => chargeFor(1n, 1.5)).toThrow('markupBps must be a whole number')
    expect(() => chargeFor(1n, -1)).toThrow('markupBps must be a whole number')
  })
})

describe('the two settings', () => {
  it('default to free and no markup; come from flags or environment; refuse bad values naming the setting', () => {
    expect(resolveOptions({ env: {} })).toMatchObject({ gatewayCharge: 'free', gatewayMarkupBps: 0 })
    expect(resolveOptions({ env: { MYCEL_GATEWAY_CHARGE: 'x402', MYCEL_GATEWAY_MARKUP_BPS: '250' } })).toMatchObject({
      gatewayCharge: 'x402',
      gatewayMarkupBps: 250,
    })
    expect(resolveOptions({ env: {}, flags: { gatewayCharge: 'x402' } }).gatewayCharge).toBe('x402')
    expect(() => resolveOptions({ env: {}, flags: { gatewayCharge: 'paid' } })).toThrow(/--gateway-charge/)
    expect(() => resolveOptions({ env: { MYCEL_GATEWAY_MARKUP_BPS: '-1' } })).toThrow(/gatewayMarkupBps/)
  })
})

describe("gatewayCharge 'x402': every paid request carries an x402 payment", () => {
  const dataDir = tempDir('mycel-gateway-x402-')
  let w: World
  const { balanceOf, post, channel, pay } = helpers(() => w)
  beforeAll(async () => {
    w = await world(dataDir, { gatewayCharge: 'x402', gatewayMarkupBps: MARKUP_BPS })
  }, 120_000)
  afterAll(async () => {
    await w?.node.stop()
    rmSync(dataDir, { recursive: true, force: true })
  })

  const digitsCost = () => {
    const served = w.miner.models.find((m) => m.model.id === 'digits')
    if (!served) throw new Error('no digits model')
    return maxRequestCost(served.price, BigInt(maxUnitsOf(served.model)))
  }
  async function required(path = '/v2/models/digits/infer', body: unknown = digit(1)): Promise<PaymentRequired> {
    const response = await post(path, body)
    expect(response.status).toBe(402)
    return decodePaymentRequiredHeader(response.headers.get('PAYMENT-REQUIRED') ?? '')
  }

  it('answers 402 with a PaymentRequired offering exact to its payer wallet, for the most cost plus the markup', async () => {
    const before = channel()
    const response = await post('/v2/models/digits/infer', digit(1))
    expect(response.status).toBe(402)
    const header = decodePaymentRequiredHeader(response.headers.get('PAYMENT-REQUIRED') ?? '')
    expect(parsePaymentRequired(header).success).toBe(true)
    const amount = chargeFor(digitsCost(), MARKUP_BPS)
    expect(amount).toBe(digitsCost() + (digitsCost() * 250n + 9_999n) / 10_000n)
    expect(header.accepts).toEqual([
      {
        scheme: 'exact',
        network: 'eip155:31337',
        amount: amount.toString(),
        asset: w.usd,
        payTo: GATEWAY.address,
        maxTimeoutSeconds: 120,
        extra: {
          name: 'Test USD',
          version: '1',
          assetTransferMethod: 'eip3009',
          mycel: { model: 'digits', miner: MINER.address, cost: digitsCost().toString(), markupBps: MARKUP_BPS },
        },
      },
    ])
    const body = await response.json()
    expect(body.error.code).toBe('PAYMENT_REQUIRED')
    documented('post', '/v2/models/{name}/infer', 402, body)
    expect({ x402Version: body.x402Version, resource: body.resource, accepts: body.accepts }).toEqual({
      x402Version: 2,
      resource: header.resource,
      accepts: header.accepts,
    })
    // Nothing was forwarded.
    expect(channel()).toEqual(before)

    // A text model: the most a request can cost (price + the most metered tokens), with the markup.
    const text = w.miner.models.find((m) => m.model.id === 'text')
    if (!text) throw new Error('no text model')
    const chat = await required('/v1/chat/completions', { model: 'text', messages: [{ role: 'user', content: 'Hi' }] })
    expect(chat.accepts[0]?.amount).toBe(
      chargeFor(maxRequestCost(text.price, BigInt(maxUnitsOf(text.model))), MARKUP_BPS).toString(),
    )
  })

  it('a client on @x402/fetch + @x402/evm pays the gateway exactly the charge; the miner is paid through its channel', async () => {
    const amount = chargeFor(digitsCost(), MARKUP_BPS)
    const price = w.miner.models.find((m) => m.model.id === 'digits')?.price.perRequest as bigint
    const fetchPaying = pay()
    for (const label of [3, 7]) {
      const [clientBefore, gatewayBefore, minerChannel, rows] = [
        await balanceOf(CLIENT.address),
        await balanceOf(GATEWAY.address),
        channel(),
        w.gateway.charge.received(),
      ]
      const response = await fetchPaying(`${w.node.url}/v2/models/digits/infer`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(digit(label)),
      })
      expect(response.status).toBe(200)
      const body = await response.json()
      const probabilities = body.outputs[0].data as number[]
      expect(probabilities.indexOf(Math.max(...probabilities))).toBe(label)
      expect(await balanceOf(CLIENT.address)).toBe(clientBefore - amount)
      expect(await balanceOf(GATEWAY.address)).toBe(gatewayBefore + amount)
      expect(w.gateway.charge.received()).toBe(rows + amount)
      // The miner was paid as before: one voucher more on the same channel, for its price.
      const after = channel()
      expect(after.id).toBe(minerChannel.id)
      expect(after.committed).toBe(minerChannel.committed + price)
      expect(after.served).toBe(minerChannel.served + price)
      const settlement = decodePaymentResponseHeader(response.headers.get('PAYMENT-RESPONSE') ?? '')
      expect(settlement).toMatchObject({ success: true, payer: CLIENT.address, amount: amount.toString() })
      const receipt = await w.client.getTransactionReceipt({ hash: settlement.transaction as `0x${string}` })
      expect(receipt.status).toBe('success')
      // Persisted before the answer: the payment's row was settled, to the gateway, when the response arrived.
      expect(w.gateway.charge.payments(1)[0]).toMatchObject({
        status: 'settled',
        transaction: settlement.transaction,
        payTo: GATEWAY.address.toLowerCase(),
        amount,
      })
    }
    // Streamed text: the settlement header comes with the event stream.
    const streamed = await fetchPaying(`${w.node.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'text', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 4, stream: true }),
    })
    expect(streamed.status).toBe(200)
    expect(decodePaymentResponseHeader(streamed.headers.get('PAYMENT-RESPONSE') ?? '').success).toBe(true)
    expect((await streamed.text()).trim().endsWith('data: [DONE]')).toBe(true)
  })

  /** A payment as @x402/evm signs it for `requirements` (possibly tampered with). */
  async function signed(requirements: PaymentRequirements): Promise<PaymentPayload> {
    const r = await required()
    const { payload } = await new ExactEvmScheme(CLIENT).createPaymentPayload(2, requirements)
    return { x402Version: 2, resource: r.resource, accepted: requirements, payload }
  }
  const paidWith = (p: PaymentPayload) =>
    post('/v2/models/digits/infer', digit(1), { 'PAYMENT-SIGNATURE': encodePaymentSignatureHeader(p) })

  async function refused(p: PaymentPayload, code: string) {
    const [client, gateway, before, received] = [
      await balanceOf(CLIENT.address),
      await balanceOf(GATEWAY.address),
      channel(),
      w.gateway.charge.received(),
    ]
    const response = await paidWith(p)
    expect(response.status).toBe(402)
    const body = await response.json()
    expect(body.error.code).toBe(code)
    documented('post', '/v2/models/{name}/infer', 402, body)
    expect(body.outputs).toBeUndefined()
    expect(body.accepts[0].payTo).toBe(GATEWAY.address)
    expect(response.headers.get('PAYMENT-REQUIRED')).toBeTruthy()
    expect(await balanceOf(CLIENT.address)).toBe(client)
    expect(await balanceOf(GATEWAY.address)).toBe(gateway)
    expect(channel()).toEqual(before)
    expect(w.gateway.charge.received()).toBe(received)
  }

  it('refuses a replay, a wrong payee, asset or chain and a low amount with their X402_* code, forwarding nothing', async () => {
    const exact = (await required()).accepts[0] as PaymentRequirements
    const once = await signed(exact)
    expect((await paidWith(once)).status).toBe(200)
    await refused(once, 'X402_REPLAYED')
    await refused(await signed({ ...exact, payTo: MINER.address }), 'X402_WRONG_PAY_TO')
    await refused(await signed({ ...exact, asset: w.node.addresses.mycelToken }), 'X402_WRONG_ASSET')
    await refused(await signed({ ...exact, network: 'eip155:1' }), 'X402_WRONG_NETWORK')
    await refused(await signed({ ...exact, amount: (BigInt(exact.amount) - 1n).toString() }), 'X402_AMOUNT_TOO_LOW')
    await refused(await signed({ ...exact, amount: (BigInt(exact.amount) + 1n).toString() }), 'X402_AMOUNT_MISMATCH')
    // An amount the gateway offered, but for another model, is not taken for this one.
    const textAmount = (
      await required('/v1/chat/completions', { model: 'text', messages: [{ role: 'user', content: 'Hi' }] })
    ).accepts[0]?.amount as string
    await refused(await signed({ ...exact, amount: textAmount }), 'X402_AMOUNT_MISMATCH')
    const garbage = await post('/v2/models/digits/infer', digit(1), { 'PAYMENT-SIGNATURE': 'not base64 json' })
    expect(garbage.status).toBe(400)
    const unreadable = await garbage.json()
    expect(unreadable.error.code).toBe('X402_INVALID_PAYLOAD')
    documented('post', '/v2/models/{name}/infer', 400, unreadable)
    // A paid request whose body is no inference request is refused before its payment is settled.
    const bad = await post('/v2/models/digits/infer', [1], {
      'PAYMENT-SIGNATURE': encodePaymentSignatureHeader(await signed(exact)),
    })
    expect(bad.status).toBe(400)
    expect((await bad.json()).error.code).toBe('INVALID_REQUEST')
  })
})

describe("gatewayCharge 'free': a spent budget asks for x402, and a paid retry is served", () => {
  const dataDir = tempDir('mycel-gateway-free-')
  let w: World
  const { post, channel, pay, balanceOf } = helpers(() => w)
  const BUDGET = 4_000n
  beforeAll(async () => {
    // digits costs 1,000 a request: channels of 2,000 within 4,000 serve four requests, then the budget is spent.
    w = await world(dataDir, {
      minerModels: ['digits'],
      gatewayBudget: BUDGET.toString(),
      gatewayChannelDeposit: '2000',
    })
  }, 120_000)
  afterAll(async () => {
    await w?.node.stop()
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('serves free until the budget is spent; the BUDGET_EXHAUSTED 402 parses with @x402/core; a paid retry is served', async () => {
    for (let i = 0; i < 4; i++) expect((await post('/v2/models/digits/infer', digit(i))).status).toBe(200)
    expect(w.gateway.stats().deposited).toBe(BUDGET)
    const spent = await post('/v2/models/digits/infer', digit(4))
    expect(spent.status).toBe(402)
    const body = await spent.json()
    expect(body.error.code).toBe('BUDGET_EXHAUSTED')
    documented('post', '/v2/models/{name}/infer', 402, body)
    const header = decodePaymentRequiredHeader(spent.headers.get('PAYMENT-REQUIRED') ?? '')
    const parsed = parsePaymentRequired(header)
    expect(parsed.success).toBe(true)
    expect(header.accepts).toHaveLength(1)
    expect(header.accepts[0]).toMatchObject({ scheme: 'exact', amount: '1000', asset: w.usd, payTo: GATEWAY.address })
    expect(body.accepts).toEqual(header.accepts)

    const [client, before] = [await balanceOf(CLIENT.address), channel()]
    const paid = await pay()(`${w.node.url}/v2/models/digits/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(digit(5)),
    })
    expect(paid.status, await paid.clone().text()).toBe(200)
    const answer = await paid.json()
    const probabilities = answer.outputs[0].data as number[]
    expect(probabilities.indexOf(Math.max(...probabilities))).toBe(5)
    expect(decodePaymentResponseHeader(paid.headers.get('PAYMENT-RESPONSE') ?? '').success).toBe(true)
    expect(await balanceOf(CLIENT.address)).toBe(client - 1_000n)
    expect(channel().served).toBe(before.served + 1_000n)
    // The budget rule: the channel was topped up by what the request needed (not a whole 2,000 deposit), and the
    // deposits stay within the budget plus what clients paid.
    expect(w.gateway.charge.received()).toBe(1_000n)
    expect(w.gateway.stats().deposited).toBe(BUDGET + 1_000n)
    // Unpaid again: spent again.
    expect((await post('/v2/models/digits/infer', digit(6))).status).toBe(402)
  })

  it('after a restart, what clients paid still counts toward the budget (read back from x402_payments)', async () => {
    await w.node.stop()
    w = await world(dataDir, {
      minerModels: ['digits'],
      gatewayBudget: BUDGET.toString(),
      gatewayChannelDeposit: '2000',
    })
    expect(w.gateway.charge.received()).toBe(1_000n)
    expect(w.gateway.stats().deposited).toBe(BUDGET + 1_000n)
    expect((await post('/v2/models/digits/infer', digit(7))).status).toBe(402)
  }, 120_000)
})
