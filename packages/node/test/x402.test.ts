/**
 * x402 against a real miner on anvil: the 402 is an x402 v2 PaymentRequired (checked with @x402/core's own schema)
 * offering mycel-channel and exact; a client built only on the official @x402/fetch + @x402/evm (knowing nothing of
 * mycel) pays per request and gets the model's answer while the miner's TestUSD balance rises by exactly the price;
 * and every bad payment — replayed, wrong chain, asset, payee, amount too low, expired, signed by someone else,
 * unfunded, malformed — is refused with its stable code, nothing served, nothing moved, nothing recorded twice.
 */
import { createRequire } from 'node:module'
import { type MycelAddresses, testUsdAbi, writeContractAndWait } from '@mycel/sdk'
import { decodePaymentRequiredHeader, decodePaymentResponseHeader, encodePaymentSignatureHeader } from '@x402/core/http'
import { parsePaymentRequired } from '@x402/core/schemas'
import type { PaymentPayload, PaymentRequired, PaymentRequirements } from '@x402/core/types'
import { ExactEvmScheme } from '@x402/evm/exact/client'
import { wrapFetchWithPaymentFromConfig } from '@x402/fetch'
import { type Address, parseEther } from 'viem'
import { generatePrivateKey, type LocalAccount, privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { deployTestContracts, fundAccounts, startTestChain, type TestChain } from '../../../test/helpers/chain.ts'
import { startTestMiner, type TestMiner } from '../../../test/helpers/miner.ts'
import { devnetAccount } from '../src/devnet/accounts.ts'
import { maxUnitsOf } from '../src/inference/offer.ts'
import { maxRequestCost } from '../src/payments/pricing.ts'
import { VOUCHER_HEADER } from '../src/payments/voucherHeader.ts'

const USD = 1_000_000n
let t: TestChain
let addresses: MycelAddresses
let miner: TestMiner
let usd: Address
const payer = devnetAccount(3) as LocalAccount
const mallory = privateKeyToAccount(generatePrivateKey())
const mnist = createRequire(import.meta.url)('mnist') as Record<
  number,
  { length: number; get: (i: number) => number[] }
>
const digit = (label: number) => {
  const d = mnist[label]
  if (!d) throw new Error(`no digit ${label}`)
  return { inputs: [{ name: 'input', shape: [1, 784], datatype: 'FP32', data: d.get(Math.floor(d.length * 0.8)) }] }
}

beforeAll(async () => {
  t = await startTestChain()
  addresses = await deployTestContracts(t)
  await fundAccounts(t, addresses, [1, 2, 3], { myc: parseEther('1'), usd: 100n * USD })
  usd = addresses.testUsd as Address
  miner = await startTestMiner(t, addresses)
})
afterAll(async () => {
  await miner?.stop()
  await t?.stop()
})

const balanceOf = (who: Address) =>
  t.publicClient.readContract({ address: usd, abi: testUsdAbi, functionName: 'balanceOf', args: [who] })
const payments = () => (miner.db.prepare('SELECT COUNT(*) AS n FROM x402_payments').get() as { n: number }).n
const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${miner.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  })

/** The miner's 402 for `path`, decoded from its PAYMENT-REQUIRED header. */
async function required(path = '/v2/models/digits/infer', body: unknown = digit(1)): Promise<PaymentRequired> {
  const response = await post(path, body)
  expect(response.status).toBe(402)
  return decodePaymentRequiredHeader(response.headers.get('PAYMENT-REQUIRED') ?? '')
}
const exactOf = (r: PaymentRequired) => r.accepts.find((a) => a.scheme === 'exact') as PaymentRequirements

/** A PaymentPayload as @x402/evm's exact client signs it, for `requirements` (possibly tampered with). */
async function signed(requirements: PaymentRequirements, signer: LocalAccount = payer): Promise<PaymentPayload> {
  const r = await required()
  const { payload } = await new ExactEvmScheme(signer).createPaymentPayload(2, requirements)
  return { x402Version: 2, resource: r.resource, accepted: requirements, payload }
}
const paidWith = (p: PaymentPayload) =>
  post('/v2/models/digits/infer', digit(1), { 'PAYMENT-SIGNATURE': encodePaymentSignatureHeader(p) })

