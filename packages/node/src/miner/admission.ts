/**
 * Admission: whether a request is paid for, before its model runs. A voucher in the `x-mycel-voucher` header is
 * checked and recorded by the {@link MinerLedger}; no voucher for a paid model gets a 402 with machine-readable
 * payment requirements; a request signed by a validator of a subnet the miner is registered in
 * (`x-mycel-validator`, docs/validators.md) is served free once the signature, its time window, its nonce and the
 * signer's validator permit (on chain) check out. After the answer, {@link Admission.settle} records what it cost.
 *
 * x402 (docs/x402.md): the 402 is also an x402 v2 `PaymentRequired` (the `PAYMENT-REQUIRED` header, and
 * `x402Version`/`resource`/`accepts` beside `error` in the body) offering `mycel-channel` and, when the token has
 * EIP-3009, `exact`; a `PAYMENT-SIGNATURE` header pays one request with `exact`, settled on chain before serving.
 *
 * Models with license terms (docs/models-market-node.md): a served model whose weights CID is registered with terms
 * is paid only on a model channel (a split voucher, MODEL_SPLIT_* / MODEL_CHANNEL_MISMATCH refusals), only while
 * this miner holds a valid license (else 503 LICENSE_INVALID with the reason), at least at the terms' min price;
 * the 402 shows the royalty route. Terms and licenses are read from memory (markets/licenses.ts, refreshed every
 * few seconds), so the paid path does not wait on the chain.
 */
import {
  createNonceMemory,
  hasValidatorPermit,
  type SignedVoucher,
  VALIDATOR_HEADER,
  ValidatorRequestError,
  validateModelSplit,
  verifyValidatorRequest,
} from '@mycel/sdk'
import type { Context } from 'hono'
import type { Address, PublicClient } from 'viem'
import type { Metrics } from '../common/metrics.ts'
import { errorBody } from '../http/errors.ts'
import { maxUnitsOf, unitOf } from '../inference/offer.ts'
import { createMarket, type Market, type MarketModel } from '../markets/licenses.ts'
import { meteredUnits } from '../payments/meteredUnits.ts'
import { isFree, maxRequestCost, meteredCost, priceJson } from '../payments/pricing.ts'
import { PaymentError, type PaymentRefusalCode } from '../payments/refusals.ts'
import { parseVoucherHeader, VOUCHER_HEADER } from '../payments/voucherHeader.ts'
import type { ChannelRoyalties } from '../payments/x402.ts'
import {
  buildPaymentRequired,
  PAYMENT_REQUIRED_HEADER,
  PAYMENT_RESPONSE_HEADER,
  PAYMENT_SIGNATURE_HEADER,
  paymentRequiredHeader,
  paymentResponseHeader,
  X402PaymentError,
} from '../payments/x402.ts'
import type { X402Exact } from '../payments/x402Settle.ts'
import { fail } from './http.ts'
import type { Admission, MinerLedger } from './ledger.ts'
import { applyMinPrice, type ServedModel } from './served.ts'

/** How long a validator permit read from the chain is trusted (ms). */
const PERMIT_CACHE_MS = 5_000

/**
 * What the answer's `mycel` says about the payment. `royalty` (a model with license terms): its registry id, the
 * route's total share in basis points and this request's part of what the claim pays to the owners of each model of
 * the route (cost × bps / 10,000 per model, rounded down; the contract computes each on the claimed total).
 */
export type MinerReceipt = {
  channelId: string | null
  cost: string
  units: number
  served: string
  royalty?: {
    modelId: string
    totalBps: number
    amount: string
    /** Each model of the route (the model, then its ancestors): its bps and its part of `amount`. */
    route: { modelId: string; bps: number; amount: string }[]
  }
}

export type MinerAdmission = {
  /** Admits the request's voucher (or a validator's signature), or returns the 4xx response to send. */
  pay: (c: Context, served: ServedModel, raw: Uint8Array) => Promise<Admission | Response>
  /** Records a served request: the price and the metered cost of `units`; the receipt goes in the answer. */
  settle: (admission: Admission, served: ServedModel, units: number) => Promise<MinerReceipt>
  /** The subnets the miner is registered in: validators of these are served free. Filled once registered. */
  netuids: bigint[]
}

export type MinerAdmissionParameters = {
  client: PublicClient
  registry: Address
  chainId: number
  paymentChannels: Address
  payee: Address
  token: Address
  ledger: MinerLedger
  metrics: Metrics
  /** x402 `exact` settlement, when the token has EIP-3009 (payments/x402Settle.ts). */
  x402?: X402Exact | undefined
  /** The model market's reader (default: one of its own over `client`, found through `paymentChannels`). */
  market?: Market | undefined
}

