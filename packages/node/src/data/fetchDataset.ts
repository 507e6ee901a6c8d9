/**
 * A grantee fetching a dataset (docs/data.md "Fetching"): find its valid access (or compute) grant on chain, sign a
 * key request, ask the dataset's provider for the key wrapped to the grantee, unwrap it with the grantee's private
 * key, fetch the sealed bytes by CID (every block verified against its hash), open them (the GCM tag refuses any
 * change) and check the records against the root registered on chain. Nothing is returned unless all of it holds.
 */
import {
  type Dataset,
  dataRequestBody,
  dataRequestDomain,
  type Grant,
  getDataset,
  getGrant,
  listGrants,
  type MycelAddresses,
  signDataRequest,
} from '@mycel/sdk'
import { CID } from 'multiformats/cid'
import type { Client, Hex } from 'viem'
import type { LocalAccount } from 'viem/accounts'
import { NodeError } from '../common/errors.ts'
import type { ContentStore } from '../content/contentStore.ts'
import { DatasetCiphertextError, decryptDataset, unwrapKey } from './encryption.ts'
import { readRecords } from './records.ts'
import { type DatasetSchema, layoutOf, parseDatasetSchema } from './schema.ts'

export type FetchedDataset = {
  dataset: Dataset
  grant: Grant
  schema: DatasetSchema
  bytes: Buffer
  recordCount: number
}

/** The grant `account` can fetch `datasetId` with: the given one, else its newest valid access or compute grant. */
export async function grantFor(
  client: Client,
  p: { accessGrants: `0x${string}`; datasetId: bigint; grantee: `0x${string}`; grantId?: bigint },
): Promise<Grant> {
  if (p.grantId !== undefined) return getGrant(client, { accessGrants: p.accessGrants, grantId: p.grantId })
  const grants = await listGrants(client, { accessGrants: p.accessGrants, datasetId: p.datasetId, grantee: p.grantee })
  const usable = grants.find((g) => g.valid && (g.kind === 'access' || g.kind === 'compute'))
  if (usable) return usable
  throw new NodeError(
    'NO_GRANT',
    `${p.grantee} holds no valid access grant on dataset ${p.datasetId}${grants.length > 0 ? ` (its ${grants.length} grant(s) there are expired, revoked, or of a kind that gets no key)` : ''}: buy one with \`mycel dataset grant ${p.datasetId} --kind access\`.`,
    { exitCode: 1 },
  )
}

/** Asks `provider` for the key of the dataset `grantId` covers, wrapped to `account`; returns it unwrapped. */
export async function requestDatasetKey(p: {
  provider: string
  chainId: number
  accessGrants: `0x${string}`
  grantId: bigint
  account: LocalAccount
  privateKey: Hex
  fetch?: typeof fetch
}): Promise<{ key: Buffer; cid: string; recordsRoot: Hex }> {
  const issuedAt = BigInt(Math.floor(Date.now() / 1000))
  const request = { grantId: p.grantId, action: 'key' as const, body: dataRequestBody(''), issuedAt }
  const signature = await signDataRequest(p.account, dataRequestDomain(p.chainId, p.accessGrants), request)
  const url = `${p.provider.replace(/\/+$/, '')}/api/data/keys`
  let response: Response
  try {
    response = await (p.fetch ?? fetch)(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grantId: p.grantId.toString(), issuedAt: Number(issuedAt), signature }),
      signal: AbortSignal.timeout(30_000),
    })
  } catch (error) {
    throw new NodeError(
      'PROVIDER_UNREACHABLE',
      `The dataset's provider ${p.provider} did not answer (${(error as Error).message}); try later or ask its owner.`,
      { exitCode: 1 },
    )
  }
  const body = (await response.json().catch(() => undefined)) as
    | { wrappedKey?: Hex; cid?: string; recordsRoot?: Hex; error?: { code?: string; message?: string } }
    | undefined
  if (!response.ok || !body?.wrappedKey || !body.cid || !body.recordsRoot) {
    throw new NodeError(
      body?.error?.code ?? 'KEY_REFUSED',
      `The provider refused the key (${response.status}): ${body?.error?.message ?? 'no reason given'}`,
      { exitCode: 1 },
    )
  }
  return {
    key: unwrapKey(p.privateKey, Buffer.from(body.wrappedKey.slice(2), 'hex')),
    cid: body.cid,
    recordsRoot: body.recordsRoot,
  }
}

/** Fetches, unwraps and opens a dataset as a grantee (see the module's header). */
export async function fetchDataset(p: {
  client: Client
  chainId: number
  addresses: Pick<MycelAddresses, 'accessGrants' | 'datasetRegistry'>
  datasetId: bigint
  grantId?: bigint
  account: LocalAccount
  privateKey: Hex
  store: ContentStore
}): Promise<FetchedDataset> {
  const dataset = await getDataset(p.client, { datasetRegistry: p.addresses.datasetRegistry, datasetId: p.datasetId })
  const grant = await grantFor(p.client, {
    accessGrants: p.addresses.accessGrants,
    datasetId: p.datasetId,
    grantee: p.account.address,
    ...(p.grantId === undefined ? {} : { grantId: p.grantId }),
  })
  if (grant.datasetId !== p.datasetId)
    throw new NodeError('WRONG_GRANT', `Grant ${grant.grantId} is on dataset ${grant.datasetId}, not ${p.datasetId}.`, {
      exitCode: 2,
    })
  const { key } = await requestDatasetKey({
    provider: dataset.provider,
    chainId: p.chainId,
    accessGrants: p.addresses.accessGrants,
    grantId: grant.grantId,
    account: p.account,
    privateKey: p.privateKey,
  })
  const sealed = await readContent(p.store, dataset.cid, dataset.provider)
  const schemaBytes = await readContent(p.store, dataset.schemaCid, dataset.provider)
  let schema: DatasetSchema
  try {
    schema = parseDatasetSchema(JSON.parse(Buffer.from(schemaBytes).toString('utf8')))
  } catch (error) {
    key.fill(0)
    throw error
  }
  const bytes = decryptDataset(sealed, key)
  key.fill(0)
  const { count, root } = readRecords(bytes, layoutOf(schema))
  if (root.toLowerCase() !== dataset.recordsRoot.toLowerCase() || count !== dataset.recordCount) {
    throw new DatasetCiphertextError(
      `The opened dataset has ${count} records with root ${root}, but dataset ${p.datasetId} was registered with ${dataset.recordCount} records and root ${dataset.recordsRoot}: its owner sealed other records than it registered.`,
    )
  }
  return { dataset, grant, schema, bytes, recordCount: count }
}

/** The file `cid`, fetched (every block verified) from the dataset's provider first when it is not here. */
async function readContent(store: ContentStore, cid: string, provider: string): Promise<Uint8Array> {
  await store.ensure(CID.parse(cid), { from: [provider] })
  const bytes = await store.get(cid)
  if (!bytes) throw new NodeError('CONTENT_NOT_FOUND', `Content ${cid} is not a file.`, { exitCode: 1 })
  return bytes
}