/** Sends a refused payment and checks: 402 `code`, nothing served, no token moved, nothing recorded. */
async function refused(p: PaymentPayload, code: string, recorded = 0) {
  const [before, rows] = [await balanceOf(miner.payee), payments()]
  const response = await paidWith(p)
  expect(response.status).toBe(402)
  const body = await response.json()
  expect(body.error.code).toBe(code)
  expect(body.outputs).toBeUndefined()
  expect(body.x402Version).toBe(2)
  expect(response.headers.get('PAYMENT-REQUIRED')).toBeTruthy()
  expect(await balanceOf(miner.payee)).toBe(before)
  expect(payments()).toBe(rows + recorded)
  return body
}

describe('x402', () => {
  it('answers 402 with an x402 v2 PaymentRequired (valid for @x402/core) offering mycel-channel and exact, and keeps error.payment', async () => {
    const response = await post('/v2/models/digits/infer', digit(1))
    expect(response.status).toBe(402)
    const header = decodePaymentRequiredHeader(response.headers.get('PAYMENT-REQUIRED') ?? '')
    const parsed = parsePaymentRequired(header)
    expect(parsed.success).toBe(true)
    expect(header.x402Version).toBe(2)
    expect(header.resource.url).toBe(`${miner.url}/v2/models/digits/infer`)
    expect(header.accepts.map((a) => a.scheme)).toEqual(['mycel-channel', 'exact'])
    const [channel, exact] = header.accepts
    expect(channel).toMatchObject({ network: 'eip155:31337', amount: '1000', asset: usd, payTo: miner.payee })
    expect(channel?.extra).toMatchObject({ paymentChannels: addresses.paymentChannels, header: VOUCHER_HEADER })
    expect(exact).toEqual({
      scheme: 'exact',
      network: 'eip155:31337',
      amount: '1000',
      asset: usd,
      payTo: miner.payee,
      maxTimeoutSeconds: 120,
      extra: { name: 'Test USD', version: '1', assetTransferMethod: 'eip3009' },
    })
    const body = await response.json()
    expect(body.error.code).toBe('PAYMENT_REQUIRED')
    expect(body.error.payment).toMatchObject({ scheme: 'mycel-channel', model: 'digits', payee: miner.payee })
    expect({ x402Version: body.x402Version, resource: body.resource, accepts: body.accepts }).toEqual({
      x402Version: header.x402Version,
      resource: header.resource,
      accepts: header.accepts,
    })
  })

  it('exact costs the price per request plus the most a request can be metered (text: 100 + max tokens)', async () => {
    const text = miner.models.find((m) => m.model.id === 'text')
    if (!text) throw new Error('no text model')
    const r = await required('/v1/chat/completions', { model: 'text', messages: [{ role: 'user', content: 'Hi' }] })
    const expected = maxRequestCost(text.price, BigInt(maxUnitsOf(text.model)))
    expect(expected).toBeGreaterThan(text.price.perRequest)
    expect(exactOf(r).amount).toBe(expected.toString())
  })

  it('a client on @x402/fetch + @x402/evm alone pays per request: the miner gains exactly the price each time and the answer is the model output', async () => {
    const sent: string[] = []
    const recording: typeof fetch = (input, init) => {
      const signature = (
        typeof input === 'object' && 'headers' in input ? input.headers : new Headers(init?.headers)
      ).get('PAYMENT-SIGNATURE')
      if (signature) sent.push(signature)
      return fetch(input, init)
    }
    const pay = wrapFetchWithPaymentFromConfig(recording, {
      schemes: [{ network: 'eip155:*', client: new ExactEvmScheme(payer) }],
      spendControls: { allowedAssets: [{ network: 'eip155:31337', asset: usd, maxAmountPerPayment: '1000000' }] },
    })
    for (const label of [3, 7, 0]) {
      const [minerBefore, payerBefore, rows] = [
        await balanceOf(miner.payee),
        await balanceOf(payer.address),
        payments(),
      ]
      const response = await pay(`${miner.url}/v2/models/digits/infer`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(digit(label)),
      })
      expect(response.status).toBe(200)
      const body = await response.json()
      const probabilities = body.outputs[0].data as number[]
      expect(body.outputs[0].shape).toEqual([1, 10])
      expect(probabilities.indexOf(Math.max(...probabilities))).toBe(label)
      expect(body.mycel.cost).toBe('1000')
      expect(await balanceOf(miner.payee)).toBe(minerBefore + 1_000n)
      expect(await balanceOf(payer.address)).toBe(payerBefore - 1_000n)
      const settlement = decodePaymentResponseHeader(response.headers.get('PAYMENT-RESPONSE') ?? '')
      expect(settlement).toMatchObject({ success: true, network: 'eip155:31337', payer: payer.address })
      const receipt = await t.publicClient.getTransactionReceipt({ hash: settlement.transaction as `0x${string}` })
      expect(receipt.status).toBe('success')
      // Persisted before the answer: the row was settled when the response arrived.
      expect(payments()).toBe(rows + 1)
      const row = miner.db.prepare('SELECT status, tx_hash FROM x402_payments ORDER BY rowid DESC LIMIT 1').get()
      expect(row).toEqual({ status: 'settled', tx_hash: settlement.transaction })
    }

    // A text model: the exact price is its maximal cost, and the answer is generated text.
    const before = await balanceOf(miner.payee)
    const chat = await pay(`${miner.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'text', messages: [{ role: 'user', content: 'Hello' }], max_tokens: 10 }),
    })
    expect(chat.status).toBe(200)
    const answer = await chat.json()
    expect(answer.choices[0].message.content.length).toBeGreaterThan(0)
    expect(await balanceOf(miner.payee)).toBe(before + BigInt(answer.mycel.cost))
    // Streamed: the settlement header comes with the event stream.
    const streamed = await pay(`${miner.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'text', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 5, stream: true }),
    })
    expect(streamed.status).toBe(200)
    expect(streamed.headers.get('content-type')).toContain('text/event-stream')
    expect(decodePaymentResponseHeader(streamed.headers.get('PAYMENT-RESPONSE') ?? '').success).toBe(true)
    expect((await streamed.text()).trim().endsWith('data: [DONE]')).toBe(true)

    // Replaying an authorization that paid: refused with X402_REPLAYED, nothing recorded twice, nothing moved.
    const first = sent[0]
    if (!first) throw new Error('no payment sent')
    const replay = await post('/v2/models/digits/infer', digit(1), { 'PAYMENT-SIGNATURE': first })
    const rows = payments()
    const before2 = await balanceOf(miner.payee)
    expect(replay.status).toBe(402)
    expect((await replay.json()).error.code).toBe('X402_REPLAYED')
    expect(payments()).toBe(rows)
    expect(await balanceOf(miner.payee)).toBe(before2)
  })

  it('refuses a replay sent twice at once: one request is served, the other gets X402_REPLAYED', async () => {
    const p = await signed(exactOf(await required()))
    const before = await balanceOf(miner.payee)
    const [a, b] = await Promise.all([paidWith(p), paidWith(p)])
    expect([a.status, b.status].sort()).toEqual([200, 402])
    const refusal = await (a.status === 402 ? a : b).json()
    expect(refusal.error.code).toBe('X402_REPLAYED')
    expect(await balanceOf(miner.payee)).toBe(before + 1_000n)
  })

  it('serves an authorization a front-runner used first (it paid the miner), but not a nonce the payer spent elsewhere or canceled', async () => {
    const good = exactOf(await required())
    const domain = { name: 'Test USD', version: '1', chainId: 31337, verifyingContract: usd }
    const authorizationOf = (p: PaymentPayload) => {
      const a = p.payload.authorization as Record<string, string>
      return {
        from: a.from as Address,
        to: a.to as Address,
        value: BigInt(a.value ?? 0),
        validAfter: BigInt(a.validAfter ?? 0),
        validBefore: BigInt(a.validBefore ?? 0),
        nonce: a.nonce as `0x${string}`,
      }
    }
    // A third party submits the client's authorization first: the miner was paid, so it serves, once.
    const frontRun = await signed(good)
    const a = authorizationOf(frontRun)
    const { hash } = await writeContractAndWait(t.wallet(1), {
      address: usd,
      abi: testUsdAbi,
      functionName: 'transferWithAuthorization',
      args: [a.from, a.to, a.value, a.validAfter, a.validBefore, a.nonce, frontRun.payload.signature as `0x${string}`],
    })
    const before = await balanceOf(miner.payee)
    const served = await paidWith(frontRun)
    expect(served.status).toBe(200)
    expect(decodePaymentResponseHeader(served.headers.get('PAYMENT-RESPONSE') ?? '').transaction).toBe(hash)
    expect(await balanceOf(miner.payee)).toBe(before)
    expect((await paidWith(frontRun)).status).toBe(402)

    // The payer spends the nonce on a ReceiveWithAuthorization paying an accomplice: same nonce, not a payment to
    // the miner — refused.
    const trick = await signed(good)
    const n = authorizationOf(trick)
    const accomplice = t.wallet(1)
    const receive = { ...n, to: accomplice.account.address, value: 1n }
    const receiveSignature = await payer.signTypedData({
      domain,
      types: {
        ReceiveWithAuthorization: [
          { name: 'from', type: 'address' },
          { name: 'to', type: 'address' },
          { name: 'value', type: 'uint256' },
          { name: 'validAfter', type: 'uint256' },
          { name: 'validBefore', type: 'uint256' },
          { name: 'nonce', type: 'bytes32' },
        ],
      },
      primaryType: 'ReceiveWithAuthorization',
      message: receive,
    })
    await writeContractAndWait(accomplice, {
      address: usd,
      abi: testUsdAbi,
      functionName: 'receiveWithAuthorization',
      args: [
        receive.from,
        receive.to,
        receive.value,
        receive.validAfter,
        receive.validBefore,
        receive.nonce,
        receiveSignature,
      ],
    })
    await refused(trick, 'X402_REPLAYED', 1)

    // Canceled before it reached the miner: refused.
    const canceled = await signed(good)
    const c = authorizationOf(canceled)
    const cancelSignature = await payer.signTypedData({
      domain,
      types: {
        CancelAuthorization: [
          { name: 'authorizer', type: 'address' },
          { name: 'nonce', type: 'bytes32' },
        ],
      },
      primaryType: 'CancelAuthorization',
      message: { authorizer: payer.address, nonce: c.nonce },
    })
    await writeContractAndWait(accomplice, {
      address: usd,
      abi: testUsdAbi,
      functionName: 'cancelAuthorization',
      args: [payer.address, c.nonce, cancelSignature],
    })
    await refused(canceled, 'X402_REPLAYED', 1)
  })

  it('refuses the wrong chain, asset, payee, amount and an expired authorization, each with its code', async () => {
    const good = exactOf(await required())
    await refused(await signed({ ...good, network: 'eip155:1' }), 'X402_WRONG_NETWORK')
    await refused(await signed({ ...good, asset: addresses.mycelToken }), 'X402_WRONG_ASSET')
    await refused(await signed({ ...good, payTo: payer.address }), 'X402_WRONG_PAY_TO')
    await refused(await signed({ ...good, amount: '999' }), 'X402_AMOUNT_TOO_LOW')
    await refused(await signed({ ...good, amount: '1001' }), 'X402_AMOUNT_MISMATCH')
    await refused(await signed({ ...good, maxTimeoutSeconds: -1 }), 'X402_EXPIRED')
    // Signed for another chain while claiming this one: the signature does not recover to the payer.
    const otherChain = await signed({ ...good, network: 'eip155:1' })
    await refused({ ...otherChain, accepted: good }, 'X402_INVALID_SIGNATURE')
  })

  it('refuses a signature by someone else, an unfunded payer (settlement fails: not served) and a malformed header', async () => {
    const good = exactOf(await required())
    const forged = await signed(good, mallory)
    const authorization = { ...(forged.payload.authorization as object), from: payer.address }
    await refused({ ...forged, payload: { ...forged.payload, authorization } }, 'X402_INVALID_SIGNATURE')
    // Mallory signs for herself but holds no TestUSD: the transfer is refused on chain, the row is kept as failed.
    await refused(await signed(good, mallory), 'X402_INSUFFICIENT_FUNDS', 1)
    const row = miner.db
      .prepare('SELECT status, reason FROM x402_payments WHERE payer = ?')
      .get(mallory.address.toLowerCase())
    expect(row).toEqual({ status: 'failed', reason: 'ERC20InsufficientBalance' })
    const bad = await post('/v2/models/digits/infer', digit(1), { 'PAYMENT-SIGNATURE': 'not base64!' })
    expect(bad.status).toBe(400)
    expect((await bad.json()).error.code).toBe('X402_INVALID_PAYLOAD')
    const v1 = await post('/v2/models/digits/infer', digit(1), {
      'PAYMENT-SIGNATURE': btoa(JSON.stringify({ x402Version: 1 })),
    })
    expect(v1.status).toBe(402)
    expect((await v1.json()).error.code).toBe('X402_UNSUPPORTED_VERSION')
  })
})
