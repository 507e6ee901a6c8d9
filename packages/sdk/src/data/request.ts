/**
 * Signed requests to a dataset's provider (the owner's node, docs/data.md "Key release"): a grantee asks for the
 * dataset's key, for records, or for a query's answer by signing EIP-712 typed data bound to the chain and to the
 * AccessGrants contract. The provider recovers the signer's public key from the signature itself, checks that the
 * signer holds the grant, and encrypts what it returns to that key — so a replayed request yields only ciphertext
 * the grantee alone can open, and a request signed by any other key yields nothing.
 */
import {
  type Address,
  type Hex,
  hashTypedData,
  keccak256,
  type LocalAccount,
  recoverPublicKey,
  stringToHex,
} from 'viem'
import { publicKeyToAddress } from 'viem/accounts'

/** What a request asks for. */
export const DATA_ACTIONS = ['key', 'records', 'query'] as const
export type DataAction = (typeof DATA_ACTIONS)[number]

export type DataRequest = {
  grantId: bigint
  action: DataAction
  /** keccak256 of the request's body (the records or the query asked for; of "" for a key). */
  body: Hex
  /** Unix seconds; a provider refuses requests older than {@link DATA_REQUEST_MAX_AGE} or from the future. */
  issuedAt: bigint
}

/** Seconds a signed request stays acceptable. */
export const DATA_REQUEST_MAX_AGE = 300

export const dataRequestTypes = {
  DataRequest: [
    { name: 'grantId', type: 'uint256' },
    { name: 'action', type: 'string' },
    { name: 'body', type: 'bytes32' },
    { name: 'issuedAt', type: 'uint64' },
  ],
} as const

export const dataRequestDomain = (chainId: number, accessGrants: Address) =>
  ({ name: 'mycel data', version: '1', chainId, verifyingContract: accessGrants }) as const

/** keccak256 of a request body given as text (the empty string for a key request). */
export const dataRequestBody = (text: string): Hex => keccak256(stringToHex(text))

/** Signs a request as `account` (a local account: its key never leaves the process). */
export function signDataRequest(
  account: LocalAccount,
  domain: ReturnType<typeof dataRequestDomain>,
  request: DataRequest,
): Promise<Hex> {
  return account.signTypedData({ domain, types: dataRequestTypes, primaryType: 'DataRequest', message: request })
}

/** The signer of a request: its address and its uncompressed public key (0x04…), to encrypt the answer to. */
export async function recoverDataRequester(
  domain: ReturnType<typeof dataRequestDomain>,
  request: DataRequest,
  signature: Hex,
): Promise<{ address: Address; publicKey: Hex }> {
  const hash = hashTypedData({ domain, types: dataRequestTypes, primaryType: 'DataRequest', message: request })
  const publicKey = await recoverPublicKey({ hash, signature })
  return { address: publicKeyToAddress(publicKey), publicKey }
}
