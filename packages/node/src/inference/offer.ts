/**
 * A miner's offer: the JSON document it serves at `/v1/mycel/offer` (models, prices, payee, contract) and whose CID
 * it publishes on chain as its neuron's metadata. The one home of the offer: its type and zod schema, how a miner
 * builds it from the models it serves ({@link buildOffer}, with the units and limits it states), how a reader turns
 * an offered model into terms ({@link offeredTerms}), and {@link fetchOffer}, the one place where an offer from the
 * network is fetched, size-capped, checked against its CID and validated (gateways to route and pay, validators to
 * pick the model to score and the weights to re-execute). Anyone can register an endpoint, so nothing in an offer is
 * trusted before that.
 */
import { BaseError, cidOfBytes } from '@mycel/sdk'
import { z } from 'zod'
import { type Price, priceJson } from '../payments/pricing.ts'
import type { Model } from './backend.ts'
import { OwnOfferInvalidError } from './errors.ts'

/** Most bytes read from an offer endpoint. */
export const MAX_OFFER_BYTES = 1 << 20
/** Most time an offer endpoint may take to send the whole offer (ms). */
export const OFFER_TIMEOUT_MS = 5_000
/**
 * Largest `maxUnitsPerRequest` and `contextLength` an offer may state (a million tokens or instances): it bounds
 * deposits and billing. A miner whose model states a longer context states this one (see {@link contextLengthOf}).
 */
export const MAX_UNITS_PER_REQUEST = 1_000_000

const decimal = z.string().regex(/^(0|[1-9]\d{0,29})$/, {
  error: 'expected a whole number of token units as a decimal string, e.g. "1000"',
})
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, { error: 'expected an address (0x and 40 hex digits)' })

/** The offer as the node reads it; unknown fields are kept and ignored (a newer miner may add some). */
export const minerOfferSchema = z.looseObject({
  kind: z.literal('mycel/miner-offer'),
  version: z.literal(1),
  chainId: z.number().int().positive(),
  paymentChannels: address,
  payee: address,
  token: address,
  endpoint: z.string().max(2048),
  models: z
    .array(
      z.looseObject({
        id: z.string().min(1).max(200),
        task: z.enum(['text-generation', 'tensor']),
        backend: z.string().max(200).optional(),
        description: z.string().max(2000).optional(),
        price: z.object({ perRequest: decimal, per1kUnits: decimal }),
        unit: z.enum(['token', 'instance']),
        maxUnitsPerRequest: z.number().int().min(0).max(MAX_UNITS_PER_REQUEST),
        /** Text models: the most tokens one request may use, prompt and completion together. */
        contextLength: z.number().int().min(1).max(MAX_UNITS_PER_REQUEST).optional(),
        /** CID of the model file, when its weights are open: validators re-execute requests with it. */
        weightsCid: z
          .string()
          .regex(/^b[a-z2-7]{20,200}$/, { error: 'expected a CIDv1 in base32' })
          .optional(),
        /** Its ModelRegistry id when registered with license terms (docs/models-market-node.md). */
        registryId: z
          .string()
          .regex(/^[1-9]\d{0,77}$/, { error: 'expected a model id as a decimal string, e.g. "1"' })
          .optional(),
        /** The royalty a request for it pays: the route (model, then ancestors) and its total, in basis points. */
        royalty: z
          .object({
            totalBps: z.number().int().min(0).max(10_000),
            route: z.array(z.object({ modelId: decimal, bps: z.number().int().min(0).max(10_000) })).max(8),
          })
          .optional(),
      }),
    )
    .max(1000),
})

export type MinerOffer = z.output<typeof minerOfferSchema>
export type OfferedModel = MinerOffer['models'][number]

export type OfferErrorCode =
  | 'OFFER_INVALID_ENDPOINT'
  | 'OFFER_UNREACHABLE'
  | 'OFFER_TIMEOUT'
  | 'OFFER_HTTP_STATUS'
  | 'OFFER_TOO_LARGE'
  | 'OFFER_CID_MISMATCH'
  | 'OFFER_NOT_JSON'
  | 'OFFER_INVALID'
  | 'OFFER_WRONG_NETWORK'
  | 'OFFER_WRONG_PAYEE'

/** An offer refused, and why; `message` names the endpoint and what was wrong. */
export class OfferError extends BaseError {
  override name = 'OfferError'
  readonly code: OfferErrorCode
  readonly endpoint: string
  constructor(code: OfferErrorCode, endpoint: string, reason: string, cause?: unknown) {
    super(`The offer of ${endpoint} was refused: ${reason}.`, { cause, docsPath: 'inference.md#the-offer' })
    this.code = code
    this.endpoint = endpoint
  }
}

