/**
 * The node API's data routes (http/dataRoutes.ts) as OpenAPI 3.1: the data market's overview (`GET /api/data`), key
 * release to grantees (`POST /api/data/keys`) and offchain certifications handed to the provider
 * (`POST /api/data/certifications`). docs/data.md.
 */
import { errorResponse, errors, json, nodeError, type RouteSpec, route, z } from './shared.ts'

const notReady = { 503: errorResponse(nodeError, ['NOT_READY'], 'before the chain is known') }
const hex = (bytes: number) => z.string().regex(new RegExp(`^0x[0-9a-fA-F]{${bytes * 2}}$`))

const overview = z.looseObject({
  vault: z.looseObject({ publicKey: z.string(), datasets: z.array(z.looseObject({ cid: z.string() })) }).nullable(),
  total: z.string(),
  datasets: z.array(
    z.looseObject({
      datasetId: z.string(),
      owner: z.string(),
      cid: z.string(),
      recordsRoot: z.string(),
      recordCount: z.number().int(),
      license: z.string(),
      provider: z.string(),
      heldHere: z.boolean(),
      certified: z.boolean(),
      certifications: z.array(z.looseObject({ uid: z.string(), onchain: z.boolean(), revoked: z.boolean() })),
      grants: z.array(z.looseObject({ grantId: z.string(), kind: z.string(), valid: z.boolean() })),
    }),
  ),
  releases: z.array(z.looseObject({ grantId: z.string(), released: z.boolean(), reason: z.string() })),
})

export const dataRoutes: RouteSpec[] = [
  route({
    method: 'get',
    path: '/api/data',
    summary:
      'The data market: datasets with terms, grants and certifications (on chain and off), the keys this vault holds, its log of key requests',
    request: { query: z.object({ certified: z.enum(['true', 'false']).optional() }) },
    responses: {
      200: { description: 'Amounts are decimal strings of token units', content: json(overview) },
      ...errors(nodeError, { 400: ['INVALID_QUERY'] }),
      ...notReady,
    },
  }),
  route({
    method: 'post',
    path: '/api/data/keys',
    summary:
      "A dataset's key, wrapped (ECIES) to the signer of a grantee's EIP-712 request, for a valid access or compute grant",
    request: {
      body: {
        content: json(z.object({ grantId: z.string(), issuedAt: z.number().int(), signature: hex(65) })),
      },
    },
    responses: {
      200: {
        description: 'The key wrapped to the public key recovered from the signature',
        content: json(
          z.looseObject({
            grantId: z.string(),
            datasetId: z.string(),
            cid: z.string(),
            recordsRoot: z.string(),
            wrappedKey: z.string(),
          }),
        ),
      },
      ...errors(nodeError, {
        400: ['INVALID_DATA_REQUEST'],
        403: ['STALE_REQUEST', 'NOT_GRANTEE', 'NO_KEY_FOR_KIND', 'GRANT_REVOKED', 'GRANT_EXPIRED'],
        404: ['UNKNOWN_GRANT', 'KEY_NOT_HELD', 'VAULT_OFF'],
      }),
      ...notReady,
    },
  }),
  route({
    method: 'post',
    path: '/api/data/records',
    summary:
      "Records of a personal vault for a grantee's EIP-712 request (records grant: only its records), each with its Merkle proof, encrypted (ECIES) to the signer",
    request: {
      body: {
        content: json(
          z.object({
            grantId: z.string(),
            issuedAt: z.number().int(),
            records: z.array(z.number().int()),
            granted: z.array(z.number().int()).optional(),
            signature: hex(65),
          }),
        ),
      },
    },
    responses: {
      200: {
        description:
          'The records and their proofs as JSON, ECIES-encrypted to the public key recovered from the signature',
        content: json(
          z.looseObject({ grantId: z.string(), datasetId: z.string(), recordsRoot: z.string(), sealed: z.string() }),
        ),
      },
      ...errors(nodeError, {
        400: ['INVALID_DATA_REQUEST'],
        403: [
          'STALE_REQUEST',
          'NOT_GRANTEE',
          'NO_RECORDS_FOR_KIND',
          'GRANT_REVOKED',
          'GRANT_EXPIRED',
          'NOT_IN_GRANT',
          'NO_SUCH_RECORD',
        ],
        404: ['UNKNOWN_GRANT', 'KEY_NOT_HELD', 'VAULT_OFF'],
        409: ['RECORDS_NOT_KEPT'],
      }),
      ...notReady,
    },
  }),
  route({
    method: 'post',
    path: '/api/data/query',
    summary:
      "An aggregate answer (count, sum, mean, min, max, histogram; never over fewer than 5 records) from a personal vault for a grantee's EIP-712 request; each answer spends one query of the grant",
    request: {
      body: {
        content: json(
          z.object({ grantId: z.string(), issuedAt: z.number().int(), query: z.string(), signature: hex(65) }),
        ),
      },
    },
    responses: {
      200: {
        description: 'The answer as JSON, ECIES-encrypted to the public key recovered from the signature',
        content: json(
          z.looseObject({ grantId: z.string(), datasetId: z.string(), recordsRoot: z.string(), sealed: z.string() }),
        ),
      },
      ...errors(nodeError, {
        400: ['INVALID_DATA_REQUEST', 'INVALID_QUERY'],
        403: [
          'STALE_REQUEST',
          'NOT_GRANTEE',
          'NO_QUERIES_FOR_KIND',
          'GRANT_REVOKED',
          'GRANT_EXPIRED',
          'QUERY_REFUSED',
          'QUERIES_USED_UP',
        ],
        404: ['UNKNOWN_GRANT', 'KEY_NOT_HELD', 'VAULT_OFF'],
        409: ['RECORDS_NOT_KEPT', 'REPLAYED_REQUEST'],
      }),
      ...notReady,
    },
  }),
  route({
    method: 'post',
    path: '/api/data/certifications',
    summary: "An offchain dataset certification in EAS's shareable format, kept once EAS's SDK verifies it",
    request: { body: { content: json(z.object({ sig: z.looseObject({}), signer: hex(20) })) } },
    responses: {
      200: {
        description: 'Kept (or kept before)',
        content: json(z.looseObject({ uid: z.string(), kept: z.boolean() })),
      },
      ...errors(nodeError, { 400: ['INVALID_DATA_REQUEST'], 404: ['UNKNOWN_DATASET', 'VAULT_OFF'] }),
      ...notReady,
    },
  }),
]
