/**
 * The gateway role: what an app points the official `openai` client at. It finds miners and their prices on chain
 * (each miner's offer document is committed by CID in the registry and checked against what its endpoint serves),
 * opens and tops up a channel per miner within a budget, pays each request with a voucher signed by its session key
 * (recorded before it is sent), routes by price, health and latency, retries on another miner when one fails
 * before answering (the failed attempt's price is released, so nothing is paid twice), and streams through.
 */
import { depositToChannel, openChannel, setSessionSigner, type WriteClient } from '@mycel/sdk'
import { type Context, Hono } from 'hono'
import type { Address, Hex, PublicClient } from 'viem'
import type { LocalAccount } from 'viem/accounts'
import type { Common } from '../common/common.ts'
import type { Db } from '../db/database.ts'
import { limitRequestBodies } from '../http/limits.ts'
import { gatewayOpenApi } from '../http/openapi/gateway.ts'
import { serveOpenApi } from '../http/openapi/shared.ts'
import { fetchOffer } from '../inference/offer.ts'
import { chatCompletionRequest, completionRequest, errorBody, requestProblem } from '../inference/openai.ts'
import { createSseSplitter, sseData } from '../inference/sse.ts'
import { isFree, maxRequestCost, meteredCost, type Price } from '../payments/pricing.ts'
import { encodeVoucherHeader, VOUCHER_HEADER } from '../payments/voucherHeader.ts'
import { createVoucherSigner } from '../payments/voucherVerifier.ts'
import { createGatewayLedger, type GatewayChannel, type GatewayLedger, type Payment } from './ledger.ts'
import { listModels, type OfferedModel } from './models.ts'

export type MinerEntry = {
  payee: Address
  endpoint: string
  offerCid: string
  models: Map<string, OfferedModel>
  /** Smoothed response time in ms (time to the response headers). */
  latencyMs: number
  failures: number
  lastFailureAt: number
  lastError?: string
}

export type GatewayParameters = {
  db: Db
  client: PublicClient
  /** The payer: opens channels and deposits. */
  wallet: WriteClient
  /** The hot key that signs vouchers. */
  session: { account: LocalAccount; privateKey: Hex }
  chainId: number
  paymentChannels: Address
  token: Address
  /** Most the gateway deposits in all channels together (token units). */
  budget: bigint
  /** Deposit of each new channel, and of each top-up (token units). */
  channelDeposit: bigint
}

export type Gateway = {
  app: Hono
  discover: () => Promise<MinerEntry[]>
  /** Opens a channel to every discovered miner that has none (within the budget), or to those `accept` picks. */
  ensureChannels: (accept?: (miner: MinerEntry) => boolean) => Promise<GatewayChannel[]>
  miners: () => MinerEntry[]
  ledger: GatewayLedger
  /** `discoveries`: how many times the index's miners were gone through (shared calls count once). */
  stats: () => { paidRequests: number; failedAttempts: number; deposited: bigint; discoveries: number }
}

const FETCH_TIMEOUT_MS = 5_000
/** How long a miner may take to start answering (headers); a stream may then run as long as it needs. */
const ANSWER_TIMEOUT_MS = 60_000
const RETRY_AFTER_FAILURE_MS = 15_000
/** How long a refused (or unreachable) offer is not read again: each read may take 5 s and 1 MiB. */
const RETRY_REFUSED_OFFER_MS = 30_000
/** Least time between two discoveries started by requests for a model no known miner offers. */
const ON_DEMAND_DISCOVERY_MS = 5_000
const MAX_ATTEMPTS = 3

