/**
 * Royalties through the node's payment path (docs/models-market-node.md), on a real anvil with the node's real miner
 * and the gateway's real ledger, channels and license filter:
 * - the split voucher's digest (node, SDK, contract) and the header with splits (property tests);
 * - a model with terms that derives from a parent: the gateway routes to the licensed miner, opens a model channel,
 *   signs split vouchers; the miner serves N requests and claims; the payee gets amount − royalties, each route
 *   model floor(amount·bps/10,000), tokens conserved;
 * - every MODEL_* refusal with nothing persisted; a revoked license: 503 LICENSE_INVALID, the gateway stops routing
 *   to the miner, and what it served before is claimed at once, within the grace claims give an ended license.
 *
 * Longer than 400 lines: one chain, one miner and one gateway serve every case (each case builds on the last).
 */
import { join } from 'node:path'
import {
  buyLicense,
  getUnsettledRoyalties,
  hashVoucher,
  type MycelAddresses,
  paymentChannelsAbi,
  registerModel,
  revokeLicense,
  royaltiesOf,
  type SignedVoucher,
  setModelTerms,
  settleRoyalties,
  signVoucher,
  testUsdAbi,
  type Voucher,
} from '@mycel/sdk'
import fc from 'fast-check'
import { parseEther, toHex } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  deployTestContracts,
  fundAccounts,
  startTestChain,
  type TestChain,
  tempDir,
} from '../../../test/helpers/chain.ts'
import { startTestMiner, type TestMiner } from '../../../test/helpers/miner.ts'
import { createCommon } from '../src/common/common.ts'
import { resolveOptions } from '../src/config/options.ts'
import { createContentStore } from '../src/content/contentStore.ts'
import { openDatabase } from '../src/db/database.ts'
import { createGatewayChannels } from '../src/gateway/channels.ts'
import { type Candidate, licensedCandidates, type MinerEntry } from '../src/gateway/discovery.ts'
import { createGatewayLedger } from '../src/gateway/ledger.ts'
import { loadModels } from '../src/inference/models.ts'
import { createVoucherDigester } from '../src/payments/voucherDigest.ts'
import { encodeVoucherHeader, parseVoucherHeader, VOUCHER_HEADER } from '../src/payments/voucherHeader.ts'
import { createVoucherSigner } from '../src/payments/voucherSigner.ts'

const USD = 1_000_000n
const CREATOR = 1
const MINER = 2
const GATEWAY = 3
let t: TestChain
let a: MycelAddresses
let miner: TestMiner
let usd: `0x${string}`
let parentId: bigint
let digitsId: bigint
let minerLicense: bigint
const session = generatePrivateKey()
const sessionAccount = privateKeyToAccount(session)
const domain = () => ({ chainId: 31337, paymentChannels: a.paymentChannels })

const terms = (royaltyBps: number, minPricePerRequest: bigint, mintFee: bigint) => ({
  commercialUse: true,
  derivativesAllowed: true,
  attribution: true,
  royaltyBps,
  minPricePerRequest,
  currency: usd,
  licenseDuration: 0n,
  mintFee,
})

beforeAll(async () => {
  t = await startTestChain()
  a = await deployTestContracts(t)
  usd = a.testUsd as `0x${string}`
  await fundAccounts(t, a, [CREATOR, MINER, GATEWAY], { myc: parseEther('10'), usd: 1000n * USD })
  const [digits] = await loadModels(['digits'])
  const weightsCid = await createContentStore(tempDir('mycel-royalty-cid-')).put(digits?.weights as Uint8Array)
  const creator = t.wallet(CREATOR)
  ;({ modelId: parentId } = await registerModel(creator, {
    modelRegistry: a.modelRegistry,
    weightsCid: 'bafkreiparentparentparentparentparentparent',
    cardCid: 'bafkreicard',
    format: 'onnx',
    terms: terms(500, 0n, USD),
  }))
  await buyLicense(creator, { licenses: a.licenses, modelId: parentId })
  ;({ modelId: digitsId } = await registerModel(creator, {
    modelRegistry: a.modelRegistry,
    weightsCid,
    cardCid: 'bafkreicard',
    format: 'onnx',
    parents: [parentId],
    terms: terms(1_000, 1_000n, 2n * USD),
  }))
  ;({ licenseId: minerLicense } = await buyLicense(t.wallet(MINER), { licenses: a.licenses, modelId: digitsId }))
  miner = await startTestMiner(t, a, { payeeIndex: MINER })
}, 120_000)
afterAll(async () => {
  await miner?.stop()
  await t?.stop()
})

