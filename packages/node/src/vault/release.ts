/**
 * Key release (docs/data.md "Key release"): a grantee posts a signed {@link DataRequest} for the key of a dataset;
 * this node — the dataset's provider — recovers the signer's public key from the EIP-712 signature, reads the grant
 * on chain, and only when the signer is the grantee of a valid (unexpired, unrevoked) access or compute grant on a
 * dataset registered from this vault (not merely one naming a CID whose key it holds) does it unwrap the key with its
 * vault key and wrap it to the signer's public key. Every request is logged, released or refused, with the reason. A
 * replayed request yields only a key wrapped to the grantee; a request signed by another key is refused before
 * anything is read.
 */
import {
  DATA_REQUEST_MAX_AGE,
  type DataRequest,
  dataRequestBody,
  dataRequestDomain,
  dataRequestTypes,
  datasetRegistryAbi,
  type Grant,
  getGrant,
  type MycelAddresses,
  recoverDataRequester,
} from '@mycel/sdk'
import { type Client, getAddress, type Hex, hashTypedData } from 'viem'
import { readContract } from 'viem/actions'
import { z } from 'zod'
import { loadNative } from '../common/nativeCrypto.ts'
import { unwrapKey, wrapKey } from '../data/encryption.ts'
import type { Db } from '../db/database.ts'
import { type DatasetKeyRow, getDatasetKey, isRegisteredHere, logRelease } from '../db/stores/vault.ts'
import { badDataRequest, DataRequestError, notHere, refused } from './errors.ts'

/** What every data request carries besides its body (key, records and query requests). */
export const signedFields = {
  grantId: z.string().regex(/^[1-9]\d{0,77}$/, 'a grant id: a whole number from 1, as a string'),
  issuedAt: z.number().int().nonnegative(),
  signature: z.string().regex(/^0x[0-9a-fA-F]{130}$/, 'a 65-byte signature, 0x-hex'),
}

/** The body of `POST /api/data/keys`. */
export const keyRequestBody = z.object(signedFields).strict()

export type KeyRelease = {
  grantId: string
  datasetId: string
  cid: string
  recordsRoot: Hex
  /** The dataset key, ECIES-wrapped to the signer's public key (hex). */
  wrappedKey: Hex
}

export type ReleaseContext = {
  client: Client
  chainId: number
  addresses: Pick<MycelAddresses, 'accessGrants' | 'datasetRegistry'>
  db: Db
  vaultKey: Hex
  now?: () => number
}

/** The kinds whose grantee gets the whole key. */
const KEY_KINDS: readonly Grant['kind'][] = ['access', 'compute']

/** The signer of a request and its public key: natively when the binding loaded (a key release's hot path). */
async function recoverRequester(domain: ReturnType<typeof dataRequestDomain>, request: DataRequest, signature: Hex) {
  const native = loadNative()
  if (!native) return recoverDataRequester(domain, request, signature)
  const v = Number.parseInt(signature.slice(130, 132), 16)
  const recid = v >= 27 ? v - 27 : v
  if (recid !== 0 && recid !== 1) throw new RangeError('bad recovery id')
  const digest = Buffer.from(
    hashTypedData({ domain, types: dataRequestTypes, primaryType: 'DataRequest', message: request }).slice(2),
    'hex',
  )
  const publicKey = native.secp.ecdsaRecover(Buffer.from(signature.slice(2, 130), 'hex'), recid, digest, false)
  const address = getAddress(
    `0x${Buffer.from(native.keccak(publicKey.subarray(1)))
      .subarray(12)
      .toString('hex')}`,
  )
  return { address, publicKey: `0x${Buffer.from(publicKey).toString('hex')}` as Hex }
}

/**
 * What release needs of a dataset — its content id, records root and provider — read once per dataset: the CID and
 * the root never change (a new version is a new dataset), so a repeated request costs no read of them.
 */
const listings = new Map<string, Promise<{ cid: string; recordsRoot: Hex; provider: string }>>()
function listingOf(ctx: ReleaseContext, datasetId: bigint) {
  const key = `${ctx.chainId}:${ctx.addresses.datasetRegistry}:${datasetId}`
  let listing = listings.get(key)
  if (!listing) {
    listing = readContract(ctx.client, {
      address: ctx.addresses.datasetRegistry,
      abi: datasetRegistryAbi,
      functionName: 'getDataset',
      args: [datasetId],
    }).then((d) => ({ cid: d.cid, recordsRoot: d.recordsRoot, provider: d.provider }))
    listing.catch(() => listings.delete(key))
    if (listings.size > 10_000) listings.clear()
    listings.set(key, listing)
  }
  return listing
}

