/**
 * The personal data vault serving its records one grant at a time (docs/data.md "The personal data vault").
 *
 * - `POST /api/data/records`: a signed request (action `records`, body = keccak256 of the JSON list of the records
 *   asked) from the grantee of a valid records grant gets those of its records it asks for — never one outside the
 *   grant (the grant's list is checked against its on-chain `scope`) — each with its Merkle proof against the records
 *   root registered on chain. Access and compute grants (whole-dataset grants) may ask any record.
 * - `POST /api/data/query`: a signed request (action `query`, body = keccak256 of the query's text) from the grantee
 *   of a valid queries grant gets an aggregate answer (data/query.ts: never over fewer than 5 records); each answer
 *   spends one of the grant's queries, a refused query none, and a replayed request is refused.
 *
 * What is served is encrypted (ECIES) to the public key recovered from the request's signature: only the grantee
 * reads it, whoever relays it. Every request — served or refused, with the reason — is in the owner's log.
 */
import { DATA_REQUEST_MAX_AGE, dataRequestBody } from '@mycel/sdk'
import { itemTree } from '@mycel/training'
import { encodePacked, type Hex, keccak256 } from 'viem'
import { z } from 'zod'
import { openRecord, wrapKey } from '../data/encryption.ts'
import { answerQuery, MAX_QUERY_BYTES, parseDataQuery, QueryError, recordFields } from '../data/query.ts'
import type { DatasetFormat } from '../data/records.ts'
import type { RecordsPayload, SealedAnswer } from '../data/vaultClient.ts'
import { countAnswered, markAnswered, readVaultRecordHashes, readVaultRecords } from '../db/stores/vault.ts'
import { DataRequestError } from './errors.ts'
import { type Authorized, authorize, parseDataRequest, type ReleaseContext, signedFields } from './release.ts'

/** The most records one request asks (as many as one records grant names). */
export const MAX_RECORDS_PER_REQUEST = 1024

const recordList = z
  .array(z.number().int().min(0).max(0xffffffff))
  .min(1)
  .max(MAX_RECORDS_PER_REQUEST)
  .refine((l) => l.every((r, i) => i === 0 || r > (l[i - 1] as number)), 'records in strictly increasing order')

/** The body of `POST /api/data/records`. */
export const recordsRequestBody = z
  .object({
    ...signedFields,
    /** The records asked (what was signed: keccak256 of their JSON list). */
    records: recordList,
    /** A records grant's whole list, when `records` asks only some of them (it must hash to the grant's scope). */
    granted: recordList.optional(),
  })
  .strict()

/** The body of `POST /api/data/query`. */
export const queryRequestBody = z.object({ ...signedFields, query: z.string().min(2).max(MAX_QUERY_BYTES) }).strict()

/** The signed body of a records request: keccak256 of the JSON list of the records asked. */
export const recordsRequestHash = (records: readonly number[]) => dataRequestBody(JSON.stringify(records))

const sealTo = (a: Authorized, payload: unknown): SealedAnswer => ({
  grantId: a.grant.grantId.toString(),
  datasetId: a.datasetId,
  recordsRoot: a.dataset.recordsRoot,
  sealed: `0x${wrapKey(a.requester.publicKey, Buffer.from(JSON.stringify(payload))).toString('hex')}`,
})

/** Records trees of the datasets served, by CID (their leaves never change). */
const trees = new Map<string, ReturnType<typeof itemTree>>()