export type FetchOfferParameters = {
  /** The miner's endpoint as registered on chain. */
  endpoint: string
  /** The CID published on chain: the bytes must hash to it. */
  cid: string
  /** When given, the offer must be for this chain and contract. */
  network?: { chainId: number; paymentChannels: string } | undefined
  /** When given, the offer must pay this address (the registered hotkey). */
  payee?: string | undefined
  maxBytes?: number
  timeoutMs?: number
  /** Stops the read early (a role shutting down). */
  signal?: AbortSignal | undefined
}

/** The offer at `endpoint`, read (at most `maxBytes`, within `timeoutMs`), checked and validated; throws {@link OfferError}. */
export async function fetchOffer({
  endpoint,
  cid,
  network,
  payee,
  maxBytes = MAX_OFFER_BYTES,
  timeoutMs = OFFER_TIMEOUT_MS,
  signal,
}: FetchOfferParameters): Promise<MinerOffer> {
  const base = endpoint.replace(/\/+$/, '')
  if (!/^https?:\/\/[^\s]+$/.test(base) || !URL.canParse(base)) {
    throw new OfferError('OFFER_INVALID_ENDPOINT', endpoint, 'the endpoint is not an http(s) URL')
  }
  const bytes = await readCapped(`${base}/v1/mycel/offer`, endpoint, { maxBytes, timeoutMs, signal })
  const actual = await cidOfBytes(bytes)
  if (actual !== cid) {
    throw new OfferError('OFFER_CID_MISMATCH', endpoint, `its bytes hash to ${actual}, not the CID ${cid} on chain`)
  }
  let json: unknown
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch (error) {
    throw new OfferError('OFFER_NOT_JSON', endpoint, 'it is not UTF-8 JSON', error)
  }
  const parsed = parseOffer(json)
  if (!parsed.ok) throw new OfferError('OFFER_INVALID', endpoint, parsed.problem)
  const offer = parsed.offer
  if (
    network &&
    (offer.chainId !== network.chainId || offer.paymentChannels.toLowerCase() !== network.paymentChannels.toLowerCase())
  ) {
    throw new OfferError(
      'OFFER_WRONG_NETWORK',
      endpoint,
      `it is for chain ${offer.chainId} / contract ${offer.paymentChannels}, not chain ${network.chainId} / contract ${network.paymentChannels}`,
    )
  }
  if (payee && offer.payee.toLowerCase() !== payee.toLowerCase()) {
    throw new OfferError('OFFER_WRONG_PAYEE', endpoint, `it pays ${offer.payee}, not the registered hotkey ${payee}`)
  }
  return offer
}

/**
 * `value` validated as an offer, or the first problem, naming the field (`models.0.contextLength: …`). The one rule
 * for offers: readers refuse what it refuses, and the miner checks its own offer with it before publishing.
 */
export function parseOffer(value: unknown): { ok: true; offer: MinerOffer } | { ok: false; problem: string } {
  const parsed = minerOfferSchema.safeParse(value)
  if (parsed.success) return { ok: true, offer: parsed.data }
  const issue = parsed.error.issues[0]
  const where = issue?.path.map(String).join('.') || 'the document'
  return { ok: false, problem: `${where}: ${issue?.message ?? 'invalid'}` }
}

/** GETs `url` and reads at most `maxBytes` of its body (refusing more, announced or not) within `timeoutMs`. */
async function readCapped(
  url: string,
  endpoint: string,
  { maxBytes, timeoutMs, signal: stop }: { maxBytes: number; timeoutMs: number; signal: AbortSignal | undefined },
): Promise<Uint8Array> {
  const timer = AbortSignal.timeout(timeoutMs)
  const signal = stop ? AbortSignal.any([stop, timer]) : timer
  const failed = (error: unknown): OfferError =>
    error instanceof OfferError
      ? error
      : timer.aborted
        ? new OfferError('OFFER_TIMEOUT', endpoint, `it did not arrive within ${timeoutMs} ms`, error)
        : new OfferError(
            'OFFER_UNREACHABLE',
            endpoint,
            `the endpoint did not answer (${((error as Error).cause as Error | undefined)?.message ?? (error as Error).message})`,
            error,
          )
  const tooLarge = () => new OfferError('OFFER_TOO_LARGE', endpoint, `it is larger than ${maxBytes} bytes`)
  let response: Response
  try {
    response = await fetch(url, { signal, redirect: 'error' })
  } catch (error) {
    throw failed(error)
  }
  const reader = response.body?.getReader()
  try {
    if (!response.ok) throw new OfferError('OFFER_HTTP_STATUS', endpoint, `it answered HTTP ${response.status}`)
    if (Number(response.headers.get('content-length') ?? 0) > maxBytes) throw tooLarge()
    const chunks: Uint8Array[] = []
    let size = 0
    for (;;) {
      const next = await reader?.read()
      if (!next || next.done) break
      size += next.value.byteLength
      if (size > maxBytes) throw tooLarge()
      chunks.push(next.value)
    }
    const bytes = new Uint8Array(size)
    let at = 0
    for (const chunk of chunks) {
      bytes.set(chunk, at)
      at += chunk.byteLength
    }
    return bytes
  } catch (error) {
    await reader?.cancel().catch(() => undefined)
    throw failed(error)
  }
}

