/**
 * The miner role: serves models over HTTP and is paid per request through payment channels.
 *
 * - OpenAI-compatible `/v1/chat/completions` (with `stream: true` as server-sent events), `/v1/completions`,
 *   `/v1/models`; Open Inference Protocol (KServe v2) `/v2/models/{name}` and `/v2/models/{name}/infer`.
 * - A request without a voucher gets HTTP 402 with machine-readable payment requirements; with a voucher it is
 *   checked and recorded by the {@link MinerLedger} before the model runs.
 * - `/v1/mycel/offer` is the miner's offer (models, prices, payee, contract); its CID is published on chain as the
 *   neuron's metadata, so a gateway can check that what the endpoint says is what the miner committed to.
 * - The {@link Claimer} redeems vouchers in batches.
 * - A request signed by a validator of a subnet the miner is registered in (`x-mycel-validator`, docs/validators.md)
 *   is served free once the signature, its time window, its nonce and the signer's validator permit (on chain)
 *   check out. Open weights (ONNX) are published by CID (`/v1/mycel/content/{cid}`) so validators can re-execute.
 */
import type { Server } from 'node:http'
import {
  cidOfBytes,
  createNonceMemory,
  getNeurons,
  getSubnets,
  registerNeuron,
  subnetRegistryAbi,
  updateEndpoint,
  updateMetadata,
  VALIDATOR_HEADER,
  ValidatorRequestError,
  verifyValidatorRequest,
  type WriteClient,
} from '@mycel/sdk'
import { type Context, Hono } from 'hono'
import { streamSSE } from 'hono/streaming'
import type { Address, PublicClient } from 'viem'
import { readContract } from 'viem/actions'
import type { Common } from '../common/common.ts'
import { NodeError } from '../common/errors.ts'
import type { ContentStore } from '../content/contentStore.ts'
import type { Db } from '../db/database.ts'
import { limitRequestBodies } from '../http/limits.ts'
import { minerOpenApi } from '../http/openapi/miner.ts'
import { serveOpenApi } from '../http/openapi/shared.ts'
import { listen } from '../http/server.ts'
import type { Generation, Model, Usage } from '../inference/backend.ts'
import { ModelInputError } from '../inference/backend.ts'
import { inferRequest, matchInputs, tensorsOf } from '../inference/kserve.ts'
import { MAX_UNITS_PER_REQUEST, type MinerOffer, parseOffer } from '../inference/offer.ts'
import {
  chatChunk,
  chatCompletion,
  chatCompletionRequest,
  chatMessages,
  completionRequest,
  errorBody,
  type FinishReason,
  requestProblem,
  stopList,
  textCompletion,
  usageJson,
} from '../inference/openai.ts'
import { type ChannelCache, createChannelCache } from '../payments/channelCache.ts'
import { isFree, meteredCost, type Price, priceJson } from '../payments/pricing.ts'
import { createVerifierPool } from '../payments/verifierPool.ts'
import { parseVoucherHeader, VOUCHER_HEADER } from '../payments/voucherHeader.ts'
import { type Claimer, type ClaimPolicy, createClaimer } from './claims.ts'
import { type Admission, createMinerLedger, type MinerLedger, PaymentError } from './ledger.ts'

const DEFAULT_MAX_TOKENS = 128

export type ServedModel = { model: Model; price: Price }

export type Miner = {
  url: string
  payee: Address
  offer: MinerOffer
  offerCid: string
  ledger: MinerLedger
  claimer: Claimer
  cache: ChannelCache
  models: ServedModel[]
  /** The subnets it is registered in. */
  netuids: bigint[]
  stop: () => Promise<void>
}

export type StartMinerParameters = {
  db: Db
  client: PublicClient
  wallet: WriteClient
  chainId: number
  paymentChannels: Address
  registry: Address
  token: Address
  models: ServedModel[]
  host: string
  port: number
  /** Public URL published on chain; defaults to http://host:port. */
  publicUrl?: string | undefined
  /** Subnets (by name) to register in, or `auto`; those that do not exist are skipped with a warning. */
  subnets: string[]
  store: ContentStore
  policy: ClaimPolicy
  /** Milliseconds between claim checks and channel-event polls. */
  tickMs: number
  /** How long after an answer its metered cost may be missing from vouchers (default METERED_GRACE_MS). */
  meteredGraceMs?: number
}

