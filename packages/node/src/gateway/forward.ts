/**
 * Paid forwarding: sends a request to the miners serving its model (up to {@link MAX_ATTEMPTS}, in the order the
 * directory draws them by their ranking: discovery.ts, ranking.ts), each with a voucher
 * recorded before it is sent; reads the miner's answer to settle the payment (its metered units, clamped to what one
 * request may use), pays up an answer lost on the way once when the miner says so, and streams SSE through,
 * settling on the usage chunk. A failed attempt's price is released, so nothing is paid twice.
 *
 * A model with license terms is routed only to miners holding a valid license of it (discovery.ts'
 * {@link licensedCandidates}) and paid on that miner's model channel with split vouchers; when no miner holds one,
 * the answer is 503 NO_LICENSED_MINER naming why.
 */
import type { Context } from 'hono'
import type { Common } from '../common/common.ts'
import { errorResponse, sendError } from '../http/errors.ts'
import { createSseSplitter, sseData } from '../inference/sse.ts'
import { meteredUnits } from '../payments/meteredUnits.ts'
import { isFree, maxRequestCost, meteredCost, type Price } from '../payments/pricing.ts'
import { readPaymentRefusal } from '../payments/refusals.ts'
import { encodeVoucherHeader, VOUCHER_HEADER } from '../payments/voucherHeader.ts'
import { RECEIPT_HEADER } from '../provenance/receiptHeader.ts'
import type { GatewayChannels } from './channels.ts'
import { licensedCandidates, type MinerDirectory } from './discovery.ts'
import { GatewayError, MinerAnswerTimeoutError } from './errors.ts'
import type { GatewayChannel, GatewayLedger, Payment } from './ledger.ts'

/** How long a miner may take to start answering (headers); a stream may then run as long as it needs. */
const ANSWER_TIMEOUT_MS = 60_000
const MAX_ATTEMPTS = 3

export type Forwarder = ReturnType<typeof createForwarder>