export function createGateway(common: Common, p: GatewayParameters): Gateway {
  const log = common.logger.child({ role: 'gateway' })
  const { metrics } = common
  const ledger = createGatewayLedger({
    db: p.db,
    sign: createVoucherSigner({ chainId: p.chainId, paymentChannels: p.paymentChannels }, p.session.privateKey),
  })
  const miners = new Map<string, MinerEntry>()
  let paidRequests = 0
  /** Per channel: attempts whose answer was lost (the miner may have served them), each allowing one catch-up. */
  const lostAnswers = new Map<bigint, number>()
  let failedAttempts = 0

  /** One payer transaction at a time (nonces, allowances); per payee one open/top-up at a time. */
  let txQueue: Promise<unknown> = Promise.resolve()
  const inTx = <T>(f: () => Promise<T>): Promise<T> => {
    const next = txQueue.then(f)
    txQueue = next.catch(() => undefined)
    return next
  }
  const opening = new Map<string, Promise<GatewayChannel>>()
  /** Channels topped up whose session cap was not raised yet. */
  const capBehind = new Set<bigint>()

  const deposited = () => ledger.channels().reduce((sum, c) => sum + (c.closed ? 0n : c.deposit), 0n)

  /** The discovery running, shared by every caller meanwhile. */
  let discovering: Promise<MinerEntry[]> | undefined
  let discoveries = 0
  let lastOnDemand = Number.NEGATIVE_INFINITY
  /** Offers refused (by endpoint and CID): not read again before the time stored. */
  const refused = new Map<string, number>()

  /** Reads the offers of the miners in the index that are new or changed; concurrent calls share one discovery. */
  function discover(): Promise<MinerEntry[]> {
    discovering ??= discoverOnce().finally(() => {
      discovering = undefined
    })
    return discovering
  }

  /** A discovery for a request naming a model no known miner offers: at most one every ON_DEMAND_DISCOVERY_MS. */
  async function discoverOnDemand(): Promise<void> {
    if (discovering) {
      await discovering
      return
    }
    if (Date.now() - lastOnDemand < ON_DEMAND_DISCOVERY_MS) return
    lastOnDemand = Date.now()
    await discover()
  }

  async function discoverOnce(): Promise<MinerEntry[]> {
    discoveries += 1
    const rows = p.db
      .prepare(
        "SELECT DISTINCT hotkey, endpoint, metadata_cid FROM neurons WHERE role = 'miner' AND metadata_cid != ''",
      )
      .all() as { hotkey: string; endpoint: string; metadata_cid: string }[]
    const now = Date.now()
    for (const [key, retryAt] of refused) if (retryAt <= now) refused.delete(key)
    await Promise.all(
      rows.map(async (row) => {
        const key = row.hotkey.toLowerCase()
        const known = miners.get(key)
        if (known && known.offerCid === row.metadata_cid && known.endpoint === row.endpoint) return
        const offerKey = `${row.endpoint}\n${row.metadata_cid}`
        if (refused.has(offerKey)) return
        try {
          const entry = await readOffer(row.hotkey as Address, row.endpoint, row.metadata_cid)
          miners.set(key, { ...entry, latencyMs: known?.latencyMs ?? 0, failures: 0, lastFailureAt: 0 })
        } catch (error) {
          refused.set(offerKey, Date.now() + RETRY_REFUSED_OFFER_MS)
          log.warn({
            msg: 'miner offer rejected',
            miner: row.hotkey,
            endpoint: row.endpoint,
            code: (error as { code?: string }).code,
            err: (error as Error).message.split('\n')[0],
          })
        }
      }),
    )
    return [...miners.values()]
  }

  async function readOffer(payee: Address, endpoint: string, cid: string) {
    const offer = await fetchOffer({
      endpoint,
      cid,
      network: { chainId: p.chainId, paymentChannels: p.paymentChannels },
      payee,
    })
    const models = new Map<string, OfferedModel>()
    if (offer.token.toLowerCase() === p.token.toLowerCase()) {
      for (const m of offer.models) {
        models.set(m.id, {
          task: m.task,
          price: { perRequest: BigInt(m.price.perRequest), per1kUnits: BigInt(m.price.per1kUnits) },
          maxUnits: BigInt(m.maxUnitsPerRequest),
          contextLength: m.contextLength,
        })
      }
    }
    return { payee, endpoint: endpoint.replace(/\/+$/, ''), offerCid: cid, models }
  }

  /** The channel to `miner`, opened (or topped up) so that it can pay `need` more. */
  function channelFor(miner: MinerEntry, need: bigint): Promise<GatewayChannel> {
    const existing = ledger.forPayee(miner.payee, p.token)
    if (existing && capBehind.has(existing.channelId)) {
      // A top-up went through but raising the session cap did not: raise it now.
      return inTx(async () => {
        await setSessionSigner(p.wallet, {
          paymentChannels: p.paymentChannels,
          channelId: existing.channelId,
          signer: p.session.account.address,
          cap: existing.deposit,
        })
        capBehind.delete(existing.channelId)
        return existing
      })
    }
    if (existing && existing.committed + need <= existing.deposit) {
      if (existing.endpoint !== miner.endpoint) ledger.update(existing.channelId, { endpoint: miner.endpoint })
      return Promise.resolve(existing)
    }
    const key = miner.payee.toLowerCase()
    const running = opening.get(key)
    if (running) return running.then((c) => (c.committed + need <= c.deposit ? c : channelFor(miner, need)))
    const work = inTx(async () => {
      const current = ledger.forPayee(miner.payee, p.token)
      const amount = p.channelDeposit > need ? p.channelDeposit : need
      if (deposited() + amount > p.budget) {
        throw new GatewayError(
          402,
          'BUDGET_EXHAUSTED',
          `The gateway's budget of ${p.budget} token units is committed to channels; raise gatewayBudget or close channels.`,
        )
      }
      if (current) {
        await depositToChannel(p.wallet, { paymentChannels: p.paymentChannels, channelId: current.channelId, amount })
        // Recorded at once, so the budget counts it even if raising the session cap fails below.
        const deposit = current.deposit + amount
        ledger.update(current.channelId, { deposit })
        capBehind.add(current.channelId)
        await setSessionSigner(p.wallet, {
          paymentChannels: p.paymentChannels,
          channelId: current.channelId,
          signer: p.session.account.address,
          cap: deposit,
        })
        capBehind.delete(current.channelId)
        log.info({
          msg: 'channel topped up',
          channelId: current.channelId.toString(),
          miner: miner.payee,
          deposit: deposit.toString(),
        })
        return ledger.get(current.channelId) as GatewayChannel
      }
      const { channelId } = await openChannel(p.wallet, {
        paymentChannels: p.paymentChannels,
        payee: miner.payee,
        token: p.token,
        amount,
        sessionSigner: p.session.account.address,
        sessionCap: amount,
      })
      const channel: GatewayChannel = {
        channelId,
        payee: miner.payee,
        endpoint: miner.endpoint,
        token: p.token,
        deposit: amount,
        sessionSigner: p.session.account.address,
        committed: 0n,
        signed: 0n,
        requests: 0n,
        units: 0n,
        closed: false,
      }
      ledger.add(channel)
      log.info({
        msg: 'channel opened',
        channelId: channelId.toString(),
        miner: miner.payee,
        deposit: amount.toString(),
      })
      return channel
    })
    opening.set(key, work)
    return work.finally(() => opening.delete(key))
  }

  async function ensureChannels(accept: (miner: MinerEntry) => boolean = () => true) {
    const opened: GatewayChannel[] = []
    for (const miner of miners.values()) {
      if (miner.models.size === 0 || !accept(miner)) continue
      try {
        opened.push(await channelFor(miner, 0n))
      } catch (error) {
        log.warn({ msg: 'cannot open a channel', miner: miner.payee, err: (error as Error).message.split('\n')[0] })
      }
    }
    return opened
  }

  const healthy = (m: MinerEntry) => m.failures === 0 || Date.now() - m.lastFailureAt > RETRY_AFTER_FAILURE_MS

  /** Miners serving `model`, cheapest first, then fastest; unhealthy ones last. */
  function candidates(model: string): { miner: MinerEntry; price: Price; maxUnits: bigint }[] {
    const list: { miner: MinerEntry; price: Price; maxUnits: bigint }[] = []
    for (const miner of miners.values()) {
      const offered = miner.models.get(model)
      if (offered) list.push({ miner, price: offered.price, maxUnits: offered.maxUnits })
    }
    const typical = (x: { price: Price }) => x.price.perRequest + meteredCost(x.price, 1000n)
    return list.sort(
      (a, b) =>
        Number(healthy(b.miner)) - Number(healthy(a.miner)) ||
        (typical(a) < typical(b) ? -1 : typical(a) > typical(b) ? 1 : 0) ||
        a.miner.latencyMs - b.miner.latencyMs,
    )
  }

  const app = new Hono()
  const fail = (c: Context, status: 400 | 402 | 404 | 413 | 502 | 503, code: string, message: string) =>
    c.json(errorBody(code, message), status)
  limitRequestBodies(app)
  serveOpenApi(app, gatewayOpenApi)

  app.get('/v1/models', async (c) => {
    if (miners.size === 0) await discover()
    return c.json({ object: 'list', data: [...listModels(miners.values(), p.token).values()] })
  })
  // `{.+}`: model ids may hold a slash (an upstream's `org/model`).
  app.get('/v1/models/:id{.+}', async (c) => {
    const id = c.req.param('id')
    let found = listModels(miners.values(), p.token).get(id)
    if (!found) {
      await discoverOnDemand()
      found = listModels(miners.values(), p.token).get(id)
    }
    if (found) return c.json(found)
    return c.json(
      errorBody('MODEL_NOT_FOUND', `No miner on this network serves model "${id}". See GET /v1/models.`, {
        param: 'model',
      }),
      404,
    )
  })

  /** Forwards a paid request, trying up to {@link MAX_ATTEMPTS} miners. */
  async function forward(
    c: Context,
    path: string,
    model: string,
    body: Record<string, unknown>,
    stream: boolean,
    clientWantsUsage: boolean,
  ) {
    let list = candidates(model)
    if (list.length === 0) {
      await discoverOnDemand()
      list = candidates(model)
    }
    if (list.length === 0)
      return fail(
        c,
        404,
        'MODEL_NOT_FOUND',
        `No miner on this network serves model "${model}" in token ${p.token}. See GET /v1/models.`,
      )
    let lastError = 'no miner answered'
    let budgetRefusal: GatewayError | undefined
    for (const { miner, price, maxUnits } of list.slice(0, MAX_ATTEMPTS)) {
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
        return new Response(response.body, {
          status: response.status,
          headers: { 'content-type': response.headers.get('content-type') ?? 'application/json' },
        })
      }
      let channel: GatewayChannel
      try {
        channel = await channelFor(miner, maxRequestCost(price, maxUnits))
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
        const timer = setTimeout(() => timeout.abort(new Error('no answer in time')), ANSWER_TIMEOUT_MS)
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
          lostAnswers.set(channel.channelId, (lostAnswers.get(channel.channelId) ?? 0) + 1)
          markFailure(miner, (error as Error).message)
          lastError = `miner ${miner.payee} did not answer: ${(error as Error).message}`
          break
        } finally {
          clearTimeout(timer)
        }
        miner.latencyMs =
          miner.latencyMs === 0
            ? performance.now() - started
            : miner.latencyMs * 0.8 + (performance.now() - started) * 0.2
        if (response.status === 402) {
          const refusal = (await response.json().catch(() => ({}))) as {
            error?: { code?: string; message?: string; payment?: { requiredAmount?: string } }
          }
          ledger.failed(payment)
          const raw = refusal.error?.payment?.requiredAmount
          const required =
            refusal.error?.code === 'UNDERPAID' && raw && /^\d{1,30}$/.test(raw) ? BigInt(raw) : undefined
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
          if (refusal.error?.code === 'UNKNOWN_CHANNEL' || refusal.error?.code === 'CHANNEL_CLOSING') {
            ledger.update(channel.channelId, { closed: true })
          }
          markFailure(miner, refusal.error?.message ?? 'payment refused')
          lastError = `miner ${miner.payee} refused payment: ${refusal.error?.code ?? 'unknown'}`
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
        if (!stream) {
          let json: { mycel?: { units?: number } }
          try {
            json = (await response.json()) as { mycel?: { units?: number } }
          } catch (error) {
            // Served, but the answer was lost on the way: it is owed; the miner will say so.
            ledger.failed(payment)
            lostAnswers.set(channel.channelId, (lostAnswers.get(channel.channelId) ?? 0) + 1)
            markFailure(miner, `unreadable answer: ${(error as Error).message}`)
            lastError = `miner ${miner.payee} sent an unreadable answer`
            break
          }
          settle(payment, price, maxUnits, json.mycel?.units)
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
    if (budgetRefusal) return fail(c, budgetRefusal.status, budgetRefusal.code, budgetRefusal.message)
    return fail(
      c,
      502,
      'NO_MINER_AVAILABLE',
      `No miner could serve "${model}": ${lastError}. Nothing was charged for the failed attempts.`,
    )
  }

  function settle(payment: Payment, price: Price, maxUnits: bigint, units: number | undefined) {
    // The miner's unit count, never above what one request may use.
    const used =
      units === undefined || !Number.isSafeInteger(units) || units < 0
        ? 0n
        : BigInt(units) > maxUnits
          ? maxUnits
          : BigInt(units)
    ledger.served(payment, meteredCost(price, used), used)
    paidRequests += 1
    metrics.inc('mycel_gateway_paid_requests_total', 'Requests the gateway paid for.')
  }

  function markFailure(miner: MinerEntry, reason: string) {
    miner.failures += 1
    miner.lastFailureAt = Date.now()
    miner.lastError = reason
    failedAttempts += 1
    metrics.inc('mycel_gateway_failed_attempts_total', 'Attempts a miner failed (retried elsewhere).')
    log.warn({ msg: 'miner attempt failed', miner: miner.payee, reason })
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
        if (units === undefined) lostAnswers.set(payment.channelId, (lostAnswers.get(payment.channelId) ?? 0) + 1)
      },
    }
    return source.pipeThrough(new TransformStream(transformer))
  }

  async function readBody(c: Context): Promise<Record<string, unknown> | Response> {
    let body: unknown
    try {
      body = await c.req.json()
    } catch {
      return fail(c, 400, 'INVALID_JSON', 'The request body is not valid JSON.')
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      return fail(c, 400, 'INVALID_REQUEST', 'The request body must be a JSON object.')
    return body as Record<string, unknown>
  }

  const textRoute = (path: string) => async (c: Context) => {
    const body = await readBody(c)
    if (body instanceof Response) return body
    if (typeof body.model !== 'string' || body.model.length === 0)
      return fail(c, 400, 'INVALID_REQUEST', 'model: expected the id of a model (see GET /v1/models).')
    // Refused here, before any miner is paid: what no mycel miner implements (docs/http-api.md).
    const checked = (path === '/v1/chat/completions' ? chatCompletionRequest : completionRequest).safeParse(body)
    if (!checked.success) {
      const { code, message, param } = requestProblem(checked.error)
      return c.json(errorBody(code, message, { param }), 400)
    }
    const stream = body.stream === true
    const wantsUsage = (body.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true
    const forwarded = stream
      ? { ...body, stream_options: { ...((body.stream_options as object) ?? {}), include_usage: true } }
      : body
    return forward(c, path, body.model, forwarded, stream, wantsUsage)
  }
  app.post('/v1/chat/completions', textRoute('/v1/chat/completions'))
  app.post('/v1/completions', textRoute('/v1/completions'))
  app.post('/v2/models/:name/infer', async (c) => {
    const body = await readBody(c)
    if (body instanceof Response) return body
    const name = c.req.param('name')
    return forward(c, `/v2/models/${encodeURIComponent(name)}/infer`, name, body, false, false)
  })
  app.get('/v2/models/:name', async (c) => {
    const [first] = candidates(c.req.param('name'))
    if (!first) return fail(c, 404, 'MODEL_NOT_FOUND', `No miner serves model "${c.req.param('name')}".`)
    const response = await fetch(`${first.miner.endpoint}/v2/models/${encodeURIComponent(c.req.param('name'))}`, {
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
    }).catch(() => undefined)
    if (!response) return fail(c, 502, 'MINER_UNREACHABLE', `The miner ${first.miner.payee} did not answer.`)
    return c.json(await response.json(), response.status as 200)
  })
  app.get('/v2/health/ready', (c) => c.json({ ready: miners.size > 0 }))
  app.get('/v2/health/live', (c) => c.json({ live: true }))
  app.onError((error, c) => {
    log.error({ msg: 'gateway request failed', path: c.req.path, err: error })
    return c.json(errorBody('INTERNAL', 'The gateway failed to handle this request; see its log.'), 500)
  })
  app.all('/v1/*', (c) => fail(c, 404, 'NOT_FOUND', `No route ${c.req.method} ${c.req.path} on the gateway.`))
  app.all('/v2/*', (c) => fail(c, 404, 'NOT_FOUND', `No route ${c.req.method} ${c.req.path} on the gateway.`))

  return {
    app,
    discover,
    ensureChannels,
    miners: () => [...miners.values()],
    ledger,
    stats: () => ({ paidRequests, failedAttempts, deposited: deposited(), discoveries }),
  }
}

export class GatewayError extends Error {
  override name = 'GatewayError'
  readonly status: 402 | 503
  readonly code: string
  constructor(status: 402 | 503, code: string, message: string) {
    super(message)
    this.status = status
    this.code = code
  }
}