describe('split vouchers', () => {
  const split = fc
    .uniqueArray(fc.bigInt({ min: 1n, max: 2n ** 256n - 1n }), { minLength: 1, maxLength: 8 })
    .chain((ids) =>
      fc.tuple(
        fc.constant([...ids].sort((x, y) => (x < y ? -1 : 1))),
        fc.array(fc.bigInt({ min: 1n, max: 2n ** 96n - 1n }), { minLength: ids.length, maxLength: ids.length }),
      ),
    )
    .map(([ids, amounts]) => ids.map((modelId, i) => ({ modelId, cumulativeAmount: amounts[i] as bigint })))
  const voucher = fc.record({
    channelId: fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }),
    cumulativeAmount: fc.bigInt({ min: 0n, max: 2n ** 96n - 1n }),
    cumulativeRequests: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
    cumulativeUnits: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
    models: split,
  })

  it("property: the node's RoyaltyVoucher digest equals the SDK's hashVoucher and the contract's", async () => {
    const node = createVoucherDigester(domain())
    const js = createVoucherDigester(domain(), { backend: 'js' })
    fc.assert(
      fc.property(voucher, (v) => {
        const sdk = hashVoucher(domain(), v)
        expect(toHex(node.digest(v))).toBe(sdk)
        expect(toHex(js.digest(v))).toBe(sdk)
      }),
      { numRuns: 300 },
    )
    for (const v of fc.sample(voucher, 15)) {
      const onChain = await t.publicClient.readContract({
        address: a.paymentChannels,
        abi: paymentChannelsAbi,
        functionName: 'royaltyVoucherDigest',
        args: [v.channelId, v.cumulativeAmount, v.cumulativeRequests, v.cumulativeUnits, v.models],
      } as never)
      expect(onChain).toBe(hashVoucher(domain(), v))
    }
  })

  it('property: a header with a split encodes and parses back exactly; bad splits are refused with the reason', () => {
    const signature = fc
      .uint8Array({ minLength: 65, maxLength: 65 })
      .map((b) => `0x${Buffer.from(b).toString('hex')}` as const)
    fc.assert(
      fc.property(voucher, signature, (v, sig) => {
        const signed = { ...v, signature: sig }
        expect(parseVoucherHeader(encodeVoucherHeader(signed))).toEqual({ ok: true, voucher: signed })
      }),
    )
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.jsonValue().map((j) => JSON.stringify(j)),
        ),
        (junk) => {
          const text = `{"channelId":"1","cumulativeAmount":"5","cumulativeRequests":"1","cumulativeUnits":"0","models":${junk},"signature":"0x${'1'.repeat(130)}"}`
          const parsed = parseVoucherHeader(text)
          if (parsed.ok) expect(Array.isArray(JSON.parse(junk))).toBe(true)
        },
      ),
      { numRuns: 1000 },
    )
    const base = '{"channelId":"1","cumulativeAmount":"5","cumulativeRequests":"1","cumulativeUnits":"0","models":'
    const sig = `,"signature":"0x${'1'.repeat(130)}"}`
    expect(parseVoucherHeader(`${base}{}${sig}`)).toMatchObject({ ok: false, reason: /models must be a list/ })
    expect(parseVoucherHeader(`${base}[{"modelId":"1","cumulativeAmount":"${2n ** 96n}"}]${sig}`)).toMatchObject({
      ok: false,
      reason: 'models[0].cumulativeAmount does not fit uint96',
    })
    expect(parseVoucherHeader(`${base}[{"modelId":"1","amount":"5"}]${sig}`)).toMatchObject({
      ok: false,
      reason: /models\[0\] has an unknown field "amount"/,
    })
    // An empty split is a plain voucher.
    expect(parseVoucherHeader(`${base}[]${sig}`)).toMatchObject({ ok: true, voucher: { cumulativeAmount: 5n } })
  })
})