/** Longest prompt a text request may carry, in tokens (characters for the built-in model; 4 per token elsewhere). */
export const MAX_PROMPT_TOKENS = 32_768
/** Most instances (the first dimension of the first input) one tensor request may carry. */
export const MAX_INSTANCES = 4096

/** The task an offer states for a model: text generation, or tensors in and out. */
export const taskOf = (m: Model): OfferedModel['task'] => (m.text ? 'text-generation' : 'tensor')
/** What a model is metered in: tokens for text models, instances for tensor models. */
export const unitOf = (m: Model): 'token' | 'instance' => (m.text ? 'token' : 'instance')
/**
 * The most units one request can be metered for (the offer's `maxUnitsPerRequest`): what bounds both sides'
 * exposure (see pricing.ts) and what `meteredUnits` (payments/meteredUnits.ts) clamps a request's count to.
 */
export const maxUnitsOf = (m: Model) => (m.text ? m.text.maxTokens + MAX_PROMPT_TOKENS : MAX_INSTANCES)
/**
 * A text model's context: its own (a GGUF context, an upstream's `context_length`) or what this miner accepts (the
 * longest prompt and completion), at most what an offer may state (MAX_UNITS_PER_REQUEST): an upstream may state
 * 1,048,576 or 10M tokens, and an offer above the bound is refused by every gateway and validator.
 */
export const contextLengthOf = (m: Model) =>
  m.text ? Math.min(m.text.contextLength ?? m.text.maxTokens + MAX_PROMPT_TOKENS, MAX_UNITS_PER_REQUEST) : null

/** A model as an offer states it; `weightsCid` when its weights are published. */
/** A model's place in the model market, as its offer states it. */
export type OfferedRoyalty = { registryId: bigint; route: { modelId: bigint; bps: number }[] }

export function offeredModel(model: Model, price: Price, weightsCid?: string, market?: OfferedRoyalty): OfferedModel {
  return {
    id: model.id,
    task: taskOf(model),
    backend: model.backend,
    description: model.description,
    price: priceJson(price),
    unit: unitOf(model),
    maxUnitsPerRequest: maxUnitsOf(model),
    ...(model.text ? { contextLength: contextLengthOf(model) as number } : {}),
    ...(weightsCid ? { weightsCid } : {}),
    ...(market
      ? {
          registryId: market.registryId.toString(),
          royalty: {
            totalBps: market.route.reduce((sum, r) => sum + r.bps, 0),
            route: market.route.map((r) => ({ modelId: r.modelId.toString(), bps: r.bps })),
          },
        }
      : {}),
  }
}

export type BuildOfferParameters = {
  chainId: number
  paymentChannels: `0x${string}`
  payee: `0x${string}`
  token: `0x${string}`
  endpoint: string
  models: OfferedModel[]
}

/**
 * The offer a miner publishes, checked with the rule its readers apply ({@link parseOffer}): an offer they refuse
 * would leave the miner up but never paid, so it throws {@link OwnOfferInvalidError} instead.
 */
export function buildOffer({
  chainId,
  paymentChannels,
  payee,
  token,
  endpoint,
  models,
}: BuildOfferParameters): MinerOffer {
  const offer: MinerOffer = {
    kind: 'mycel/miner-offer',
    version: 1,
    chainId,
    paymentChannels,
    payee,
    token,
    endpoint,
    models,
  }
  const checked = parseOffer(offer)
  if (!checked.ok) throw new OwnOfferInvalidError(checked.problem)
  return offer
}

/** The bytes a miner serves and publishes the CID of: the offer as indented JSON with a final newline. */
export const offerBytes = (offer: MinerOffer) => new TextEncoder().encode(`${JSON.stringify(offer, null, 2)}\n`)

/** What an offered model costs and the most units one request may be metered for, as a payer computes with them. */
export function offeredTerms(model: OfferedModel): { price: Price; maxUnits: bigint } {
  return {
    price: { perRequest: BigInt(model.price.perRequest), per1kUnits: BigInt(model.price.per1kUnits) },
    maxUnits: BigInt(model.maxUnitsPerRequest),
  }
}