export async function serveRecords(ctx: ReleaseContext, body: unknown): Promise<SealedAnswer> {
  const request = parseDataRequest(recordsRequestBody, body, 'records')
  const a = await authorize(ctx, {
    action: 'records',
    ...request,
    body: recordsRequestHash(request.records),
    kinds: ['records', 'access', 'compute'],
    otherKinds: 'a training grant runs its job where the owner trusts; a queries grant gets answers, not records',
  })
  const { grant } = a
  if (grant.kind === 'records') {
    const list = request.granted ?? request.records
    if (keccak256(encodePacked(['uint32[]'], [list])) !== grant.scope) {
      a.refuse(
        'NOT_IN_GRANT',
        'records outside the grant',
        `Grant ${grant.grantId} does not name ${request.granted ? 'the records given in "granted"' : 'exactly these records'}: ask for the records it names (give its whole list in "granted" to ask for some of them).`,
      )
    }
    const named = new Set(list)
    const outside = request.records.filter((r) => !named.has(r))
    if (outside.length > 0) {
      a.refuse(
        'NOT_IN_GRANT',
        'records outside the grant',
        `Records ${outside.slice(0, 10).join(', ')} are not in grant ${grant.grantId}: ask only for the records it names.`,
      )
    }
  } else if ((request.records.at(-1) as number) >= a.row.recordCount) {
    a.refuse(
      'NO_SUCH_RECORD',
      'record out of range',
      `Dataset ${a.datasetId} has ${a.row.recordCount} records (0 to ${a.row.recordCount - 1}).`,
    )
  }
  const rows = readVaultRecords(ctx.db, a.row.cid, request.records)
  if (rows.length !== request.records.length) {
    a.log(false, 'records not kept here')
    throw new DataRequestError(
      'RECORDS_NOT_KEPT',
      `This vault keeps dataset ${a.datasetId} whole, not record by record: its owner adds it with \`mycel dataset add --records\` to serve records and queries.`,
      409,
    )
  }
  let tree = trees.get(a.row.cid)
  if (!tree) {
    tree = itemTree(readVaultRecordHashes(ctx.db, a.row.cid) as Hex[])
    trees.set(a.row.cid, tree)
  }
  const key = a.datasetKey()
  let payload: RecordsPayload
  try {
    payload = {
      records: rows.map(({ idx, sealed }) => ({
        index: idx,
        data: openRecord(key, a.row.cid, idx, sealed).toString('base64'),
        proof: (tree as ReturnType<typeof itemTree>).proof(idx),
      })),
    }
  } finally {
    key.fill(0)
  }
  a.log(true, `${grant.kind} grant: ${request.records.length} record(s) ${summary(request.records)}`)
  return sealTo(a, payload)
}

export async function serveQuery(ctx: ReleaseContext, body: unknown): Promise<SealedAnswer> {
  const request = parseDataRequest(queryRequestBody, body, 'query')
  let query: ReturnType<typeof parseDataQuery>
  try {
    query = parseDataQuery(request.query)
  } catch (error) {
    throw new DataRequestError('INVALID_QUERY', (error as Error).message, 400)
  }
  const a = await authorize(ctx, {
    action: 'query',
    ...request,
    body: dataRequestBody(request.query),
    kinds: ['queries', 'access', 'compute'],
    otherKinds: 'a records grant gets its records; a training grant runs its job where the owner trusts',
  })
  const { grant } = a
  const rows = readVaultRecords(ctx.db, a.row.cid)
  if (rows.length !== a.row.recordCount) {
    a.log(false, 'records not kept here')
    throw new DataRequestError(
      'RECORDS_NOT_KEPT',
      `This vault keeps dataset ${a.datasetId} whole, not record by record: its owner adds it with \`mycel dataset add --records\` to answer queries.`,
      409,
    )
  }
  const format = a.row.format as DatasetFormat
  const key = a.datasetKey()
  let answer: ReturnType<typeof answerQuery>
  try {
    answer = answerQuery(
      query,
      rows.map(({ idx, sealed }) => recordFields(openRecord(key, a.row.cid, idx, sealed), format)),
    )
  } catch (error) {
    if (!(error instanceof QueryError)) throw error
    a.log(false, 'query refused: too few records')
    throw new DataRequestError('QUERY_REFUSED', error.message, 403)
  } finally {
    key.fill(0)
  }
  // From here nothing awaits: counting the grant's answers, refusing a replay and logging this one happen together.
  const now = Math.floor((ctx.now?.() ?? Date.now()) / 1000)
  const spent = ctx.db.transaction(() => {
    const used = countAnswered(ctx.db, ctx.chainId, grant.grantId.toString())
    if (grant.kind === 'queries' && used >= grant.units) return 'used up'
    if (!markAnswered(ctx.db, keccak256(request.signature as Hex), now, now - 2 * DATA_REQUEST_MAX_AGE)) return 'replay'
    a.log(true, `${grant.kind} grant: query ${used + 1}${grant.kind === 'queries' ? ` of ${grant.units}` : ''}`)
    return undefined
  })()
  if (spent === 'used up') {
    a.refuse(
      'QUERIES_USED_UP',
      'queries used up',
      `Grant ${grant.grantId} paid for ${grant.units} queries, all answered: buy more with \`mycel dataset grant ${a.datasetId} --kind queries --queries <n>\`.`,
    )
  }
  if (spent === 'replay') {
    a.log(false, 'replayed request')
    throw new DataRequestError('REPLAYED_REQUEST', 'This signed query was answered already: sign a new request.', 409)
  }
  return sealTo(a, answer)
}

/** The records asked, shortened for the log. */
const summary = (records: readonly number[]) =>
  records.length <= 8 ? `[${records.join(', ')}]` : `[${records.slice(0, 8).join(', ')}, …]`
