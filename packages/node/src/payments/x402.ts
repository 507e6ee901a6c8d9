/**
 * x402 v2 (https://github.com/coinbase/x402, specs/x402-specification-v2.md and specs/transports-v2/http.md), the
 * pure half: the `PaymentRequired` a miner answers 402 with — `accepts` lists mycel's own `mycel-channel` scheme
 * (today's voucher requirements, with an optional `royalties` slot the model market fills) and x402's `exact`
 * scheme on an EIP-3009 token — and the parsing and checking of a client's `PAYMENT-SIGNATURE` for `exact`, each
 * refusal a {@link X402PaymentError} with a stable code. Settling a checked payment on chain is x402Settle.ts.
 *
 * The `exact` amount is fixed when the client signs, so a request paid that way pays the most it can cost: the
 * model's price per request plus the metered cost of the most units one request may use (`maxRequestCost`).
 */
import { decodePaymentSignatureHeader, encodePaymentRequiredHeader, encodePaymentResponseHeader } from '@x402/core/http'
import type { PaymentPayload, PaymentRequired, PaymentRequirements, SettleResponse } from '@x402/core/types'
import { type Address, getAddress, type Hex, isAddress, isAddressEqual, recoverTypedDataAddress } from 'viem'
import { z } from 'zod'
import { NodeError } from '../common/errors.ts'

export const X402_VERSION = 2
/** Server → client: the base64 `PaymentRequired` of a 402. */
export const PAYMENT_REQUIRED_HEADER = 'PAYMENT-REQUIRED'
/** Client → server: the base64 `PaymentPayload`. */
export const PAYMENT_SIGNATURE_HEADER = 'PAYMENT-SIGNATURE'
/** Server → client: the base64 settlement response of a paid answer. */
export const PAYMENT_RESPONSE_HEADER = 'PAYMENT-RESPONSE'
/** mycel's payment-channel voucher, as an x402 scheme name. */
export const MYCEL_CHANNEL_SCHEME = 'mycel-channel'
export const EXACT_SCHEME = 'exact'
/** How long a client's `exact` authorization should stay valid (x402's `maxTimeoutSeconds`). */
export const EXACT_MAX_TIMEOUT_SECONDS = 120
/** An authorization must stay valid at least this long after it arrives: the time to mine its transfer. */
export const EXACT_SETTLE_MARGIN_SECONDS = 6n
/** A larger `PAYMENT-SIGNATURE` header is refused unread. */
const MAX_HEADER_LENGTH = 8_192

/** The CAIP-2 network id of an EVM chain, e.g. `eip155:31337`. */
export const networkOf = (chainId: number) => `eip155:${chainId}` as const

/** An EIP-3009 token and its EIP-712 domain (what the client signs over). */
export type ExactAsset = { address: Address; name: string; version: string }

/**
 * A model's royalty terms as the `mycel-channel` requirements show them (`extra.royalties`): filled by the model
 * market for models with terms, absent otherwise.
 */
export type ChannelRoyalties = {
  /** The model's id in the ModelRegistry. */
  modelId: string
  /** Its royalty share of what a request pays, in basis points. */
  royaltyBps: number
  /** Every model the royalty route pays (the model, then its ancestors) with its share. */
  route: { modelId: string; royaltyBps: number }[]
}

export type BuildPaymentRequiredParameters = {
  /** The resource asked for (the request's URL). */
  url: string
  description: string
  /** Why payment is required, for people (x402's `error`). */
  error: string
  chainId: number
  payTo: Address
  /** mycel-channel: the price paid up front per request, its token and today's `payment` requirements object. */
  channel: { amount: bigint; asset: Address; requirements: Record<string, unknown>; royalties?: ChannelRoyalties }
  /** exact: the fixed amount and the EIP-3009 token; absent when the miner's token has no EIP-3009. */
  exact?: { amount: bigint; asset: ExactAsset } | undefined
}

/** The x402 v2 `PaymentRequired` of a 402 answer. */
export function buildPaymentRequired(p: BuildPaymentRequiredParameters): PaymentRequired {
  const network = networkOf(p.chainId)
  const accepts: PaymentRequirements[] = [
    {
      scheme: MYCEL_CHANNEL_SCHEME,
      network,
      amount: p.channel.amount.toString(),
      asset: p.channel.asset,
      payTo: p.payTo,
      maxTimeoutSeconds: EXACT_MAX_TIMEOUT_SECONDS,
      extra: { ...p.channel.requirements, ...(p.channel.royalties ? { royalties: p.channel.royalties } : {}) },
    },
  ]
  if (p.exact) {
    accepts.push({
      scheme: EXACT_SCHEME,
      network,
      amount: p.exact.amount.toString(),
      asset: p.exact.asset.address,
      payTo: p.payTo,
      maxTimeoutSeconds: EXACT_MAX_TIMEOUT_SECONDS,
      extra: { name: p.exact.asset.name, version: p.exact.asset.version, assetTransferMethod: 'eip3009' },
    })
  }
  return {
    x402Version: X402_VERSION,
    error: p.error,
    resource: { url: p.url, description: p.description, mimeType: 'application/json' },
    accepts,
  }
}