/** Longest prompt a text request may carry, in tokens (characters for the built-in model; 4 per token elsewhere). */
export const MAX_PROMPT_TOKENS = 32_768
/** Most instances (the first dimension of the first input) one tensor request may carry. */
export const MAX_INSTANCES = 4096
const unitOf = (m: Model) => (m.text ? 'token' : 'instance') as 'token' | 'instance'
/** The most units one request can be metered for: what bounds both sides' exposure (see pricing.ts). */
const maxUnitsOf = (m: Model) => (m.text ? m.text.maxTokens + MAX_PROMPT_TOKENS : MAX_INSTANCES)
/**
 * A text model's context: its own (a GGUF context, an upstream's `context_length`) or what this miner accepts (the
 * longest prompt and completion), at most what an offer may state (MAX_UNITS_PER_REQUEST): an upstream may state
 * 1,048,576 or 10M tokens, and an offer above the bound is refused by every gateway and validator.
 */
const contextLengthOf = (m: Model) =>
  m.text ? Math.min(m.text.contextLength ?? m.text.maxTokens + MAX_PROMPT_TOKENS, MAX_UNITS_PER_REQUEST) : null

export async function startMiner(common: Common, p: StartMinerParameters): Promise<Miner> {
  const { logger, metrics } = common
  const log = logger.child({ role: 'miner' })
  const payee = p.wallet.account.address
  const verifier = createVerifierPool({ chainId: p.chainId, paymentChannels: p.paymentChannels })
  const cache = await createChannelCache(p.client, p.paymentChannels)
  const ledger = createMinerLedger({
    db: p.db,
    payee,
    verifier,
    cache,
    safetySeconds: p.policy.safetySeconds,
    ...(p.meteredGraceMs === undefined ? {} : { meteredGraceMs: p.meteredGraceMs }),
    log,
  })
  const claimer = createClaimer(common, {
    db: p.db,
    ledger,
    cache,
    wallet: p.wallet,
    paymentChannels: p.paymentChannels,
    policy: p.policy,
  })
  // Watch every channel that still owes something from before a restart: a close request or a key change there
  // must be seen even if no new voucher arrives.
  await Promise.all(
    ledger
      .channels()
      .filter((row) => !row.closed && row.best.cumulativeAmount > row.claimed)
      .map((row) => cache.load(row.channelId).catch(() => undefined)),
  )
  const byId = new Map(p.models.map((m) => [m.model.id, m]))
  const stopping = new AbortController()

  const app = new Hono()
  const offerRef: { offer?: MinerOffer; bytes?: Uint8Array; cid?: string } = {}

  const fail = (
    c: Context,
    status: 400 | 401 | 402 | 403 | 404 | 413 | 502 | 503,
    code: string,
    message: string,
    extra = {},
  ) => c.json(errorBody(code, message, extra), status)

  const requirements = (served: ServedModel) => ({
    scheme: 'mycel-channel',
    version: 1,
    chainId: p.chainId,
    paymentChannels: p.paymentChannels,
    payee,
    token: p.token,
    model: served.model.id,
    price: priceJson(served.price),
    unit: unitOf(served.model),
    maxUnitsPerRequest: maxUnitsOf(served.model),
    header: VOUCHER_HEADER,
  })

  const nonces = createNonceMemory()
  const netuids: bigint[] = []
  const permits = new Map<string, { ok: boolean; until: number }>()
  /** Whether `hotkey` holds a validator permit in `netuid` (cached for a few seconds). */
  async function hasPermit(netuid: bigint, hotkey: Address): Promise<boolean> {
    const key = `${netuid}:${hotkey.toLowerCase()}`
    const cached = permits.get(key)
    if (cached && cached.until > Date.now()) return cached.ok
    let ok = false
    try {
      const uid = await readContract(p.client, {
        address: p.registry,
        abi: subnetRegistryAbi,
        functionName: 'uidOf',
        args: [netuid, hotkey],
      })
      ok = await readContract(p.client, {
        address: p.registry,
        abi: subnetRegistryAbi,
        functionName: 'hasValidatorPermit',
        args: [netuid, uid],
      })
    } catch {
      ok = false // not registered in the subnet
    }
    permits.set(key, { ok, until: Date.now() + 5_000 })
    return ok
  }

  /** A validator's signed request: free when it checks out, else the 401/403 to send. */
  async function validatorAdmission(c: Context, served: ServedModel, raw: Uint8Array): Promise<Admission | Response> {
    let verified: { hotkey: Address; netuid: bigint }
    try {
      verified = await verifyValidatorRequest({
        chainId: p.chainId,
        registry: p.registry,
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

  /** Admits the request's voucher (or a validator's signature), or returns the 4xx response to send. */
  async function pay(c: Context, served: ServedModel, raw: Uint8Array): Promise<Admission | Response> {
    if (c.req.header(VALIDATOR_HEADER) !== undefined) return validatorAdmission(c, served, raw)
    if (isFree(served.price)) return { channelId: 0n, price: 0n, model: served.model.id, settled: true }
    const header = c.req.header(VOUCHER_HEADER)
    if (header === undefined) {
      metrics.inc('mycel_miner_payment_refusals_total', 'Requests refused for payment.', { code: 'PAYMENT_REQUIRED' })
      return fail(
        c,
        402,
        'PAYMENT_REQUIRED',
        `Model ${served.model.id} is paid per request: send a voucher in the ${VOUCHER_HEADER} header (see "payment").`,
        {
          payment: requirements(served),
        },
      )
    }
    const parsed = parseVoucherHeader(header)
    if (!parsed.ok) return fail(c, 400, 'INVALID_VOUCHER', `The ${VOUCHER_HEADER} header is invalid: ${parsed.reason}.`)
    try {
      return await ledger.admit(parsed.voucher, {
        price: served.price.perRequest,
        token: p.token,
        model: served.model.id,
      })
    } catch (error) {
      if (!(error instanceof PaymentError)) throw error
      metrics.inc('mycel_miner_payment_refusals_total', 'Requests refused for payment.', { code: error.code })
      return fail(c, error.status, error.code, error.message, {
        payment: { ...requirements(served), ...error.details, channelId: parsed.voucher.channelId.toString() },
      })
    }
  }
  /** Records a served request: the price and the metered cost of `units`. */
  async function settle(admission: Admission, served: ServedModel, units: number) {
    // Never metered above what the offer promises as the most one request can use.
    const counted = Number.isSafeInteger(units) && units > 0 ? Math.min(units, maxUnitsOf(served.model)) : 0
    if (isFree(served.price) || admission.channelId === 0n)
      return { channelId: null, cost: '0', units: counted, served: '0' }
    const metered = meteredCost(served.price, BigInt(counted))
    await ledger.settle(admission, metered)
    metrics.inc('mycel_miner_paid_requests_total', 'Paid requests served.', { model: served.model.id })
    const row = ledger.channel(admission.channelId)
    return {
      channelId: admission.channelId.toString(),
      cost: (admission.price + metered).toString(),
      units: counted,
      served: (row?.served ?? 0n).toString(),
    }
  }

  async function readJson(
    c: Context,
  ): Promise<{ ok: true; value: unknown; raw: Uint8Array } | { ok: false; response: Response }> {
    const type = c.req.header('content-type') ?? ''
    if (!type.toLowerCase().includes('application/json')) {
      return {
        ok: false,
        response: fail(
          c,
          400,
          'INVALID_CONTENT_TYPE',
          'Send the request body as JSON with content-type: application/json.',
        ),
      }
    }
    // The raw bytes: a validator's signature covers them exactly.
    const raw = new Uint8Array(await c.req.arrayBuffer())
    try {
      return { ok: true, value: JSON.parse(new TextDecoder().decode(raw)), raw }
    } catch {
      return { ok: false, response: fail(c, 400, 'INVALID_JSON', 'The request body is not valid JSON.') }
    }
  }

  const zodMessage = (error: { issues: { path: PropertyKey[]; message: string }[] }) => {
    const issue = error.issues[0]
    return issue ? `${issue.path.map(String).join('.') || 'body'}: ${issue.message}` : 'invalid request'
  }

  function findModel(c: Context, id: string, task: 'text' | 'tensor'): ServedModel | Response {
    const served = byId.get(id)
    if (!served) {
      return fail(
        c,
        404,
        'MODEL_NOT_FOUND',
        `This miner does not serve model "${id}"; it serves ${[...byId.keys()].map((k) => `"${k}"`).join(', ')}.`,
      )
    }
    if (task === 'text' && !served.model.text) {
      return fail(c, 400, 'WRONG_TASK', `Model "${id}" takes tensors, not text: use POST /v2/models/${id}/infer.`)
    }
    if (task === 'tensor' && !served.model.tensor) {
      return fail(c, 400, 'WRONG_TASK', `Model "${id}" generates text: use POST /v1/chat/completions.`)
    }
    return served
  }

  app.use('*', async (c, next) => {
    await next()
    metrics.inc('mycel_miner_http_requests_total', 'HTTP requests to the miner.', { status: String(c.res.status) })
  })
  limitRequestBodies(app)

  app.get('/health', (c) => c.json({ status: 'ok', role: 'miner', payee }))
  serveOpenApi(app, minerOpenApi)
  app.get('/v1/mycel/offer', (c) =>
    offerRef.bytes
      ? c.body(new Uint8Array(offerRef.bytes), 200, { 'content-type': 'application/json' })
      : fail(c, 503, 'NOT_READY', 'The offer is not published yet.'),
  )
  const weightCids = new Map<string, Uint8Array>()
  app.get('/v1/mycel/content/:cid', (c) => {
    const bytes = weightCids.get(c.req.param('cid'))
    if (!bytes) return fail(c, 404, 'NOT_FOUND', `This miner publishes no content ${c.req.param('cid')}.`)
    return c.body(new Uint8Array(bytes), 200, { 'content-type': 'application/octet-stream' })
  })
  app.get('/v1/models', (c) =>
    c.json({
      object: 'list',
      data: p.models.map((s) => ({
        id: s.model.id,
        object: 'model',
        created: 0,
        owned_by: payee,
        context_length: contextLengthOf(s.model),
        mycel: {
          task: s.model.text ? 'text-generation' : 'tensor',
          price: priceJson(s.price),
          unit: unitOf(s.model),
          token: p.token,
        },
      })),
    }),
  )

  async function text(c: Context, kind: 'chat' | 'completion') {
    const body = await readJson(c)
    if (!body.ok) return body.response
    const parsed = (kind === 'chat' ? chatCompletionRequest : completionRequest).safeParse(body.value)
    if (!parsed.success) {
      const { code, message, param } = requestProblem(parsed.error)
      return fail(c, 400, code, message, { param })
    }
    const request = parsed.data
    const served = findModel(c, request.model, 'text')
    if (served instanceof Response) return served
    const model = served.model
    const limit = model.text?.maxTokens ?? 0
    const asked =
      (kind === 'chat' ? (request as { max_completion_tokens?: number | null }).max_completion_tokens : undefined) ??
      request.max_tokens ??
      Math.min(DEFAULT_MAX_TOKENS, limit)
    if (asked > limit)
      return fail(c, 400, 'MAX_TOKENS_TOO_LARGE', `max_tokens may be at most ${limit} for model "${model.id}".`)
    const promptChars =
      kind === 'chat'
        ? chatMessages(request as Parameters<typeof chatMessages>[0]).reduce((sum, m) => sum + m.content.length, 0)
        : [(request as { prompt: string | string[] }).prompt].flat().join('').length
    const charsPerToken = model.backend === 'onnx' ? 1 : 4
    if (promptChars > MAX_PROMPT_TOKENS * charsPerToken) {
      return fail(
        c,
        400,
        'PROMPT_TOO_LONG',
        `The prompt may be at most ${MAX_PROMPT_TOKENS} tokens (${MAX_PROMPT_TOKENS * charsPerToken} characters) for model "${model.id}".`,
      )
    }

    const admission = await pay(c, served, body.raw)
    if (admission instanceof Response) return admission
    const controller = new AbortController()
    const prompt = kind === 'chat' ? undefined : (request as { prompt: string | string[] }).prompt
    const generation = model.text?.generate({
      ...(kind === 'chat'
        ? { messages: chatMessages(request as Parameters<typeof chatMessages>[0]) }
        : { prompt: typeof prompt === 'string' ? prompt : (prompt?.[0] ?? '') }),
      maxTokens: asked,
      temperature: request.temperature ?? 1,
      topP: request.top_p ?? 1,
      seed: request.seed ?? undefined,
      stop: stopList(request.stop),
      // Stopping the miner ends every generation before its models close.
      signal: AbortSignal.any([controller.signal, stopping.signal]),
    }) as Generation
    const id = `${kind === 'chat' ? 'chatcmpl' : 'cmpl'}-${crypto.randomUUID()}`
    const created = Math.floor(Date.now() / 1000)
    const finishOf = (usage: Usage): FinishReason => (usage.completionTokens >= asked ? 'length' : 'stop')

    if (!request.stream) {
      let textOut = ''
      let usage: Usage
      try {
        for (;;) {
          const step = await generation.next()
          if (step.done) {
            usage = step.value
            break
          }
          textOut += step.value
        }
      } catch (error) {
        ledger.release(admission)
        // Stopping aborts every generation: nothing failed, the client is gone with the server.
        if (!stopping.signal.aborted) {
          log.warn({ msg: 'generation failed', model: model.id, err: (error as Error).message })
        }
        return fail(
          c,
          502,
          'BACKEND_FAILED',
          `Model "${model.id}" failed: ${(error as Error).message}. Nothing was charged.`,
        )
      }
      const receipt = await settle(admission, served, usage.promptTokens + usage.completionTokens)
      const bodyOut =
        kind === 'chat'
          ? chatCompletion(id, model.id, created, textOut, finishOf(usage), usage)
          : textCompletion(id, model.id, created, textOut, finishOf(usage), usage)
      return c.json({ ...bodyOut, mycel: receipt })
    }

    const includeUsage = request.stream_options?.include_usage === true
    return streamSSE(c, async (stream) => {
      stream.onAbort(() => controller.abort())
      let usage: Usage | undefined
      let pieces = 0
      try {
        if (kind === 'chat')
          await stream.writeSSE({
            data: JSON.stringify(chatChunk(id, model.id, created, { role: 'assistant', content: '' }, null)),
          })
        for (;;) {
          const step = await generation.next()
          if (step.done) {
            usage = step.value
            break
          }
          const chunk =
            kind === 'chat'
              ? chatChunk(id, model.id, created, { content: step.value }, null)
              : textCompletion(id, model.id, created, step.value, null)
          pieces += 1
          await stream.writeSSE({ data: JSON.stringify(chunk) })
        }
      } catch (error) {
        if (controller.signal.aborted) {
          // The client left mid-stream: what it received was served (at least a token per piece).
          await settle(admission, served, pieces)
          return
        }
        ledger.release(admission)
        if (!stopping.signal.aborted) {
          log.warn({ msg: 'generation failed', model: model.id, err: (error as Error).message })
        }
        await stream.writeSSE({
          data: JSON.stringify(
            errorBody(
              'BACKEND_FAILED',
              `Model "${model.id}" failed: ${(error as Error).message}. Nothing was charged.`,
            ),
          ),
        })
        return
      }
      // Recorded before the last chunk: a client that saw the end was charged in the ledger.
      const receipt = await settle(admission, served, usage.promptTokens + usage.completionTokens)
      const finish = finishOf(usage)
      const last =
        kind === 'chat'
          ? chatChunk(id, model.id, created, {}, finish)
          : textCompletion(id, model.id, created, '', finish)
      await stream.writeSSE({ data: JSON.stringify(last) })
      const usageChunk = {
        ...(kind === 'chat'
          ? chatChunk(id, model.id, created, {}, null)
          : textCompletion(id, model.id, created, '', null)),
        choices: [],
        usage: usageJson(usage),
        mycel: receipt,
      }
      if (includeUsage) await stream.writeSSE({ data: JSON.stringify(usageChunk) })
      await stream.writeSSE({ data: '[DONE]' })
    })
  }

  app.post('/v1/chat/completions', (c) => text(c, 'chat'))
  app.post('/v1/completions', (c) => text(c, 'completion'))

  app.get('/v2/health/live', (c) => c.json({ live: true }))
  app.get('/v2/health/ready', (c) => c.json({ ready: true }))
  app.get('/v2/models/:name', (c) => {
    const served = findModel(c, c.req.param('name'), 'tensor')
    if (served instanceof Response) return served
    const t = served.model.tensor
    return c.json({
      name: served.model.id,
      versions: ['1'],
      platform: 'onnxruntime_onnx',
      inputs: t?.inputs ?? [],
      outputs: t?.outputs ?? [],
      mycel: { price: priceJson(served.price), unit: 'instance', token: p.token },
    })
  })
  app.post('/v2/models/:name/infer', async (c) => {
    const body = await readJson(c)
    if (!body.ok) return body.response
    const parsed = inferRequest.safeParse(body.value)
    if (!parsed.success) return fail(c, 400, 'INVALID_REQUEST', zodMessage(parsed.error))
    const served = findModel(c, c.req.param('name'), 'tensor')
    if (served instanceof Response) return served
    const tensorModel = served.model.tensor as NonNullable<Model['tensor']>
    let tensors: ReturnType<typeof tensorsOf>
    try {
      tensors = tensorsOf(parsed.data, tensorModel.maxElements)
      matchInputs(tensorModel.inputs, tensors)
      const batch = tensors[0]?.shape[0] ?? 1
      if (batch > MAX_INSTANCES) {
        throw new ModelInputError('BATCH_TOO_LARGE', `At most ${MAX_INSTANCES} instances per request; got ${batch}.`)
      }
    } catch (error) {
      return fail(c, 400, error instanceof ModelInputError ? error.code : 'INVALID_TENSOR', (error as Error).message)
    }
    const admission = await pay(c, served, body.raw)
    if (admission instanceof Response) return admission
    let outputs: Awaited<ReturnType<typeof tensorModel.infer>>
    try {
      outputs = await tensorModel.infer(
        tensors,
        parsed.data.outputs?.map((o) => o.name),
      )
    } catch (error) {
      ledger.release(admission)
      if (error instanceof ModelInputError) return fail(c, 400, error.code, `${error.message} Nothing was charged.`)
      log.warn({ msg: 'inference failed', model: served.model.id, err: (error as Error).message })
      return fail(c, 502, 'BACKEND_FAILED', `Model "${served.model.id}" failed. Nothing was charged.`)
    }
    const instances = tensors[0]?.shape[0] ?? 1
    const receipt = await settle(admission, served, instances)
    return c.json({
      model_name: served.model.id,
      model_version: '1',
      id: parsed.data.id ?? crypto.randomUUID(),
      outputs,
      mycel: receipt,
    })
  })

  app.notFound((c) => fail(c, 404, 'NOT_FOUND', `No route ${c.req.method} ${c.req.path} on this miner.`))
  app.onError((error, c) => {
    log.error({ msg: 'miner request failed', path: c.req.path, err: error })
    return c.json(errorBody('INTERNAL', 'The miner failed to handle this request; see its log.'), 500)
  })

  const { server, port } = await listen(app, p.host, p.port, {
    what: 'miner port',
    setting: '--miner-port / MYCEL_MINER_PORT',
  })
  const url = p.publicUrl ?? `http://${p.host}:${port}`
  const closeServer = () =>
    new Promise<void>((r) => {
      ;(server as Server).close(() => r())
      ;(server as Server).closeAllConnections()
    })

  try {
    const offer: MinerOffer = {
      kind: 'mycel/miner-offer',
      version: 1,
      chainId: p.chainId,
      paymentChannels: p.paymentChannels,
      payee,
      token: p.token,
      endpoint: url,
      models: [],
    }
    for (const s of p.models) {
      const weights = s.model.weights
      const weightsCid = weights ? await p.store.put(weights) : undefined
      if (weights && weightsCid) weightCids.set(weightsCid, weights)
      offer.models.push({
        id: s.model.id,
        task: s.model.text ? 'text-generation' : 'tensor',
        backend: s.model.backend,
        description: s.model.description,
        price: priceJson(s.price),
        unit: unitOf(s.model),
        maxUnitsPerRequest: maxUnitsOf(s.model),
        ...(s.model.text ? { contextLength: contextLengthOf(s.model) as number } : {}),
        ...(weightsCid ? { weightsCid } : {}),
      })
    }
    // Checked with the rule its readers apply: an offer they refuse would leave this miner up but never paid.
    const checked = parseOffer(offer)
    if (!checked.ok) {
      throw new NodeError(
        'OFFER_INVALID',
        `This miner's offer would be refused by every gateway and validator (${checked.problem}); see docs/inference.md#the-offer for what an offer may state.`,
        { exitCode: 2 },
      )
    }
    const bytes = new TextEncoder().encode(`${JSON.stringify(offer, null, 2)}\n`)
    const cid = await p.store.put(bytes)
    offerRef.offer = offer
    offerRef.bytes = bytes
    offerRef.cid = await cidOfBytes(bytes)
    netuids.push(...(await publish(p, url, cid, log)))
  } catch (error) {
    await closeServer()
    await verifier.close()
    throw error
  }

  let stopped = false
  let timer: NodeJS.Timeout | undefined
  const tick = async () => {
    try {
      await cache.poll()
      await claimer.claimDue()
    } catch (error) {
      log.warn({ msg: 'miner tick failed', err: (error as Error).message.split('\n')[0] })
    } finally {
      if (!stopped) timer = setTimeout(tick, p.tickMs)
    }
  }
  timer = setTimeout(tick, p.tickMs)
  log.info({ msg: 'miner listening', url, payee, models: p.models.map((m) => m.model.id), offer: offerRef.cid })

  return {
    url,
    payee,
    offer: offerRef.offer as MinerOffer,
    offerCid: offerRef.cid as string,
    ledger,
    claimer,
    cache,
    models: p.models,
    netuids,
    stop: async () => {
      stopped = true
      stopping.abort()
      if (timer) clearTimeout(timer)
      await closeServer()
      ledger.flush()
      await verifier.close()
      await Promise.all(p.models.map((m) => m.model.close()))
    },
  }
}

/**
 * Registers the miner in its subnets (or moves its endpoint / metadata there) so gateways can find it; returns the
 * subnets it is in.
 */
async function publish(p: StartMinerParameters, url: string, cid: string, log: Common['logger']): Promise<bigint[]> {
  const joined: bigint[] = []
  const subnets = await getSubnets(p.client, { registry: p.registry })
  // `auto`: the subnets for what it serves: text-generation subnets for text models, and for tensor models the
  // subnets named like the model (the devnet's `digits`).
  const names = p.subnets.includes('auto')
    ? subnets
        .filter(
          (s) =>
            (s.taskType === 'text-generation' && p.models.some((m) => m.model.text)) ||
            p.models.some((m) => m.model.tensor && !m.model.text && m.model.id === s.name),
        )
        .map((s) => s.name)
    : p.subnets
  for (const name of names) {
    const subnet = subnets.find((s) => s.name === name)
    if (!subnet) {
      log.warn({ msg: 'no such subnet; not registering there', subnet: name })
      continue
    }
    const mine = (await getNeurons(p.client, { registry: p.registry, netuid: subnet.netuid })).find(
      (n) => n.hotkey.toLowerCase() === p.wallet.account.address.toLowerCase(),
    )
    if (!mine) {
      await registerNeuron(p.wallet, {
        registry: p.registry,
        netuid: subnet.netuid,
        role: 'miner',
        endpoint: url,
        metadataCid: cid,
      })
      log.info({ msg: 'miner registered', subnet: name, endpoint: url })
      joined.push(BigInt(subnet.netuid))
      continue
    }
    if (mine.role !== 'miner') {
      // Moving its endpoint would silently turn another role's neuron into this miner's address book entry.
      throw new NodeError(
        'KEY_IN_USE',
        `Key ${p.wallet.account.address} is registered in subnet ${name} as a ${mine.role} (uid ${mine.uid}): a miner signing with it would overwrite that neuron's endpoint and metadata. Give the miner a key of its own (\`mycel miner serve --dev-account N\` or \`--key NAME\`; minerKey for \`mycel up\`).`,
        { exitCode: 2 },
      )
    }
    joined.push(BigInt(subnet.netuid))
    if (mine.endpoint !== url)
      await updateEndpoint(p.wallet, { registry: p.registry, netuid: subnet.netuid, endpoint: url })
    if (mine.metadataCid !== cid)
      await updateMetadata(p.wallet, { registry: p.registry, netuid: subnet.netuid, metadataCid: cid })
  }
  return joined
}