/** Parses a request body with `schema`, or throws a 400 naming every problem and what to send. */
export function parseDataRequest<shape extends z.ZodTypeAny>(
  schema: shape,
  body: unknown,
  what: string,
): z.infer<shape> {
  const parsed = schema.safeParse(body)
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')
    throw badDataRequest(
      `The ${what} request is not valid (${problems}). Send ${describeFields(schema)} signed with the SDK's signDataRequest.`,
    )
  }
  return parsed.data
}

const describeFields = (schema: z.ZodTypeAny) =>
  schema instanceof z.ZodObject
    ? `{${Object.keys(schema.shape)
        .map((k) => `"${k}"`)
        .join(', ')}}`
    : 'the documented body'

/** A request that passed every check: who signed it, the grant, the dataset and its key row here. */
export type Authorized = {
  requester: { address: Hex; publicKey: Hex }
  grant: Grant
  datasetId: string
  dataset: { cid: string; recordsRoot: Hex; provider: string }
  row: DatasetKeyRow
  /** Logs the outcome of the request (released or refused, with the reason). */
  log: (released: boolean, reason: string) => void
  /** Logs a refusal and throws it (403). */
  refuse: (code: string, reason: string, message: string) => never
  /** The dataset's key, unwrapped with the vault key (fill it with zeros when done). */
  datasetKey: () => Buffer
}

/**
 * Checks a signed data request up to the point where something would be served: fresh, signed by a key, the signer
 * the grantee of a valid grant of one of `kinds`, on a dataset registered from this vault whose key is held here.
 * Every refusal is logged with its reason and thrown; what the request then gets is the caller's to log.
 */