/** The `PAYMENT-REQUIRED` header's value for `required`. */
export const paymentRequiredHeader = (required: PaymentRequired) => encodePaymentRequiredHeader(required)

/** The `PAYMENT-RESPONSE` header's value for a settlement. */
export const paymentResponseHeader = (settlement: SettleResponse) => encodePaymentResponseHeader(settlement)

/** Every code an x402 payment is refused with; docs/x402.md says what each means. */
export const x402RefusalCodes = [
  'X402_INVALID_PAYLOAD',
  'X402_UNSUPPORTED_VERSION',
  'X402_UNSUPPORTED_SCHEME',
  'X402_WRONG_NETWORK',
  'X402_WRONG_ASSET',
  'X402_WRONG_PAY_TO',
  'X402_AMOUNT_TOO_LOW',
  'X402_AMOUNT_MISMATCH',
  'X402_EXPIRED',
  'X402_NOT_YET_VALID',
  'X402_INVALID_SIGNATURE',
  'X402_REPLAYED',
  'X402_INSUFFICIENT_FUNDS',
  'X402_SETTLEMENT_FAILED',
] as const
export type X402RefusalCode = (typeof x402RefusalCodes)[number]

/** An x402 payment refused: 400 when the header does not parse, 402 otherwise (pay again, differently). */
export class X402PaymentError extends NodeError {
  override name = 'X402PaymentError'
  override readonly code: X402RefusalCode
  constructor(code: X402RefusalCode, message: string) {
    super(code, message)
    this.code = code
  }
  /** The status http/errors.ts answers this error with. */
  get httpStatus(): 400 | 402 {
    return this.code === 'X402_INVALID_PAYLOAD' ? 400 : 402
  }
}

const hex = (bytes: number) => z.string().regex(new RegExp(`^0x[0-9a-fA-F]{${bytes * 2}}$`))
const uint = z.string().regex(/^(0|[1-9]\d{0,77})$/, 'a decimal integer')
const address = z.string().refine((v) => isAddress(v, { strict: false }), 'an address')

/** The `exact` EVM payload (EIP-3009), as specs/schemes/exact/scheme_exact_evm.md gives it. */
const exactPayloadSchema = z.object({
  signature: z.string().regex(/^0x([0-9a-fA-F]{2}){1,2048}$/),
  authorization: z.object({
    from: address,
    to: address,
    value: uint,
    validAfter: uint,
    validBefore: uint,
    nonce: hex(32),
  }),
})

const acceptedSchema = z.object({
  scheme: z.string(),
  network: z.string(),
  amount: z.string(),
  asset: z.string(),
  payTo: z.string(),
})

export type ExactAuthorization = {
  from: Address
  to: Address
  value: bigint
  validAfter: bigint
  validBefore: bigint
  nonce: Hex
}

/** A `PAYMENT-SIGNATURE` that parsed: what the client accepted and its EIP-3009 authorization. */
export type ExactPayment = {
  payload: PaymentPayload
  accepted: { scheme: string; network: string; amount: string; asset: string; payTo: string }
  authorization: ExactAuthorization
  signature: Hex
}

/** Parses a `PAYMENT-SIGNATURE` header (base64 JSON of an x402 v2 `PaymentPayload`); throws X402_INVALID_PAYLOAD. */
export function parsePaymentSignature(header: string): ExactPayment {
  if (header.length > MAX_HEADER_LENGTH) {
    throw new X402PaymentError('X402_INVALID_PAYLOAD', `The ${PAYMENT_SIGNATURE_HEADER} header is over 8 KiB.`)
  }
  let raw: unknown
  try {
    raw = decodePaymentSignatureHeader(header)
  } catch {
    throw new X402PaymentError(
      'X402_INVALID_PAYLOAD',
      `The ${PAYMENT_SIGNATURE_HEADER} header is not base64-encoded JSON.`,
    )
  }
  const version = (raw as { x402Version?: unknown } | null)?.x402Version
  if (version !== X402_VERSION) {
    throw new X402PaymentError(
      'X402_UNSUPPORTED_VERSION',
      `x402Version ${JSON.stringify(version)} is not supported: this miner speaks x402 version 2.`,
    )
  }
  const accepted = acceptedSchema.safeParse((raw as { accepted?: unknown }).accepted)
  if (!accepted.success) {
    throw new X402PaymentError('X402_INVALID_PAYLOAD', 'The payment payload has no valid `accepted` requirements.')
  }
  if (accepted.data.scheme !== EXACT_SCHEME) {
    throw new X402PaymentError(
      'X402_UNSUPPORTED_SCHEME',
      `Scheme "${accepted.data.scheme}" is not paid with ${PAYMENT_SIGNATURE_HEADER}: send "exact" here, or a mycel-channel voucher in x-mycel-voucher.`,
    )
  }
  const exact = exactPayloadSchema.safeParse((raw as { payload?: unknown }).payload)
  if (!exact.success) {
    const issue = exact.error.issues[0]
    throw new X402PaymentError(
      'X402_INVALID_PAYLOAD',
      `The exact payload is invalid at payload.${issue?.path.map(String).join('.') ?? ''}: ${issue?.message ?? 'malformed'}.`,
    )
  }
  const a = exact.data.authorization
  return {
    payload: raw as PaymentPayload,
    accepted: accepted.data,
    authorization: {
      from: getAddress(a.from),
      to: getAddress(a.to),
      value: BigInt(a.value),
      validAfter: BigInt(a.validAfter),
      validBefore: BigInt(a.validBefore),
      nonce: a.nonce.toLowerCase() as Hex,
    },
    signature: exact.data.signature as Hex,
  }
}