describe('royalties through the miner and the gateway', () => {
  const dataDir = tempDir('mycel-royalty-gateway-')
  const common = createCommon(resolveOptions({ flags: { dataDir, logLevel: 'silent' }, env: {} }))
  let gatewayLedger: ReturnType<typeof createGatewayLedger>
  let channels: ReturnType<typeof createGatewayChannels>
  let entry: MinerEntry
  let modelChannel: bigint
  let plainChannel: bigint
  const voucherCount = () => (miner.db.prepare('SELECT COUNT(*) AS n FROM miner_vouchers').get() as { n: number }).n
  const balance = (who: `0x${string}`) =>
    t.publicClient.readContract({ address: usd, abi: testUsdAbi, functionName: 'balanceOf', args: [who] })
  const image = () => ({ inputs: [{ name: 'input', shape: [1, 784], datatype: 'FP32', data: Array(784).fill(0.1) }] })
  const text = () => ({ model: 'text', messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 })
  const post = (path: string, body: unknown, v?: SignedVoucher) =>
    fetch(`${miner.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(v ? { [VOUCHER_HEADER]: encodeVoucherHeader(v) } : {}) },
      body: JSON.stringify(body),
    })
  const candidates = (): Candidate[] => {
    const offered = miner.offer.models.find((m) => m.id === 'digits')
    if (!offered) throw new Error('no digits offered')
    return [{ miner: entry, price: { perRequest: BigInt(offered.price.perRequest), per1kUnits: 0n }, maxUnits: 1n }]
  }

  beforeAll(() => {
    const db = openDatabase(join(dataDir, 'node.db'))
    gatewayLedger = createGatewayLedger({ db, sign: createVoucherSigner(domain(), session) })
    channels = createGatewayChannels(common, {
      log: common.logger,
      ledger: gatewayLedger,
      wallet: t.wallet(GATEWAY),
      session: { account: sessionAccount },
      paymentChannels: a.paymentChannels,
      token: usd,
      budget: 100n * USD,
      channelDeposit: 10n * USD,
    })
    entry = {
      payee: miner.payee,
      endpoint: miner.url,
      offerCid: miner.offerCid,
      models: new Map(),
      latencyMs: 0,
      failures: 0,
      lastFailureAt: 0,
      served: new Map(),
      weightsCids: new Map(miner.offer.models.flatMap((m) => (m.weightsCid ? [[m.id, m.weightsCid]] : []))),
    }
  })

  /** One paid request as the gateway's forwarder makes it: signed and recorded, then sent. */
  async function paid(channelId: bigint, model: 'digits' | 'text', price: bigint) {
    const payment = gatewayLedger.pay(channelId, price, model)
    const response =
      model === 'digits'
        ? await post('/v2/models/digits/infer', image(), payment.voucher)
        : await post('/v1/chat/completions', text(), payment.voucher)
    const body = await response.json()
    expect(response.status, JSON.stringify(body)).toBe(200)
    gatewayLedger.served(payment, BigInt(body.mycel?.cost ?? price) - price, BigInt(body.mycel?.units ?? 0))
    if (model === 'digits') {
      // The receipt names the route: digits at its license's 10 %, then its parent at the 5 % fixed at registration.
      const cost = BigInt(body.mycel.cost)
      expect(body.mycel.royalty).toEqual({
        modelId: digitsId.toString(),
        totalBps: 1_500,
        amount: ((cost * 1_000n) / 10_000n + (cost * 500n) / 10_000n).toString(),
        route: [
          { modelId: digitsId.toString(), bps: 1_000, amount: ((cost * 1_000n) / 10_000n).toString() },
          { modelId: parentId.toString(), bps: 500, amount: ((cost * 500n) / 10_000n).toString() },
        ],
      })
    } else expect(body.mycel.royalty).toBeUndefined()
    return payment
  }

  it('routes to the licensed miner, pays a model channel with split vouchers, and the claim pays the route', async () => {
    const { licensed, refused } = await licensedCandidates(candidates(), 'digits', channels.market)
    expect(refused).toEqual([])
    expect(licensed[0]?.modelId).toBe(digitsId)
    const channel = await channels.channelFor({ ...entry, modelId: digitsId }, 10_000n)
    modelChannel = channel.channelId
    expect(gatewayLedger.get(modelChannel)?.modelId).toBe(digitsId)
    // The 402 shows the royalty route (the model at its license's 10 %, its parent at 5 %).
    const unpaid = await post('/v2/models/digits/infer', image())
    expect(unpaid.status).toBe(402)
    const required = await unpaid.json()
    expect(required.error.payment.royalties).toEqual({
      modelId: digitsId.toString(),
      royaltyBps: 1000,
      route: [
        { modelId: digitsId.toString(), royaltyBps: 1000 },
        { modelId: parentId.toString(), royaltyBps: 500 },
      ],
      totalBps: 1500,
    })
    expect(required.accepts[0].extra.royalties.route).toHaveLength(2)
    // The offer states the registry id and the royalty route (the miner found it by the weights CID).
    expect(miner.offer.models.find((m) => m.id === 'digits')).toMatchObject({
      registryId: digitsId.toString(),
      royalty: {
        totalBps: 1500,
        route: [
          { modelId: digitsId.toString(), bps: 1000 },
          { modelId: parentId.toString(), bps: 500 },
        ],
      },
    })

    const N = 7
    for (let i = 0; i < N; i++) {
      const payment = await paid(modelChannel, 'digits', 1_000n)
      expect(payment.voucher.models).toEqual([
        { modelId: digitsId, cumulativeAmount: payment.voucher.cumulativeAmount },
      ])
    }
    expect(miner.ledger.channel(modelChannel)?.modelId).toBe(digitsId)
    const amount = miner.ledger.channel(modelChannel)?.best.cumulativeAmount ?? 0n
    expect(amount).toBe(BigInt(N) * 1_000n)

    const [payeeBefore, channelsBefore] = [await balance(miner.payee), await balance(a.paymentChannels)]
    const result = await miner.claimer.claimDue({ all: true })
    expect(result?.channels).toBe(1)
    const own = (amount * 1000n) / 10_000n
    const parent = (amount * 500n) / 10_000n
    const payeeGain = (await balance(miner.payee)) - payeeBefore
    expect(payeeGain).toBe(amount - own - parent)
    // Conserved: what left the contract went to the payee; the royalties stay in it.
    expect(channelsBefore - (await balance(a.paymentChannels))).toBe(payeeGain)
    expect(payeeGain + own + parent).toBe(amount)
    // A model channel retains them at the claim and credits the route when settled (by anyone: here the payer).
    const source = { source: a.paymentChannels, token: usd }
    const creditedBefore = await royaltiesOf(t.publicClient, { ...source, modelId: digitsId })
    expect(
      await getUnsettledRoyalties(t.publicClient, { paymentChannels: a.paymentChannels, channelId: modelChannel }),
    ).toMatchObject({
      amount,
      royalties: [
        { modelId: digitsId, amount: own },
        { modelId: parentId, amount: parent },
      ],
    })
    await settleRoyalties(t.wallet(1), { paymentChannels: a.paymentChannels, channelIds: [modelChannel] })
    expect((await royaltiesOf(t.publicClient, { ...source, modelId: digitsId })) - creditedBefore).toBe(own)
    expect(await balance(a.paymentChannels)).toBe(channelsBefore - payeeGain)
  })

  it('refuses every bad split with its code (402) and persists nothing', async () => {
    // A plain channel for `text` (no terms), bound plain by its first voucher.
    plainChannel = (await channels.channelFor(entry, 100_000n)).channelId
    await paid(plainChannel, 'text', 100n)
    const best = miner.ledger.channel(modelChannel)?.best as SignedVoucher
    let requests = 1_000n
    const sign = async (channelId: bigint, amount: bigint, models?: Voucher['models']) => {
      requests += 1n
      const v: Voucher = { channelId, cumulativeAmount: amount, cumulativeRequests: requests, cumulativeUnits: 0n }
      if (models) v.models = models
      return { ...v, signature: await signVoucher(sessionAccount, domain(), v) }
    }
    const next = best.cumulativeAmount + 1_000n
    const cases: [string, SignedVoucher, string][] = [
      ['MODEL_SPLIT_REQUIRED', await sign(modelChannel, next), 'digits'],
      [
        'MODEL_SPLIT_INVALID',
        await sign(modelChannel, next, [{ modelId: digitsId, cumulativeAmount: next - 500n }]),
        'digits',
      ],
      [
        'MODEL_SPLIT_INVALID',
        await sign(modelChannel, next, [
          { modelId: digitsId, cumulativeAmount: 10n },
          { modelId: parentId, cumulativeAmount: 10n },
        ]),
        'digits',
      ],
      [
        'MODEL_SPLIT_UNKNOWN_MODEL',
        await sign(modelChannel, next, [{ modelId: 999n, cumulativeAmount: next }]),
        'digits',
      ],
      [
        'MODEL_SPLIT_DECREASED',
        await sign(modelChannel, next, [{ modelId: digitsId, cumulativeAmount: best.cumulativeAmount - 1n }]),
        'digits',
      ],
      [
        'MODEL_CHANNEL_MISMATCH',
        await sign(plainChannel, 100_000n, [{ modelId: digitsId, cumulativeAmount: 100_000n }]),
        'digits',
      ],
      [
        'MODEL_CHANNEL_MISMATCH',
        await sign(modelChannel, next, [{ modelId: parentId, cumulativeAmount: next }]),
        'digits',
      ],
      [
        'MODEL_CHANNEL_MISMATCH',
        await sign(modelChannel, next, [{ modelId: digitsId, cumulativeAmount: next }]),
        'text',
      ],
    ]
    for (const [code, v, model] of cases) {
      const before = { count: voucherCount(), row: miner.ledger.channel(v.channelId) }
      const response =
        model === 'digits'
          ? await post('/v2/models/digits/infer', image(), v)
          : await post('/v1/chat/completions', text(), v)
      const body = await response.json()
      expect(response.status, `${code}: ${JSON.stringify(body)}`).toBe(402)
      expect(body.error.code).toBe(code)
      expect(body.error.message.length).toBeGreaterThan(20)
      miner.ledger.flush()
      expect(voucherCount()).toBe(before.count)
      expect(miner.ledger.channel(v.channelId)).toEqual(before.row)
    }
  })

  it('a revoked license: 503 LICENSE_INVALID and no routing at once; what was served before is claimed within the grace', async () => {
    // Unclaimed on both channels.
    await paid(modelChannel, 'digits', 1_000n)
    await paid(plainChannel, 'text', 100n)
    const modelClaimed = miner.ledger.channel(modelChannel)?.claimed
    await revokeLicense(t.wallet(CREATOR), { licenses: a.licenses, licenseId: minerLicense })

    // Within the market's cache time (a few seconds) the miner refuses to be paid for the model.
    let refusal:
      | { status: number; body: { error: { code: string; message: string; payment: { reason: string } } } }
      | undefined
    for (let i = 0; i < 40 && refusal?.status !== 503; i++) {
      await new Promise((r) => setTimeout(r, 250))
      const response = await post('/v2/models/digits/infer', image())
      refusal = { status: response.status, body: await response.json() }
    }
    expect(refusal?.status).toBe(503)
    expect(refusal?.body.error.code).toBe('LICENSE_INVALID')
    expect(refusal?.body.error.payment.reason).toMatch(/ended \(expired or revoked\) at unix time/)
    const countBefore = voucherCount()
    const v = gatewayLedger.pay(modelChannel, 1_000n, 'digits')
    const paidRefused = await post('/v2/models/digits/infer', image(), v.voucher)
    expect(paidRefused.status).toBe(503)
    gatewayLedger.failed(v)
    expect(voucherCount()).toBe(countBefore)

    // The gateway stops routing to it, with the reason.
    let routed = await licensedCandidates(candidates(), 'digits', channels.market)
    for (let i = 0; i < 40 && routed.licensed.length > 0; i++) {
      await new Promise((r) => setTimeout(r, 250))
      routed = await licensedCandidates(candidates(), 'digits', channels.market)
    }
    expect(routed.licensed).toEqual([])
    expect(routed.refused[0]?.reason).toMatch(/ended \(expired or revoked\)/)

    // Claims accept the ended license for one challenge period (audit P4): the miner claims the model channel at
    // once (its tick), not waiting for its threshold or age; the plain channel is not due yet.
    const settled = () => {
      const row = miner.ledger.channel(modelChannel)
      return row !== undefined && row.claimed === row.best.cumulativeAmount
    }
    for (let i = 0; i < 40 && !settled(); i++) await new Promise((r) => setTimeout(r, 250))
    expect(settled()).toBe(true)
    expect(miner.ledger.channel(modelChannel)?.claimed).toBeGreaterThan(modelClaimed ?? 0n)
    const unclaimed = miner.ledger.channel(plainChannel)
    expect(unclaimed?.claimed).toBeLessThan(unclaimed?.best.cumulativeAmount ?? 0n)
    const rest = await miner.claimer.claimDue({ all: true })
    expect(rest?.channels).toBe(1)
    const plain = miner.ledger.channel(plainChannel)
    expect(plain?.claimed).toBe(plain?.best.cumulativeAmount)
  })

  it("takes a governance change of the terms' min price within a refresh", async () => {
    const offerCid = miner.offerCid
    await setModelTerms(t.wallet(CREATOR), {
      modelRegistry: a.modelRegistry,
      modelId: digitsId,
      terms: terms(1_000, 2_500n, 2n * USD),
    })
    let price: string | undefined
    for (let i = 0; i < 40 && price !== '2500'; i++) {
      await new Promise((r) => setTimeout(r, 250))
      const body = await (await post('/v2/models/digits/infer', image())).json()
      price = body.error.payment.price.perRequest
    }
    expect(price).toBe('2500')
    expect(miner.models.find((m) => m.model.id === 'digits')?.price.perRequest).toBe(2_500n)
    // The offer gateways read (its CID is the neuron's metadata) states the new price within a tick: republished.
    type Offer = { models: { id: string; price: { perRequest: string } }[] }
    let offered: string | undefined
    for (let i = 0; i < 40 && offered !== '2500'; i++) {
      const offer = (await (await fetch(`${miner.url}/v1/mycel/offer`)).json()) as Offer
      offered = offer.models.find((m) => m.id === 'digits')?.price.perRequest
      if (offered !== '2500') await new Promise((r) => setTimeout(r, 250))
    }
    expect(offered).toBe('2500')
    expect(miner.offerCid).not.toBe(offerCid)
    expect(miner.offer.models.find((m) => m.id === 'digits')?.price.perRequest).toBe('2500')
  })
})