export async function authorize(
  ctx: ReleaseContext,
  p: {
    action: DataRequest['action']
    grantId: string
    issuedAt: number
    signature: string
    body: Hex
    kinds: readonly Grant['kind'][]
    /** Why other kinds get nothing here (appended to the refusal). */
    otherKinds: string
  },
): Promise<Authorized> {
  const { grantId, issuedAt } = p
  const request: DataRequest = { grantId: BigInt(grantId), action: p.action, body: p.body, issuedAt: BigInt(issuedAt) }
  const now = Math.floor((ctx.now?.() ?? Date.now()) / 1000)
  const log = (datasetId: string, requester: string, released: boolean, reason: string) =>
    logRelease(ctx.db, { chainId: ctx.chainId, datasetId, grantId, requester, action: p.action, released, reason })
  if (issuedAt > now + 60 || now - issuedAt > DATA_REQUEST_MAX_AGE) {
    log('', '', false, 'stale')
    throw refused(
      'STALE_REQUEST',
      `The request was signed at ${issuedAt}, ${now - issuedAt} s from this node's clock (${now}); sign a new one (requests last ${DATA_REQUEST_MAX_AGE} s).`,
    )
  }
  let requester: { address: Hex; publicKey: Hex }
  try {
    requester = await recoverRequester(
      dataRequestDomain(ctx.chainId, ctx.addresses.accessGrants),
      request,
      p.signature as Hex,
    )
  } catch {
    log('', '', false, 'bad signature')
    throw badDataRequest('The signature does not recover to a key: sign the request with the grantee account.')
  }
  let grant: Grant
  try {
    grant = await getGrant(ctx.client, { accessGrants: ctx.addresses.accessGrants, grantId: request.grantId })
  } catch (error) {
    if ((error as { errorName?: string }).errorName !== 'AccessGrantsUnknownGrant') throw error
    log('', requester.address, false, 'unknown grant')
    throw notHere('UNKNOWN_GRANT', `There is no grant ${grantId} on chain ${ctx.chainId}.`)
  }
  const datasetId = grant.datasetId.toString()
  const refuse = (code: string, reason: string, message: string): never => {
    log(datasetId, requester.address, false, reason)
    throw refused(code, message)
  }
  if (grant.grantee.toLowerCase() !== requester.address.toLowerCase()) {
    refuse(
      'NOT_GRANTEE',
      'not the grantee',
      `The request is signed by ${requester.address}, but grant ${grantId} is held by ${grant.grantee}: sign with the grantee's key.`,
    )
  }
  if (!p.kinds.includes(grant.kind)) {
    refuse(
      KIND_REFUSAL[p.action],
      `a ${grant.kind} grant`,
      `Grant ${grantId} is a ${grant.kind} grant: only ${p.kinds.join(', ')} grants are served ${p.action === 'key' ? 'the key' : p.action === 'records' ? 'records' : 'query answers'} (${p.otherKinds}).`,
    )
  }
  if (grant.revoked) refuse('GRANT_REVOKED', 'revoked', `Grant ${grantId} was revoked by the dataset's owner.`)
  if (!grant.valid) {
    refuse(
      'GRANT_EXPIRED',
      'expired',
      `Grant ${grantId} expired at ${new Date(Number(grant.expiresAt) * 1000).toISOString()}: buy a new one with \`mycel dataset grant ${datasetId}\`.`,
    )
  }
  const dataset = await listingOf(ctx, grant.datasetId)
  const row = getDatasetKey(ctx.db, dataset.cid)
  // The CID is public: anyone may register a copy of a listing naming it and give itself a grant on the copy. The key
  // goes only to grants on the dataset registered from this vault (contracts/test/attacks.data.md D1).
  const registeredHere =
    row !== undefined &&
    isRegisteredHere(ctx.db, {
      chainId: ctx.chainId,
      registry: ctx.addresses.datasetRegistry,
      datasetId,
      cid: dataset.cid,
    })
  if (!row || !registeredHere) {
    log(datasetId, requester.address, false, row ? 'dataset not registered from this vault' : 'key not held here')
    throw notHere(
      'KEY_NOT_HELD',
      `This node does not hold the key of dataset ${datasetId} (${dataset.cid}); its provider is ${dataset.provider}.`,
    )
  }
  const datasetKey = () => {
    try {
      // Unwrapping costs an ECDH in JavaScript (~13 ms on this machine's cores): each dataset key is unwrapped once
      // and kept in memory beside the vault key that opens it; callers get a copy they may zero.
      const cacheKey = `${row.cid}:${Buffer.from(row.wrappedKey).subarray(0, 65).toString('hex')}`
      let key = openedKeys.get(cacheKey)
      if (!key) {
        key = unwrapKey(ctx.vaultKey, row.wrappedKey)
        if (openedKeys.size >= 1024) openedKeys.clear()
        openedKeys.set(cacheKey, key)
      }
      return Buffer.from(key)
    } catch (error) {
      log(datasetId, requester.address, false, 'vault key cannot open the stored key')
      throw new DataRequestError(
        'VAULT_KEY_MISMATCH',
        `The stored key of dataset ${datasetId} does not open with this node's vault key (${(error as Error).message}).`,
        409,
      )
    }
  }
  return {
    requester,
    grant,
    datasetId,
    dataset,
    row,
    log: (released, reason) => log(datasetId, requester.address, released, reason),
    refuse,
    datasetKey,
  }
}

/** Dataset keys unwrapped by this process, by CID and wrapped key (see `datasetKey` in {@link authorize}). */
const openedKeys = new Map<string, Buffer>()

/** The refusal code for a grant of a kind an action does not serve. */
const KIND_REFUSAL: Record<DataRequest['action'], string> = {
  key: 'NO_KEY_FOR_KIND',
  records: 'NO_RECORDS_FOR_KIND',
  query: 'NO_QUERIES_FOR_KIND',
}

export async function releaseKey(ctx: ReleaseContext, body: unknown): Promise<KeyRelease> {
  const { grantId, issuedAt, signature } = parseDataRequest(keyRequestBody, body, 'key')
  const a = await authorize(ctx, {
    action: 'key',
    grantId,
    issuedAt,
    signature,
    body: dataRequestBody(''),
    kinds: KEY_KINDS,
    otherKinds:
      'a training grant runs its job where the owner trusts; records and queries are served by the vault one by one',
  })
  const key = a.datasetKey()
  const wrapped = wrapKey(a.requester.publicKey, key)
  key.fill(0)
  a.log(true, `${a.grant.kind} grant`)
  return {
    grantId,
    datasetId: a.datasetId,
    cid: a.dataset.cid,
    recordsRoot: a.dataset.recordsRoot,
    wrappedKey: `0x${wrapped.toString('hex')}`,
  }
}