/** EIP-3009's TransferWithAuthorization type (USDC's). */
export const transferWithAuthorizationTypes = {
  TransferWithAuthorization: [
    { name: 'from', type: 'address' },
    { name: 'to', type: 'address' },
    { name: 'value', type: 'uint256' },
    { name: 'validAfter', type: 'uint256' },
    { name: 'validBefore', type: 'uint256' },
    { name: 'nonce', type: 'bytes32' },
  ],
} as const

export type ExactTerms = { chainId: number; asset: ExactAsset; payTo: Address; amount: bigint }

/**
 * Checks a parsed `exact` payment against what this request costs, at unix time `now` (seconds). An EOA's
 * 65-byte signature is recovered here; any other (an ERC-1271 contract wallet's) is left to the token, whose
 * transfer then reverts if it is wrong. Throws {@link X402PaymentError}.
 */
export async function checkExactPayment(payment: ExactPayment, terms: ExactTerms, now: bigint): Promise<void> {
  const { accepted, authorization: a } = payment
  const network = networkOf(terms.chainId)
  if (accepted.network !== network) {
    throw new X402PaymentError(
      'X402_WRONG_NETWORK',
      `Network ${accepted.network} is not this miner's chain: pay on ${network}.`,
    )
  }
  if (!isAddress(accepted.asset, { strict: false }) || !isAddressEqual(accepted.asset, terms.asset.address)) {
    throw new X402PaymentError(
      'X402_WRONG_ASSET',
      `Asset ${accepted.asset} is not accepted: pay in ${terms.asset.address} (${terms.asset.name}).`,
    )
  }
  if (!isAddressEqual(a.to, terms.payTo)) {
    throw new X402PaymentError('X402_WRONG_PAY_TO', `The authorization pays ${a.to}, not this miner (${terms.payTo}).`)
  }
  if (a.value < terms.amount) {
    throw new X402PaymentError(
      'X402_AMOUNT_TOO_LOW',
      `The authorization pays ${a.value}; this request costs exactly ${terms.amount} token units.`,
    )
  }
  if (a.value > terms.amount) {
    throw new X402PaymentError(
      'X402_AMOUNT_MISMATCH',
      `The authorization pays ${a.value}; the exact scheme pays exactly ${terms.amount} token units, no more.`,
    )
  }
  if (a.validBefore < now + EXACT_SETTLE_MARGIN_SECONDS) {
    throw new X402PaymentError(
      'X402_EXPIRED',
      `The authorization expires at ${a.validBefore} (now ${now}): it must stay valid ${EXACT_SETTLE_MARGIN_SECONDS} s more to settle.`,
    )
  }
  if (a.validAfter >= now) {
    throw new X402PaymentError(
      'X402_NOT_YET_VALID',
      `The authorization is valid only after ${a.validAfter} (now ${now}).`,
    )
  }
  if (payment.signature.length === 132) {
    let signer: Address
    try {
      signer = await recoverTypedDataAddress({
        domain: {
          name: terms.asset.name,
          version: terms.asset.version,
          chainId: terms.chainId,
          verifyingContract: terms.asset.address,
        },
        types: transferWithAuthorizationTypes,
        primaryType: 'TransferWithAuthorization',
        message: a,
        signature: payment.signature,
      })
    } catch {
      throw new X402PaymentError('X402_INVALID_SIGNATURE', 'The authorization signature does not recover.')
    }
    if (!isAddressEqual(signer, a.from)) {
      throw new X402PaymentError(
        'X402_INVALID_SIGNATURE',
        `The authorization is signed by ${signer}, not by the payer ${a.from} (or for another chain or token).`,
      )
    }
  }
}
