/**
 * The miner role against a real anvil: 402 with payment requirements, paid digits (KServe v2) and text (OpenAI
 * chat, streamed and not) through a real channel, every kind of bad voucher refused with a stable code and nothing
 * recorded, body and model errors, and claims on chain that pay exactly what the best voucher says.
 *
 * Longer than 400 lines: one miner and one channel on one anvil serve every case.
 */
import { createRequire } from 'node:module'
import {
  type MycelAddresses,
  openChannel,
  requestClose,
  type SignedVoucher,
  setSessionSigner,
  signVoucher,
  type Voucher,
} from '@mycel/sdk'
import { parseEther } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { deployTestContracts, fundAccounts, startTestChain, type TestChain } from '../../../test/helpers/chain.ts'
import { startTestMiner, type TestMiner } from '../../../test/helpers/miner.ts'
import { devnetAccount } from '../src/devnet/accounts.ts'
import { MAX_PROMPT_TOKENS } from '../src/inference/offer.ts'
import { MAX_TEXT_TOKENS } from '../src/inference/onnx.ts'
import { encodeVoucherHeader, VOUCHER_HEADER } from '../src/payments/voucherHeader.ts'

const USD = 1_000_000n
let t: TestChain
let addresses: MycelAddresses
let miner: TestMiner
let channelId: bigint
const payer = 1
const mnist = createRequire(import.meta.url)('mnist') as Record<
  number,
  { length: number; get: (i: number) => number[] }
>
/** The `k`-th held-out image of digit `label` (the model trained on the first 80% of each digit). */
const heldOut = (label: number, k: number) => {
  const d = mnist[label]
  if (!d) throw new Error(`no digit ${label}`)
  return d.get(Math.floor(d.length * 0.8) + k)
}

beforeAll(async () => {
  t = await startTestChain()
  addresses = await deployTestContracts(t)
  await fundAccounts(t, addresses, [1, 2, 3], { myc: parseEther('100'), usd: 1000n * USD })
  miner = await startTestMiner(t, addresses)
  ;({ channelId } = await openChannel(t.wallet(payer), {
    paymentChannels: addresses.paymentChannels,
    payee: miner.payee,
    token: addresses.testUsd as `0x${string}`,
    amount: 10n * USD,
  }))
})
afterAll(async () => {
  await miner?.stop()
  await t?.stop()
})

const domain = () => ({ chainId: 31337, paymentChannels: addresses.paymentChannels })
let requests = 0n
async function voucher(
  amount: bigint,
  over: Partial<Voucher> = {},
  signer: `0x${string}` | number = payer,
  dom = domain(),
) {
  requests += 1n
  const v: Voucher = { channelId, cumulativeAmount: amount, cumulativeRequests: requests, cumulativeUnits: 0n, ...over }
  const account = typeof signer === 'number' ? devnetAccount(signer) : privateKeyToAccount(signer)
  return { ...v, signature: await signVoucher(account, dom, v) } satisfies SignedVoucher
}

