/**
 * The signed transport between validators and miners. A validator signs each request it sends (method, path, a
 * SHA-256 of the body, a timestamp, a random nonce and the miner it is for) as EIP-712 typed data bound to the chain,
 * the subnet registry and the subnet; the miner checks the signature, the time window and that the nonce is new, then (on chain, in the node) that the
 * signer holds a validator permit. Validators' requests are not charged.
 *
 * The header: `x-mycel-validator: v1.<netuid>.<timestamp>.<nonce hex>.<signature hex>`.
 */
import { createHash } from 'node:crypto'
import { bytesToHex, type Hex, isHex, recoverTypedDataAddress } from 'viem'
import type { LocalAccount } from 'viem/accounts'
import { BaseError } from '../errors/base.ts'

export const VALIDATOR_HEADER = 'x-mycel-validator'
/** How far a request's timestamp may be from the miner's clock, in seconds. */
export const DEFAULT_REQUEST_WINDOW_SECONDS = 60

const types = {
  ValidatorRequest: [
    { name: 'netuid', type: 'uint256' },
    { name: 'miner', type: 'address' },
    { name: 'method', type: 'string' },
    { name: 'path', type: 'string' },
    { name: 'bodyHash', type: 'bytes32' },
    { name: 'timestamp', type: 'uint64' },
    { name: 'nonce', type: 'bytes16' },
  ],
} as const

/** Where a request's signature is valid: one chain and one subnet registry. */
export type ValidatorRequestDomain = { chainId: number; registry: `0x${string}` }

function domain({ chainId, registry }: ValidatorRequestDomain) {
  return { name: 'mycel validator request', version: '1', chainId, verifyingContract: registry } as const
}

export type ValidatorRequestCode = 'MALFORMED' | 'EXPIRED' | 'FROM_THE_FUTURE' | 'REPLAYED' | 'BAD_SIGNATURE'

export class ValidatorRequestError extends BaseError {
  override name = 'ValidatorRequestError' as const
  readonly code: ValidatorRequestCode
  constructor(code: ValidatorRequestCode, message: string) {
    super(message, { docsPath: 'validators.md' })
    this.code = code
  }
}

export type ValidatorRequest = {
  netuid: bigint
  /** The miner's hotkey the request is for: another miner refuses it, so a request cannot be replayed elsewhere. */
  miner: `0x${string}`
  method: string
  path: string
  body: Uint8Array | string
}

function bodyHash(body: Uint8Array | string): Hex {
  return `0x${createHash('sha256').update(body).digest('hex')}`
}

/** Signs a request; returns the header value. `timestamp` (seconds) and `nonce` default to now and 16 random bytes. */
export async function signValidatorRequest(
  account: LocalAccount,
  target: ValidatorRequestDomain,
  request: ValidatorRequest,
  options: { timestamp?: number; nonce?: Hex } = {},
): Promise<string> {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000)
  const nonce = options.nonce ?? bytesToHex(crypto.getRandomValues(new Uint8Array(16)))
  const signature = await account.signTypedData({
    domain: domain(target),
    types,
    primaryType: 'ValidatorRequest',
    message: {
      netuid: request.netuid,
      miner: request.miner,
      method: request.method.toUpperCase(),
      path: request.path,
      bodyHash: bodyHash(request.body),
      timestamp: BigInt(timestamp),
      nonce,
    },
  })
  return `v1.${request.netuid}.${timestamp}.${nonce.slice(2)}.${signature.slice(2)}`
}

/**
 * Verifies a request's header: well formed, within `windowSeconds` of `now`, a nonce not seen before (`remember`
 * returns false for a repeat), and a valid signature over this method, path and body. Returns the signer (the
 * validator's hotkey) and the subnet. Throws {@link ValidatorRequestError} with a code for each refusal.
 */
export async function verifyValidatorRequest(parameters: {
  chainId: number
  registry: `0x${string}`
  /** The verifying miner's own hotkey. */
  miner: `0x${string}`
  header: string | undefined
  method: string
  path: string
  body: Uint8Array | string
  now?: number
  windowSeconds?: number
  remember: (nonce: string, expiresAt: number) => boolean
}): Promise<{ hotkey: `0x${string}`; netuid: bigint }> {
  const parts = parameters.header?.split('.') ?? []
  const [version, netuidText, timestampText, nonceHex, signatureHex] = parts
  if (
    parts.length !== 5 ||
    version !== 'v1' ||
    !/^\d{1,10}$/.test(netuidText ?? '') ||
    !/^\d{1,12}$/.test(timestampText ?? '') ||
    !/^[0-9a-f]{32}$/.test(nonceHex ?? '') ||
    !/^[0-9a-f]{130}$/.test(signatureHex ?? '')
  ) {
    throw new ValidatorRequestError(
      'MALFORMED',
      `${VALIDATOR_HEADER} must be v1.<netuid>.<timestamp>.<32 hex nonce>.<130 hex signature>`,
    )
  }
  const now = parameters.now ?? Math.floor(Date.now() / 1000)
  const window = parameters.windowSeconds ?? DEFAULT_REQUEST_WINDOW_SECONDS
  const timestamp = Number(timestampText)
  if (timestamp < now - window) {
    throw new ValidatorRequestError('EXPIRED', `the request was signed ${now - timestamp} s ago (window ${window} s)`)
  }
  if (timestamp > now + window) {
    throw new ValidatorRequestError(
      'FROM_THE_FUTURE',
      `the request is dated ${timestamp - now} s ahead (window ${window} s)`,
    )
  }
  const netuid = BigInt(netuidText as string)
  const nonce = `0x${nonceHex}` as Hex
  const signature = `0x${signatureHex}` as Hex
  if (!isHex(signature)) throw new ValidatorRequestError('MALFORMED', 'the signature is not hex')
  let hotkey: `0x${string}`
  try {
    hotkey = await recoverTypedDataAddress({
      domain: domain(parameters),
      types,
      primaryType: 'ValidatorRequest',
      message: {
        netuid,
        miner: parameters.miner,
        method: parameters.method.toUpperCase(),
        path: parameters.path,
        bodyHash: bodyHash(parameters.body),
        timestamp: BigInt(timestamp),
        nonce,
      },
      signature,
    })
  } catch {
    throw new ValidatorRequestError('BAD_SIGNATURE', 'the signature does not recover to an address')
  }
  // The nonce is remembered only for a request whose signature holds, so nobody can burn another's nonces.
  if (!parameters.remember(`${hotkey.toLowerCase()}:${nonceHex}`, timestamp + window)) {
    throw new ValidatorRequestError('REPLAYED', 'this request was already received (same signer and nonce)')
  }
  return { hotkey, netuid }
}

/** A nonce memory for {@link verifyValidatorRequest}: entries are dropped once their window has passed. */
export function createNonceMemory(now: () => number = () => Math.floor(Date.now() / 1000)) {
  const seen = new Map<string, number>()
  return (nonce: string, expiresAt: number): boolean => {
    const t = now()
    if (seen.size > 10_000) for (const [k, exp] of seen) if (exp < t) seen.delete(k)
    if (seen.has(nonce)) return false
    seen.set(nonce, expiresAt)
    return true
  }
}