export function createForwarder(
  common: Common,
  p: {
    ledger: GatewayLedger
    directory: MinerDirectory
    channels: GatewayChannels
    token: string
  },
) {
  const { metrics } = common
  const { ledger, directory, channels } = p
  const { markFailure } = directory
  let paidRequests = 0
  /** Per channel: attempts whose answer was lost (the miner may have served them), each allowing one catch-up. */
  const lostAnswers = new Map<bigint, number>()
  const loseAnswer = (channelId: bigint) => lostAnswers.set(channelId, (lostAnswers.get(channelId) ?? 0) + 1)

  /** Forwards a paid request, trying up to {@link MAX_ATTEMPTS} miners. */
  async function forward(
    c: Context,
    path: string,
    model: string,
    body: Record<string, unknown>,
    stream: boolean,
    clientWantsUsage: boolean,
  ) {
    let list = directory.candidates(model)
    if (list.length === 0) {
      await directory.discoverOnDemand()
      list = directory.candidates(model)
    }
    if (list.length === 0)
      return sendError(
        c,
        404,
        'MODEL_NOT_FOUND',
        `No miner on this network serves model "${model}" in token ${p.token}. See GET /v1/models.`,
      )
    const { licensed, refused } = await licensedCandidates(list, model, channels.market)
    if (licensed.length === 0) {
      return sendError(
        c,
        503,
        'NO_LICENSED_MINER',
        `No miner serving "${model}" holds a valid license for it (${refused
          .slice(0, 3)
          .map((r) => `${r.miner.payee}: ${r.reason}`)
          .join('; ')}). Nothing was charged.`,
      )
    }
    let lastError = 'no miner answered'
    let budgetRefusal: GatewayError | undefined
    for (const { miner, price, maxUnits, modelId } of licensed.slice(0, MAX_ATTEMPTS)) {
      if (isFree(price)) {
        const response = await fetch(`${miner.endpoint}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(60_000),
        }).catch((error: Error) => error)
        if (response instanceof Error || response.status >= 500) {
          markFailure(miner, response instanceof Error ? response.message : `HTTP ${response.status}`)
          lastError = `miner ${miner.payee} failed`
          continue
        }
        if (response.status === 200) directory.recordServed(miner, model)
        return new Response(response.body, {
          status: response.status,
          headers: { 'content-type': response.headers.get('content-type') ?? 'application/json' },
        })
      }
      let channel: GatewayChannel
      try {
        // The model rides on the miner argument (gateway.ts' budget wrapper passes two arguments through).
        channel = await channels.channelFor({ ...miner, modelId }, maxRequestCost(price, maxUnits))
      } catch (error) {
        // A miner whose requests could cost more than the budget left: try the next one.
        if (error instanceof GatewayError) budgetRefusal = error
        lastError = `cannot open a channel to ${miner.payee}: ${(error as Error).message.split('\n')[0]}`
        continue
      }
      for (let round = 0; round < 2; round++) {
        const payment = ledger.pay(channel.channelId, price.perRequest, model)
        const started = performance.now()
        let response: Response
        const timeout = new AbortController()
        const timer = setTimeout(() => timeout.abort(new MinerAnswerTimeoutError()), ANSWER_TIMEOUT_MS)
        try {
          response = await fetch(`${miner.endpoint}${path}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', [VOUCHER_HEADER]: encodeVoucherHeader(payment.voucher) },
            body: JSON.stringify(body),
            signal: timeout.signal,
          })
        } catch (error) {
          // The miner may have served it and lost the answer: that allows one catch-up payment later.
          ledger.failed(payment)
          loseAnswer(channel.channelId)
          markFailure(miner, (error as Error).message)
          lastError = `miner ${miner.payee} did not answer: ${(error as Error).message}`
          break
        } finally {
          clearTimeout(timer)
        }
        directory.recordLatency(miner, performance.now() - started)
        if (response.status === 402) {
          const refusal = readPaymentRefusal(await response.json().catch(() => ({})))
          ledger.failed(payment)
          const required = refusal.requiredAmount
          // The miner counts more served than we do because an answer was lost: pay that up, once per lost answer,
          // at most one request's cost each. Without a lost answer, a miner asking for more is not believed. A
          // refusal that what the gateway commits now covers (a concurrent request paid a lost answer up after this
          // voucher was signed) is retried as it is.
          const lost = lostAnswers.get(channel.channelId) ?? 0
          if (required !== undefined && round === 0) {
            if (lost > 0 && ledger.reconcile(payment, required, maxRequestCost(price, maxUnits))) {
              lostAnswers.set(channel.channelId, lost - 1)
              continue
            }
            if ((ledger.get(channel.channelId)?.committed ?? -1n) + price.perRequest >= required) continue
          }
          // The channel closed or is closing: forget it; the next request opens a new one.
          if (refusal.known === 'UNKNOWN_CHANNEL' || refusal.known === 'CHANNEL_CLOSING') {
            ledger.update(channel.channelId, { closed: true })
          }
          markFailure(miner, refusal.message ?? 'payment refused')
          lastError = `miner ${miner.payee} refused payment: ${refusal.code ?? 'unknown'}`
          break
        }
        if (response.status >= 500) {
          ledger.failed(payment)
          markFailure(miner, `HTTP ${response.status}`)
          lastError = `miner ${miner.payee} failed with HTTP ${response.status}`
          await response.body?.cancel()
          break
        }
        if (response.status !== 200) {
          // The request itself is wrong (400, 404, 413): nothing was served; pass the miner's answer through.
          ledger.failed(payment)
          return new Response(response.body, {
            status: response.status,
            headers: { 'content-type': response.headers.get('content-type') ?? 'application/json' },
          })
        }
        miner.failures = 0
        directory.recordServed(miner, model)
        if (!stream) {
          let json: { mycel?: { units?: number } }
          try {
            json = (await response.json()) as { mycel?: { units?: number } }
          } catch (error) {
            // Served, but the answer was lost on the way: it is owed; the miner will say so.
            ledger.failed(payment)
            loseAnswer(channel.channelId)
            markFailure(miner, `unreadable answer: ${(error as Error).message}`)
            lastError = `miner ${miner.payee} sent an unreadable answer`
            break
          }
          settle(payment, price, maxUnits, json.mycel?.units)
          // The miner's provenance receipt travels on (docs/provenance.md).
          const receipt = response.headers.get(RECEIPT_HEADER)
          if (receipt) c.header(RECEIPT_HEADER, receipt)
          return c.json(json)
        }
        return new Response(
          passThrough(response.body as ReadableStream<Uint8Array>, payment, price, maxUnits, clientWantsUsage),
          {
            status: 200,
            headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' },
          },
        )
      }
    }
    if (budgetRefusal) {
      const { status, body: refusal } = errorResponse(budgetRefusal, 'gateway')
      return c.json(refusal, status)
    }
    return sendError(
      c,
      502,
      'NO_MINER_AVAILABLE',
      `No miner could serve "${model}": ${lastError}. Nothing was charged for the failed attempts.`,
    )
  }

  function settle(payment: Payment, price: Price, maxUnits: bigint, units: number | undefined) {
    // The miner's unit count, never above what one request may use.
    const used = meteredUnits(units, maxUnits)
    ledger.served(payment, meteredCost(price, used), used)
    paidRequests += 1
    metrics.inc('mycel_gateway_paid_requests_total', 'Requests the gateway paid for.')
  }

  /** Streams the miner's SSE through, reading the usage chunk to settle; drops it when the client did not ask. */
  function passThrough(
    source: ReadableStream<Uint8Array>,
    payment: Payment,
    price: Price,
    maxUnits: bigint,
    keepUsage: boolean,
  ) {
    const events = createSseSplitter()
    const encoder = new TextEncoder()
    let units: number | undefined
    // `cancel` runs when the client leaves (Node 20 calls it; TypeScript's DOM types do not list it yet).
    const transformer: Transformer<Uint8Array, Uint8Array> & { cancel: () => void } = {
      transform(bytes, controller) {
        for (const event of events.push(bytes)) {
          const data = sseData(event)
          if (data && data !== '[DONE]' && data.includes('"usage"')) {
            try {
              const chunk = JSON.parse(data) as { usage?: unknown; mycel?: { units?: number } }
              if (chunk.usage) {
                units = chunk.mycel?.units
                if (!keepUsage) continue
              }
            } catch {}
          }
          if (data === '[DONE]') settle(payment, price, maxUnits, units)
          controller.enqueue(encoder.encode(event))
        }
      },
      flush(controller) {
        const rest = events.rest()
        if (rest.length > 0) controller.enqueue(encoder.encode(rest))
        // A stream cut short still used the up-front price; usage unknown is metered as zero.
        if (!payment.done) settle(payment, price, maxUnits, units)
      },
      cancel() {
        // The client left mid-stream: the miner stopped and billed what it had generated, which the gateway never
        // learns. Counted as a lost answer, so the miner's claim for it is paid once (see forward); otherwise
        // every later voucher on this channel would fall short of it and be refused.
        if (payment.done) return
        settle(payment, price, maxUnits, units)
        if (units === undefined) loseAnswer(payment.channelId)
      },
    }
    return source.pipeThrough(new TransformStream(transformer))
  }

  return { forward, paidRequests: () => paidRequests }
}