export function createMinerAdmission({
  client,
  registry,
  chainId,
  paymentChannels,
  payee,
  token,
  ledger,
  metrics,
  x402,
  market = createMarket({ client, paymentChannels }),
}: MinerAdmissionParameters): MinerAdmission {
  const nonces = createNonceMemory()
  const netuids: bigint[] = []
  const permits = new Map<string, { ok: boolean; until: number }>()

  const requirements = (served: ServedModel, terms?: MarketModel, bps?: number) => ({
    ...(terms ? { royalties: royaltiesOf(terms, bps ?? terms.royaltyBps) } : {}),
    scheme: 'mycel-channel',
    version: 1,
    chainId,
    paymentChannels,
    payee,
    token,
    model: served.model.id,
    price: priceJson(served.price),
    unit: unitOf(served.model),
    maxUnitsPerRequest: maxUnitsOf(served.model),
    header: VOUCHER_HEADER,
  })

  /** The royalty route a request for `terms`' model pays: the model at `bps` (its license's), then its ancestors. */
  function royaltiesOf(terms: MarketModel, bps: number): ChannelRoyalties & { totalBps: number } {
    const route = [
      { modelId: terms.modelId.toString(), royaltyBps: bps },
      ...terms.ancestors.map((a) => ({ modelId: a.modelId.toString(), royaltyBps: a.bps })),
    ]
    return {
      modelId: terms.modelId.toString(),
      royaltyBps: bps,
      route,
      totalBps: route.reduce((sum, r) => sum + r.royaltyBps, 0),
    }
  }

  /**
   * The market's view of `served`: its terms when it is registered with terms (undefined otherwise), and the price
   * raised to the terms' min price when it was below (the offer states it from the next publication).
   */
  async function termsOf(served: ServedModel): Promise<MarketModel | undefined> {
    if (served.weightsCid === undefined) return undefined
    const model = await market.modelOf(served.weightsCid)
    if (!model?.hasTerms) return undefined
    applyMinPrice(served, model.minPricePerRequest)
    return model
  }

  /** What `exact` charges: a fixed amount, so the most a request can cost (its price and its maximal metered cost). */
  const exactAmount = (served: ServedModel) => maxRequestCost(served.price, BigInt(maxUnitsOf(served.model)))

  /**
   * A 402 that is also x402's `PaymentRequired`: today's `error.payment` for mycel clients, the `PAYMENT-REQUIRED`
   * header (and `x402Version`/`resource`/`accepts` in the body) for x402 clients.
   */
  function paymentRequired(
    c: Context,
    served: ServedModel,
    code: string,
    message: string,
    payment: Record<string, unknown>,
    status: 400 | 402 | 503 = 402,
  ): Response {
    const required = buildPaymentRequired({
      url: c.req.url,
      description: `Model ${served.model.id} on a mycel miner`,
      error: message,
      chainId,
      payTo: payee,
      channel: {
        amount: served.price.perRequest,
        asset: token,
        requirements: requirements(served),
        ...(payment.royalties ? { royalties: payment.royalties as ChannelRoyalties } : {}),
      },
      exact: x402 ? { amount: exactAmount(served), asset: x402.asset } : undefined,
    })
    if (status === 402) c.header(PAYMENT_REQUIRED_HEADER, paymentRequiredHeader(required))
    // x402 v2 fields beside today's error envelope (whose `error.payment` mycel clients read).
    const { error } = errorBody(code, message, { payment })
    const { x402Version, resource, accepts } = required
    return c.json({ error, x402Version, resource, accepts }, status)
  }

  /** A request paid with x402 `exact`: settled on chain and recorded before it is served, or the 4xx to send. */
  async function exactAdmission(c: Context, served: ServedModel, header: string): Promise<Admission | Response> {
    const amount = exactAmount(served)
    try {
      if (!x402) {
        throw new X402PaymentError(
          'X402_UNSUPPORTED_SCHEME',
          `This miner's token ${token} has no EIP-3009: pay with a mycel-channel voucher in ${VOUCHER_HEADER}.`,
        )
      }
      const settlement = await x402.settle(header, { amount, model: served.model.id })
      c.header(PAYMENT_RESPONSE_HEADER, paymentResponseHeader(settlement))
      metrics.inc('mycel_miner_x402_payments_total', 'Requests paid with x402 exact.', { model: served.model.id })
      return { channelId: 0n, price: amount, model: served.model.id, settled: true }
    } catch (error) {
      if (!(error instanceof X402PaymentError)) throw error
      metrics.inc('mycel_miner_payment_refusals_total', 'Requests refused for payment.', { code: error.code })
      return paymentRequired(c, served, error.code, error.shortMessage, requirements(served), error.httpStatus)
    }
  }

  /** Whether `hotkey` holds a validator permit in `netuid` (cached for a few seconds). */
  async function hasPermit(netuid: bigint, hotkey: Address): Promise<boolean> {
    const key = `${netuid}:${hotkey.toLowerCase()}`
    const cached = permits.get(key)
    if (cached && cached.until > Date.now()) return cached.ok
    let ok = false
    try {
      ok = await hasValidatorPermit(client, { registry, netuid, hotkey })
    } catch {
      ok = false // not registered in the subnet
    }
    permits.set(key, { ok, until: Date.now() + PERMIT_CACHE_MS })
    return ok
  }

  /** A validator's signed request: free when it checks out, else the 401/403 to send. */
  async function validatorAdmission(c: Context, served: ServedModel, raw: Uint8Array): Promise<Admission | Response> {
    let verified: { hotkey: Address; netuid: bigint }
    try {
      verified = await verifyValidatorRequest({
        chainId,
        registry,
        miner: payee,
        header: c.req.header(VALIDATOR_HEADER),
        method: c.req.method,
        path: c.req.path,
        body: raw,
        remember: nonces,
      })
    } catch (error) {
      if (!(error instanceof ValidatorRequestError)) throw error
      metrics.inc('mycel_miner_validator_refusals_total', 'Validator requests refused.', { code: error.code })
      return fail(
        c,
        401,
        `VALIDATOR_${error.code}`,
        `The ${VALIDATOR_HEADER} header was refused: ${error.shortMessage}.`,
      )
    }
    if (!netuids.includes(verified.netuid)) {
      metrics.inc('mycel_miner_validator_refusals_total', 'Validator requests refused.', { code: 'NOT_IN_SUBNET' })
      return fail(c, 403, 'NOT_IN_SUBNET', `This miner is not registered in subnet ${verified.netuid}.`)
    }
    if (!(await hasPermit(verified.netuid, verified.hotkey))) {
      metrics.inc('mycel_miner_validator_refusals_total', 'Validator requests refused.', { code: 'NO_PERMIT' })
      return fail(
        c,
        403,
        'NO_VALIDATOR_PERMIT',
        `${verified.hotkey} holds no validator permit in subnet ${verified.netuid}; pay with a voucher instead.`,
      )
    }
    metrics.inc('mycel_miner_validator_requests_total', 'Validator requests served free.', {
      netuid: String(verified.netuid),
    })
    return { channelId: 0n, price: 0n, model: served.model.id, settled: true }
  }

  async function pay(c: Context, served: ServedModel, raw: Uint8Array): Promise<Admission | Response> {
    if (c.req.header(VALIDATOR_HEADER) !== undefined) return validatorAdmission(c, served, raw)
    const terms = await termsOf(served)
    if (isFree(served.price)) return { channelId: 0n, price: 0n, model: served.model.id, settled: true }
    let bps = terms?.royaltyBps
    if (terms) {
      const license = await market.license(payee, terms.modelId)
      if (!license.valid) {
        metrics.inc('mycel_miner_payment_refusals_total', 'Requests refused for payment.', { code: 'LICENSE_INVALID' })
        return paymentRequired(
          c,
          served,
          'LICENSE_INVALID',
          `This miner holds no valid license for model ${served.model.id} (registry id ${terms.modelId}): ${license.reason}. It does not serve it for money until it holds one; try another miner.`,
          { ...requirements(served, terms), reason: license.reason },
          503,
        )
      }
      bps = license.royaltyBps
    }
    const header = c.req.header(VOUCHER_HEADER)
    if (header === undefined) {
      const exact = c.req.header(PAYMENT_SIGNATURE_HEADER)
      if (exact !== undefined) return exactAdmission(c, served, exact)
      metrics.inc('mycel_miner_payment_refusals_total', 'Requests refused for payment.', { code: 'PAYMENT_REQUIRED' })
      return paymentRequired(
        c,
        served,
        'PAYMENT_REQUIRED',
        `Model ${served.model.id} is paid per request: send a voucher in the ${VOUCHER_HEADER} header (see "payment"), or pay with x402 (see "accepts").`,
        requirements(served, terms, bps),
      )
    }
    const parsed = parseVoucherHeader(header)
    if (!parsed.ok) return fail(c, 400, 'INVALID_VOUCHER', `The ${VOUCHER_HEADER} header is invalid: ${parsed.reason}.`)
    try {
      await checkSplit(parsed.voucher, served, terms)
      const admitted = await ledger.admit(parsed.voucher, {
        price: served.price.perRequest,
        token,
        model: served.model.id,
        modelId: terms?.modelId,
      })
      if (!terms) return admitted
      const { route, totalBps } = royaltiesOf(terms, bps ?? 0)
      const entries = route.map((r) => ({ modelId: BigInt(r.modelId), bps: r.royaltyBps }))
      return { ...admitted, royalty: { modelId: terms.modelId, totalBps, route: entries } }
    } catch (error) {
      if (!(error instanceof PaymentError)) throw error
      metrics.inc('mycel_miner_payment_refusals_total', 'Requests refused for payment.', { code: error.code })
      return paymentRequired(
        c,
        served,
        error.code,
        error.message,
        { ...requirements(served, terms, bps), ...error.payment, channelId: parsed.voucher.channelId.toString() },
        error.status,
      )
    }
  }

  /**
   * The split's shape against the request, before the ledger (which checks the channel's binding and the amounts):
   * a model with terms needs one; it must be sorted, of positive amounts adding up to at most the voucher's; every
   * model it names must be registered with terms; and it must pay exactly the requested model.
   */
  async function checkSplit(voucher: SignedVoucher, served: ServedModel, terms: MarketModel | undefined) {
    const split = voucher.models ?? []
    const refuse = (code: PaymentRefusalCode, message: string) => new PaymentError(402, code, message)
    if (terms && split.length === 0) {
      throw refuse(
        'MODEL_SPLIT_REQUIRED',
        `Model ${served.model.id} (registry id ${terms.modelId}) has license terms: pay it on a channel of its own with vouchers whose "models" split is [{"modelId":"${terms.modelId}","cumulativeAmount":<the voucher's amount>}].`,
      )
    }
    if (split.length === 0) return
    try {
      validateModelSplit(split, voucher.cumulativeAmount)
    } catch (error) {
      throw refuse('MODEL_SPLIT_INVALID', `The voucher's model split is invalid: ${(error as Error).message}`)
    }
    for (const entry of split) {
      const known = await market.modelById(entry.modelId)
      if (!known?.hasTerms) {
        throw refuse(
          'MODEL_SPLIT_UNKNOWN_MODEL',
          `The split names model ${entry.modelId}, which ${known ? 'has no license terms (pay it with plain vouchers)' : 'the ModelRegistry does not know'}.`,
        )
      }
    }
    if (!terms || split.length !== 1 || split[0]?.modelId !== terms.modelId) {
      throw refuse(
        'MODEL_CHANNEL_MISMATCH',
        `The split pays model${split.length > 1 ? 's' : ''} ${split.map((m) => m.modelId).join(', ')}, but this request is for ${terms ? `model ${terms.modelId}` : `${served.model.id}, which has no license terms`}: a voucher pays exactly the requested model on its own channel.`,
      )
    }
  }

  async function settle(admission: Admission, served: ServedModel, units: number): Promise<MinerReceipt> {
    // Never metered above what the offer promises as the most one request can use.
    const counted = meteredUnits(units, BigInt(maxUnitsOf(served.model)))
    if (isFree(served.price) || admission.channelId === 0n)
      // Free, or paid in full up front with x402 exact (its price is what it paid).
      return { channelId: null, cost: admission.price.toString(), units: Number(counted), served: '0' }
    const metered = meteredCost(served.price, counted)
    await ledger.settle(admission, metered)
    metrics.inc('mycel_miner_paid_requests_total', 'Paid requests served.', { model: served.model.id })
    const row = ledger.channel(admission.channelId)
    const cost = admission.price + metered
    const royalty = admission.royalty
    return {
      channelId: admission.channelId.toString(),
      cost: cost.toString(),
      units: Number(counted),
      served: (row?.served ?? 0n).toString(),
      ...(royalty
        ? {
            royalty: {
              modelId: royalty.modelId.toString(),
              totalBps: royalty.totalBps,
              amount: royalty.route.reduce((sum, r) => sum + (cost * BigInt(r.bps)) / 10_000n, 0n).toString(),
              route: royalty.route.map((r) => ({
                modelId: r.modelId.toString(),
                bps: r.bps,
                amount: ((cost * BigInt(r.bps)) / 10_000n).toString(),
              })),
            },
          }
        : {}),
    }
  }

  return { pay, settle, netuids }
}
