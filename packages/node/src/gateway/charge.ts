/**
 * The gateway's x402 path (docs/x402.md, "The gateway"): what the gateway asks of its clients, and the payments it
 * takes from them. The gateway keeps paying miners through its channels (channels.ts, forward.ts); here a client
 * may pay the gateway per request with x402's `exact` scheme (an EIP-3009 authorization in `PAYMENT-SIGNATURE`),
 * verified and settled on chain by the same code a miner uses (payments/x402Settle.ts), to the gateway's payer
 * wallet, persisted (`x402_payments`) before the request is forwarded; the answer carries `PAYMENT-RESPONSE`.
 *
 * - `gatewayCharge: 'x402'`: a request for a paid model without `PAYMENT-SIGNATURE` gets 402 with an x402 v2
 *   `PaymentRequired` whose `accepts` is `exact` to the payer wallet for {@link chargeFor} the most the request can
 *   cost at the model's best-ranked miner, plus the markup.
 * - `gatewayCharge: 'free'` (default): requests are forwarded and paid from the budget as before; when the budget is
 *   spent, the `BUDGET_EXHAUSTED` 402 also lists `exact`, and a request carrying a payment is served anyway.
 *
 * Budget rule: the deposits of the gateway's open channels never exceed `gatewayBudget` plus every x402 payment the
 * gateway settled ({@link GatewayCharge.received}); a paid request that meets a spent budget may top the channel up
 * by just what it needs ({@link GatewayCharge.paying} tells channel selection that it runs inside a paid request).
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import type { PaymentRequired, PaymentRequirements } from '@x402/core/types'
import type { Context } from 'hono'
import { type Address, isAddressEqual } from 'viem'
import type { Common } from '../common/common.ts'
import { errorBody, sendError } from '../http/errors.ts'
import { maxRequestCost } from '../payments/pricing.ts'
import {
  EXACT_MAX_TIMEOUT_SECONDS,
  EXACT_SCHEME,
  type ExactAsset,
  networkOf,
  PAYMENT_REQUIRED_HEADER,
  PAYMENT_RESPONSE_HEADER,
  PAYMENT_SIGNATURE_HEADER,
  parsePaymentSignature,
  paymentRequiredHeader,
  paymentResponseHeader,
  X402_VERSION,
  X402PaymentError,
} from '../payments/x402.ts'
import type { X402Exact } from '../payments/x402Settle.ts'
import type { MinerDirectory } from './discovery.ts'
import { InvalidChargeError } from './errors.ts'

export type GatewayChargeMode = 'free' | 'x402'

/** 100% in basis points. */
const BPS = 10_000n
/** Most amounts remembered as offered per model (a quote changes only when the best-ranked miner or price does). */
const MAX_QUOTES_PER_MODEL = 16

/**
 * What a client pays the gateway for a request that can cost `cost` at a miner: `cost` plus `markupBps` of it,
 * rounded up (so the markup is never lost to rounding, and a markup of 0 charges exactly the cost).
 */
export function chargeFor(cost: bigint, markupBps: number): bigint {
  if (cost < 0n) throw new InvalidChargeError(`cost must not be negative, got ${cost}`)
  if (!Number.isInteger(markupBps) || markupBps < 0)
    throw new InvalidChargeError(`markupBps must be a whole number ≥ 0, got ${markupBps}`)
  const markup = cost * BigInt(markupBps)
  return cost + (markup + BPS - 1n) / BPS
}

/** A model's price at its best-ranked miner, as the gateway quotes it. */
export type Quote = { model: string; miner: Address; cost: bigint; amount: bigint }

export type GatewayCharge = ReturnType<typeof createGatewayCharge>