const post = (path: string, body: unknown, v?: SignedVoucher, headers: Record<string, string> = {}) =>
  fetch(`${miner.url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(v ? { [VOUCHER_HEADER]: encodeVoucherHeader(v) } : {}),
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })

const digit = (label: number, k = 0) => ({
  inputs: [{ name: 'input', shape: [1, 784], datatype: 'FP32', data: heldOut(label, k) }],
})
const voucherCount = () => (miner.db.prepare('SELECT COUNT(*) AS n FROM miner_vouchers').get() as { n: number }).n
/** What the ledger says this channel owes so far. */
const served = () => miner.ledger.channel(channelId)?.served ?? 0n

describe('miner', () => {
  it('answers a request without a voucher with 402 and machine-readable payment requirements', async () => {
    const response = await post('/v2/models/digits/infer', digit(3))
    expect(response.status).toBe(402)
    const body = await response.json()
    expect(body.error.code).toBe('PAYMENT_REQUIRED')
    expect(body.error.payment).toMatchObject({
      scheme: 'mycel-channel',
      chainId: 31337,
      paymentChannels: addresses.paymentChannels,
      payee: miner.payee,
      token: addresses.testUsd,
      model: 'digits',
      price: { perRequest: '1000', per1kUnits: '0' },
      header: VOUCHER_HEADER,
    })
  })

  it('classifies real MNIST digits through KServe v2 when paid, and records each voucher first', async () => {
    // 20 held-out digits of each class (the model trained on the first 80% of each), in one batch of 200.
    const labels = Array.from({ length: 200 }, (_, i) => i % 10)
    const data = labels.flatMap((label, i) => heldOut(label, Math.floor(i / 10)))
    const before = voucherCount()
    const response = await post(
      '/v2/models/digits/infer',
      { inputs: [{ name: 'input', shape: [200, 784], datatype: 'FP32', data }] },
      await voucher(served() + 1_000n),
    )
    expect(response.status).toBe(200)
    const body = await response.json()
    expect(body.outputs[0].shape).toEqual([200, 10])
    const probabilities = body.outputs[0].data as number[]
    const correct = labels.filter((label, i) => {
      const row = probabilities.slice(i * 10, i * 10 + 10)
      return row.indexOf(Math.max(...row)) === label
    }).length
    expect(correct / 200).toBeGreaterThan(0.85) // the model's held-out accuracy is 91.9%
    expect(voucherCount()).toBe(before + 1)
    expect(body.mycel.cost).toBe('1000')
    for (const label of [0, 7]) {
      const one = await post('/v2/models/digits/infer', digit(label), await voucher(served() + 1_000n))
      expect(one.status).toBe(200)
    }
    expect(served()).toBe(3_000n)
  })

  it('generates text for chat completions, metered per token, streamed or not', async () => {
    const before = served()
    const response = await post(
      '/v1/chat/completions',
      { model: 'text', messages: [{ role: 'user', content: 'Hello there' }], max_tokens: 40, seed: 7 },
      await voucher(before + 100n),
    )
    expect(response.status).toBe(200)
    const body = await response.json()
    expect(body.object).toBe('chat.completion')
    expect(body.choices[0].message.content.length).toBeGreaterThan(0)
    const tokens = body.usage.total_tokens as number
    expect(body.usage.prompt_tokens).toBe('Hello there\n'.length)
    // Price up front plus ceil(tokens × 1000 / 1000) metered.
    expect(served()).toBe(before + 100n + BigInt(tokens))

    // Right after the answer, a voucher without its metered cost still pays (signed before the answer arrived, as
    // when requests overlap); once the answer had time to arrive (the test miner's grace: 300 ms), it must be paid.
    const overlapping = await post(
      '/v1/chat/completions',
      { model: 'text', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 5 },
      await voucher(before + 200n),
    )
    expect(overlapping.status).toBe(200)
    await new Promise((r) => setTimeout(r, 350))
    const owed = served()
    const stale = await post(
      '/v1/chat/completions',
      { model: 'text', messages: [{ role: 'user', content: 'Hi' }], stream: true },
      await voucher(before + 300n),
    )
    expect(stale.status).toBe(402)
    const underpaid = await stale.json()
    expect(underpaid.error.code).toBe('UNDERPAID')
    expect(underpaid.error.payment.requiredAmount).toBe((owed + 100n).toString())
    expect(served()).toBe(owed)

    const stream = await post(
      '/v1/chat/completions',
      {
        model: 'text',
        messages: [{ role: 'user', content: 'Hi' }],
        stream: true,
        stream_options: { include_usage: true },
        max_tokens: 30,
      },
      await voucher(served() + 100n),
    )
    expect(stream.status).toBe(200)
    expect(stream.headers.get('content-type')).toContain('text/event-stream')
    const events = (await stream.text())
      .split('\n')
      .filter((l) => l.startsWith('data: '))
      .map((l) => l.slice(6))
    expect(events.at(-1)).toBe('[DONE]')
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e))
    const content = chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('')
    const usage = chunks.at(-1).usage
    expect(usage.completion_tokens).toBe(30)
    expect(content.length).toBe(30)
    expect(chunks.at(-2).choices[0].finish_reason).toBe('length')
  })

  it('refuses bad vouchers with a stable code and records nothing', async () => {
    const price = () => served() + 1_000n
    const cases: [string, () => Promise<SignedVoucher | string>, number, string][] = [
      ['malformed', async () => 'not json', 400, 'INVALID_VOUCHER'],
      [
        'bad signature',
        async () => ({ ...(await voucher(price())), signature: `0x${'11'.repeat(65)}` as const }),
        400,
        'INVALID_SIGNATURE',
      ],
      [
        'wrong chain',
        () => voucher(price(), {}, payer, { chainId: 1, paymentChannels: addresses.paymentChannels }),
        402,
        'UNAUTHORIZED_SIGNER',
      ],
      [
        'wrong contract',
        () => voucher(price(), {}, payer, { chainId: 31337, paymentChannels: addresses.mycelToken }),
        402,
        'UNAUTHORIZED_SIGNER',
      ],
      ['unknown channel', () => voucher(price(), { channelId: 999n }), 402, 'UNKNOWN_CHANNEL'],
      ['unauthorized signer', () => voucher(price(), {}, 3), 402, 'UNAUTHORIZED_SIGNER'],
      ['underpaid', () => voucher(served()), 402, 'UNDERPAID'],
      ['over the deposit', () => voucher(11n * USD), 402, 'INSUFFICIENT_DEPOSIT'],
      ['usage going down', () => voucher(price(), { cumulativeRequests: 0n }), 400, 'USAGE_DECREASED'],
    ]
    for (const [name, make, status, code] of cases) {
      const before = voucherCount()
      const v = await make()
      const response = await fetch(`${miner.url}/v2/models/digits/infer`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [VOUCHER_HEADER]: typeof v === 'string' ? v : encodeVoucherHeader(v),
        },
        body: JSON.stringify(digit(1)),
      })
      const body = await response.json()
      expect({ name, status: response.status, code: body.error.code }).toEqual({ name, status, code })
      expect(voucherCount()).toBe(before)
    }
    // A channel that pays someone else.
    const other = await openChannel(t.wallet(payer), {
      paymentChannels: addresses.paymentChannels,
      payee: t.wallet(3).account.address,
      token: addresses.testUsd as `0x${string}`,
      amount: USD,
    })
    const wrongPayee = await post(
      '/v2/models/digits/infer',
      digit(1),
      await voucher(1_000n, { channelId: other.channelId }),
    )
    expect((await wrongPayee.json()).error.code).toBe('WRONG_PAYEE')

    // Replay: the same voucher twice pays once.
    const good = await voucher(price())
    expect((await post('/v2/models/digits/infer', digit(1), good)).status).toBe(200)
    const replay = await post('/v2/models/digits/infer', digit(1), good)
    expect(replay.status).toBe(402)
    expect((await replay.json()).error.code).toBe('VOUCHER_REPLAYED')
  })

  it('accepts a session key within its cap, and refuses it above the cap', async () => {
    const hot = generatePrivateKey()
    await setSessionSigner(t.wallet(payer), {
      paymentChannels: addresses.paymentChannels,
      channelId,
      signer: privateKeyToAccount(hot).address,
      cap: 5n * USD,
    })
    await miner.cache.poll()
    expect((await post('/v2/models/digits/infer', digit(2), await voucher(served() + 1_000n, {}, hot))).status).toBe(
      200,
    )
    const over = await post('/v2/models/digits/infer', digit(2), await voucher(6n * USD, {}, hot))
    expect((await over.json()).error.code).toBe('SESSION_CAP_EXCEEDED')

    // A key that is only scheduled is refused: the payer could still cancel it and void what it signed.
    const next = generatePrivateKey()
    await setSessionSigner(t.wallet(payer), {
      paymentChannels: addresses.paymentChannels,
      channelId,
      signer: privateKeyToAccount(next).address,
      cap: 5n * USD,
    })
    await miner.cache.poll()
    const early = await post('/v2/models/digits/infer', digit(2), await voucher(served() + 1_000n, {}, next))
    expect((await early.json()).error.code).toBe('SESSION_KEY_PENDING')
    // The current key still pays until shortly before the change applies.
    expect((await post('/v2/models/digits/infer', digit(2), await voucher(served() + 1_000n, {}, hot))).status).toBe(
      200,
    )
    // A scheduled lower cap for the same key binds at once.
    await setSessionSigner(t.wallet(payer), {
      paymentChannels: addresses.paymentChannels,
      channelId,
      signer: privateKeyToAccount(hot).address,
      cap: served() + 2_000n,
    })
    await miner.cache.poll()
    const capped = await post('/v2/models/digits/infer', digit(2), await voucher(served() + 3_000n, {}, hot))
    expect((await capped.json()).error.code).toBe('SESSION_CAP_EXCEEDED')
    expect((await post('/v2/models/digits/infer', digit(2), await voucher(served() + 1_000n))).status).toBe(200)
  })

  it('gives 404 for an unknown model, 413 for an oversized body, 400 for a malformed request', async () => {
    const unknown = await post('/v2/models/nope/infer', digit(1))
    expect(unknown.status).toBe(404)
    expect((await unknown.json()).error.code).toBe('MODEL_NOT_FOUND')
    const chatUnknown = await post('/v1/chat/completions', {
      model: 'gpt-9',
      messages: [{ role: 'user', content: 'x' }],
    })
    expect(chatUnknown.status).toBe(404)
    const big = await post('/v1/chat/completions', 'x'.repeat(2 << 20))
    expect(big.status).toBe(413)
    expect((await big.json()).error.code).toBe('BODY_TOO_LARGE')
    const shape = await post('/v2/models/digits/infer', {
      inputs: [{ name: 'input', shape: [1, 783], datatype: 'FP32', data: new Array(783).fill(0) }],
    })
    expect((await shape.json()).error.code).toBe('WRONG_SHAPE')
    const longPrompt = await post('/v1/chat/completions', {
      model: 'text',
      messages: [{ role: 'user', content: 'x'.repeat(40_000) }],
    })
    expect((await longPrompt.json()).error.code).toBe('PROMPT_TOO_LONG')
    const batch = await post('/v2/models/digits/infer', {
      inputs: [{ name: 'input', shape: [5000, 784], datatype: 'FP32', data: [] }],
    })
    expect(batch.status).toBe(400)
    const deep = `${'['.repeat(50_000)}0${']'.repeat(50_000)}`
    const nested = await post(
      '/v2/models/digits/infer',
      `{"inputs":[{"name":"input","shape":[1,784],"datatype":"FP32","data":${deep}}]}`,
    )
    expect(nested.status).toBe(400)
    expect((await nested.json()).error.message).toMatch(/nested deeper/)
    const notJson = await post('/v1/chat/completions', '{')
    expect((await notJson.json()).error.code).toBe('INVALID_JSON')
    // What no mycel miner implements is refused by name before payment is asked for, not silently ignored.
    const structured = await post('/v1/chat/completions', {
      model: 'text',
      messages: [{ role: 'user', content: 'x' }],
      response_format: { type: 'json_object' },
    })
    expect(structured.status).toBe(400)
    expect((await structured.json()).error).toMatchObject({
      code: 'UNSUPPORTED_FIELD',
      param: 'response_format',
      message: 'response_format: structured output (json_object, json_schema) is not supported; only {"type": "text"}',
    })
    const image = await post('/v1/chat/completions', {
      model: 'text',
      messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'http://x/y.png' } }] }],
    })
    expect((await image.json()).error).toMatchObject({
      code: 'UNSUPPORTED_FIELD',
      message:
        'messages.0.content.0.type: "image_url" content parts are not supported; the models served here take text parts only',
    })
    const listed = (await (await fetch(`${miner.url}/v1/models`)).json()) as {
      data: { id: string; context_length: number | null }[]
    }
    expect(Object.fromEntries(listed.data.map((m) => [m.id, m.context_length]))).toEqual({
      digits: null,
      text: MAX_PROMPT_TOKENS + MAX_TEXT_TOKENS,
    })
    expect(miner.offer.models.find((m) => m.id === 'text')?.contextLength).toBe(MAX_PROMPT_TOKENS + MAX_TEXT_TOKENS)
  })

  it('claims the best voucher on chain, once, and the payee is paid exactly that', async () => {
    const best = miner.ledger.channel(channelId)?.best.cumulativeAmount ?? 0n
    const claim = await miner.claimer.claimDue({ all: true })
    expect(claim?.paid).toBe(best)
    expect(miner.ledger.channel(channelId)?.claimed).toBe(best)
    expect(await miner.claimer.claimDue({ all: true })).toBeUndefined()
  })

  it('claims inside the window when the payer requests a close with a stale voucher outstanding', async () => {
    const v = await voucher(served() + 1_000n)
    expect((await post('/v2/models/digits/infer', digit(5), v)).status).toBe(200)
    await requestClose(t.wallet(payer), { paymentChannels: addresses.paymentChannels, channelId })
    // The miner's tick sees the close request and claims without being asked.
    const deadline = Date.now() + 10_000
    while (miner.ledger.channel(channelId)?.claimed !== v.cumulativeAmount && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100))
    }
    expect(miner.ledger.channel(channelId)?.claimed).toBe(v.cumulativeAmount)
    const closing = await post('/v2/models/digits/infer', digit(5), await voucher(served() + 1_000n))
    expect((await closing.json()).error.code).toBe('CHANNEL_CLOSING')
  })

  it('claims the other channels when one voucher in a batch is refused by the contract', async () => {
    // A second miner that never claims on its own (its tick is an hour).
    const lazy = await startTestMiner(t, addresses, { payeeIndex: 3, tickMs: 3_600_000 })
    try {
      const open = async () =>
        (
          await openChannel(t.wallet(payer), {
            paymentChannels: addresses.paymentChannels,
            payee: lazy.payee,
            token: addresses.testUsd as `0x${string}`,
            amount: USD,
          })
        ).channelId
      const [good, late] = [await open(), await open()]
      const paid: Record<string, SignedVoucher> = {}
      for (const id of [good, late]) {
        const v = { channelId: id, cumulativeAmount: 1_000n, cumulativeRequests: 1n, cumulativeUnits: 0n }
        paid[String(id)] = { ...v, signature: await signVoucher(devnetAccount(payer), domain(), v) }
        const response = await fetch(`${lazy.url}/v2/models/digits/infer`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            [VOUCHER_HEADER]: encodeVoucherHeader(paid[String(id)] as SignedVoucher),
          },
          body: JSON.stringify(digit(3)),
        })
        expect(response.status).toBe(200)
      }
      // The payer closes `late` and its window passes before the miner claims: that voucher can no longer pay.
      await requestClose(t.wallet(payer), { paymentChannels: addresses.paymentChannels, channelId: late })
      await t.increaseTime(3601)
      await lazy.cache.poll()
      const result = await lazy.claimer.claimDue({ all: true })
      expect(result?.paid).toBe(1_000n)
      expect(lazy.ledger.channel(good)?.claimed).toBe(1_000n)
      expect(lazy.ledger.channel(late)?.claimed).toBe(0n)
    } finally {
      await lazy.stop()
    }
  })
})