export function createGatewayCharge(
  common: Common,
  p: {
    log: Common['logger']
    mode: GatewayChargeMode
    markupBps: number
    directory: MinerDirectory
    chainId: number
    /** The payer wallet: what clients pay to. */
    payTo: Address
    /** The gateway's `exact` settlement (undefined: its token has no EIP-3009, nothing to offer). */
    exact: Promise<X402Exact | undefined>
  },
) {
  const { log, directory } = p
  const { metrics } = common
  const paid = new AsyncLocalStorage<{ amount: bigint }>()
  /** Per model, the amounts offered in a 402 and until when (ms) a payment of that amount is taken. */
  const offered = new Map<string, Map<bigint, number>>()
  let received = 0n
  let exact: X402Exact | undefined
  const counted = p.exact
    .then((x) => {
      exact = x
      if (!x) {
        const level = p.mode === 'x402' ? 'error' : 'info'
        log[level]({ msg: "the gateway's token has no EIP-3009: no x402 exact payments", charge: p.mode })
        return
      }
      // What earlier runs took counts toward the budget again (rows settled to this payer wallet).
      for (const row of x.store.recent(1_000_000_000))
        if (row.status === 'settled' && isAddressEqual(row.payTo as Address, p.payTo)) received += row.amount
    })
    .catch((error: Error) => {
      exact = undefined
      log.error({ msg: 'x402 exact unavailable', err: error.message.split('\n')[0] })
    })

  /** The model's best-ranked miner (highest weight among the healthy) and what a request there costs at most. */
  async function quote(model: string): Promise<Quote | undefined> {
    let rows = directory.ranking().filter((r) => r.model === model)
    if (rows.length === 0) {
      await directory.discoverOnDemand()
      rows = directory.ranking().filter((r) => r.model === model)
    }
    if (rows.some((r) => r.healthy)) rows = rows.filter((r) => r.healthy)
    let best: Quote | undefined
    let bestWeight = Number.NEGATIVE_INFINITY
    for (const row of rows) {
      const terms = directory.entries.get(row.payee.toLowerCase())?.models.get(model)
      if (!terms) continue
      const cost = maxRequestCost(terms.price, terms.maxUnits)
      if (row.weight > bestWeight || (row.weight === bestWeight && best && cost < best.cost)) {
        best = { model, miner: row.payee, cost, amount: chargeFor(cost, p.markupBps) }
        bestWeight = row.weight
      }
    }
    return best
  }

  function remember(model: string, amount: bigint) {
    const now = Date.now()
    const amounts = offered.get(model) ?? new Map<bigint, number>()
    for (const [a, until] of amounts) if (until <= now) amounts.delete(a)
    amounts.delete(amount)
    amounts.set(amount, now + EXACT_MAX_TIMEOUT_SECONDS * 1000)
    while (amounts.size > MAX_QUOTES_PER_MODEL) amounts.delete(amounts.keys().next().value as bigint)
    offered.set(model, amounts)
  }

  /**
   * The amount a payment must carry: the one it signed when the gateway offered exactly that for this model within
   * the last {@link EXACT_MAX_TIMEOUT_SECONDS} s (the ranking, and so the quote, may have moved since its 402), else
   * today's quote.
   */
  function agreedAmount(header: string, model: string, current: bigint): bigint {
    let value: bigint
    try {
      value = parsePaymentSignature(header).authorization.value
    } catch {
      return current // settle refuses it with the precise code
    }
    const until = offered.get(model)?.get(value)
    return until !== undefined && until > Date.now() ? value : current
  }

  function requirements(asset: ExactAsset, q: Quote): PaymentRequirements {
    return {
      scheme: EXACT_SCHEME,
      network: networkOf(p.chainId),
      amount: q.amount.toString(),
      asset: asset.address,
      payTo: p.payTo,
      maxTimeoutSeconds: EXACT_MAX_TIMEOUT_SECONDS,
      extra: {
        name: asset.name,
        version: asset.version,
        assetTransferMethod: 'eip3009',
        // What the amount is made of: the most a request costs at the best-ranked miner, and the gateway's markup.
        mycel: { model: q.model, miner: q.miner, cost: q.cost.toString(), markupBps: p.markupBps },
      },
    }
  }

  /** A 402 (or 400) that is also an x402 v2 `PaymentRequired` offering `exact` to the gateway. */
  function paymentRequired(
    c: Context,
    asset: ExactAsset,
    q: Quote,
    code: string,
    message: string,
    status: 400 | 402 = 402,
  ): Response {
    const required: PaymentRequired = {
      x402Version: X402_VERSION,
      error: message,
      resource: {
        url: c.req.url,
        description: `Model ${q.model} through a mycel gateway`,
        mimeType: 'application/json',
      },
      accepts: [requirements(asset, q)],
    }
    remember(q.model, q.amount)
    if (status === 402) c.header(PAYMENT_REQUIRED_HEADER, paymentRequiredHeader(required))
    // x402 v2 fields beside the error envelope, as the miner answers (docs/x402.md).
    const { error } = errorBody(code, message)
    const { x402Version, resource, accepts } = required
    return c.json({ error, x402Version, resource, accepts }, status)
  }

  /** The forwarder's `BUDGET_EXHAUSTED` 402, with `exact` added so that the client can pay its request itself. */
  async function budgetRefusal(c: Context, model: string, answer: Response): Promise<Response> {
    const body = (await answer
      .clone()
      .json()
      .catch(() => undefined)) as { error?: { code?: string; message?: string } } | undefined
    if (body?.error?.code !== 'BUDGET_EXHAUSTED') return answer
    await counted
    const q = exact && (await quote(model))
    if (!exact || !q || q.amount === 0n) return answer
    const message = `${body.error.message ?? 'The gateway budget is spent.'} Pay this request yourself with x402 (see "accepts").`
    return paymentRequired(c, exact.asset, q, 'BUDGET_EXHAUSTED', message)
  }

  /**
   * Answers a request for `model` whose body was checked: `forward` sends it to the miners (paid from the
   * channels). Settles the client's x402 payment first when it carries one, or asks for one in 'x402' mode.
   */
  async function handle(c: Context, model: string, forward: () => Promise<Response>): Promise<Response> {
    const header = c.req.header(PAYMENT_SIGNATURE_HEADER)
    if (header === undefined && p.mode === 'free') {
      const answer = await forward()
      return answer.status === 402 ? budgetRefusal(c, model, answer) : answer
    }
    const q = await quote(model)
    // No miner serves it (forward answers MODEL_NOT_FOUND, paying no one), or its best-ranked miner is free.
    if (!q || q.amount === 0n) return forward()
    await counted
    if (!exact) {
      if (header === undefined)
        return sendError(
          c,
          503,
          'X402_UNAVAILABLE',
          `This gateway charges with x402, but its token has no EIP-3009 (transferWithAuthorization); tell its operator.`,
        )
      return sendError(
        c,
        402,
        'X402_UNSUPPORTED_SCHEME',
        `This gateway's token has no EIP-3009: it takes no x402 exact payments.`,
      )
    }
    if (header === undefined) {
      metrics.inc('mycel_gateway_payment_refusals_total', 'Requests the gateway refused for payment.', {
        code: 'PAYMENT_REQUIRED',
      })
      return paymentRequired(
        c,
        exact.asset,
        q,
        'PAYMENT_REQUIRED',
        `Model ${model} is paid per request through this gateway: pay ${q.amount} token units with x402 exact (see "accepts") in the ${PAYMENT_SIGNATURE_HEADER} header.`,
      )
    }
    const amount = agreedAmount(header, model, q.amount)
    let settlement: Awaited<ReturnType<X402Exact['settle']>>
    try {
      settlement = await exact.settle(header, { amount, model })
    } catch (error) {
      if (!(error instanceof X402PaymentError)) throw error
      metrics.inc('mycel_gateway_payment_refusals_total', 'Requests the gateway refused for payment.', {
        code: error.code,
      })
      return paymentRequired(c, exact.asset, q, error.code, error.shortMessage, error.httpStatus)
    }
    // Settled and recorded (x402_payments) before anything is forwarded: it counts toward the budget from now on.
    received += amount
    metrics.inc('mycel_gateway_x402_payments_total', 'Requests paid to the gateway with x402 exact.', { model })
    log.info({
      msg: 'x402 payment settled',
      model,
      payer: settlement.payer,
      amount: settlement.amount,
      tx: settlement.transaction,
    })
    const answer = await paid.run({ amount }, forward)
    if (answer.status !== 200) {
      // Not refunded (docs/x402.md): the payment stays in x402_payments, settled, with its transaction.
      log.warn({ msg: 'paid request not served', model, status: answer.status, tx: settlement.transaction })
    }
    const out = new Response(answer.body, answer)
    out.headers.set(PAYMENT_RESPONSE_HEADER, paymentResponseHeader(settlement))
    return out
  }

  return {
    handle,
    quote,
    /** Every x402 payment the gateway settled to its payer wallet (this run and earlier ones), in token units. */
    received: () => received,
    /** Inside a request whose client paid with x402: it may top a channel up by just what it needs. */
    paying: () => paid.getStore() !== undefined,
    /** The latest x402 payments to the gateway, newest first. */
    payments: (limit: number) =>
      (exact?.store.recent(1_000_000_000) ?? [])
        .filter((r) => isAddressEqual(r.payTo as Address, p.payTo))
        .slice(0, limit),
    /** Resolves once the token's EIP-3009 support is known and earlier payments are counted. */
    ready: () => counted,
  }
}
