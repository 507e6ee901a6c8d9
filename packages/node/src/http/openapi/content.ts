/**
 * The node's IPFS gateway (content/gateway.ts) as OpenAPI 3.1: `GET` and `HEAD` of `/ipfs/{cid}` and
 * `/ipfs/{cid}/{path}`, following the IPFS trustless gateway spec — a raw block, a CARv1 of the DAG, or the file's
 * bytes with Range requests — and its JSON errors in the node's envelope.
 */
import { errorResponse, json, nodeError, type RouteSpec, route, z } from './shared.ts'

const cid = z
  .string()
  .openapi({ param: { name: 'cid', in: 'path' }, description: 'A CIDv0 (Qm…) or CIDv1 (dag-pb or raw, sha2-256)' })
const path = z.string().openapi({
  param: { name: 'path', in: 'path' },
  description: 'A path under a UnixFS directory, e.g. `models/a.onnx`',
})

const query = z.object({
  format: z
    .enum(['raw', 'car'])
    .optional()
    .openapi({
      param: { name: 'format', in: 'query' },
      description: 'raw: the single block; car: a CARv1 of the DAG. Takes precedence over `Accept`.',
    }),
  'dag-scope': z
    .enum(['all', 'entity', 'block'])
    .optional()
    .openapi({ param: { name: 'dag-scope', in: 'query' }, description: 'CAR only: which blocks (default all)' }),
  'car-version': z
    .literal('1')
    .optional()
    .openapi({ param: { name: 'car-version', in: 'query' }, description: 'CAR only: 1 (the one served)' }),
})

const headers = z.object({
  accept: z
    .string()
    .optional()
    .openapi({
      param: { name: 'accept', in: 'header' },
      description: '`application/vnd.ipld.raw` or `application/vnd.ipld.car` (when `format` is absent)',
    }),
  range: z
    .string()
    .optional()
    .openapi({ param: { name: 'range', in: 'header' }, description: 'One `bytes=start-end` range of a file (206)' }),
  'cache-control': z
    .string()
    .optional()
    .openapi({
      param: { name: 'cache-control', in: 'header' },
      description: '`only-if-cached`: answer from this store only (412 when the root is not here); peers send it',
    }),
})

const bytes = z.string().openapi({ format: 'binary' })
const listing = z.strictObject({
  cid: z.string(),
  path: z.string(),
  entries: z.array(z.strictObject({ name: z.string(), cid: z.string(), size: z.number().int() })),
})

const responses = (withPath: boolean) => ({
  200: {
    description:
      'A raw block (`application/vnd.ipld.raw`), a CAR (`application/vnd.ipld.car; version=1; order=dfs; dups=n`), ' +
      "a file's bytes, or a directory's JSON listing when it has no index.html. Headers: ETag, X-Ipfs-Path, X-Ipfs-Roots.",
    content: {
      'application/vnd.ipld.raw': { schema: bytes },
      'application/vnd.ipld.car': { schema: bytes },
      'application/octet-stream': { schema: bytes },
      ...json(listing),
    },
  },
  206: {
    description: 'The requested byte range of a file (Content-Range)',
    content: { 'application/octet-stream': { schema: bytes } },
  },
  304: { description: 'If-None-Match matched the ETag' },
  400: errorResponse(nodeError, [
    'INVALID_CID',
    'INVALID_FORMAT',
    'INVALID_RANGE',
    'INVALID_DAG_SCOPE',
    'UNSUPPORTED_PARAMETER',
    'UNSUPPORTED_CAR_VERSION',
    ...(withPath ? ['INVALID_PATH'] : []),
  ]),
  404: errorResponse(
    nodeError,
    ['CONTENT_NOT_FOUND', ...(withPath ? ['CONTENT_PATH_NOT_FOUND'] : [])],
    'not here nor on any peer tried',
  ),
  406: errorResponse(nodeError, ['NOT_A_FILE'], 'a plain request for something that is not a UnixFS file'),
  412: errorResponse(nodeError, ['NOT_CACHED'], 'only-if-cached and the root is not in this store'),
  416: errorResponse(
    nodeError,
    ['RANGE_NOT_SATISFIABLE'],
    'the Range is outside the file (Content-Range: bytes */size)',
  ),
  502: errorResponse(
    nodeError,
    ['CONTENT_BLOCK_CORRUPT'],
    'a block here does not hash to its CID (deleted, never served)',
  ),
  500: errorResponse(nodeError, ['INTERNAL'], 'an unexpected failure (details in the log, never a stack trace)'),
  503: errorResponse(nodeError, ['NOT_READY'], 'before the content store is open'),
})

const spec = (method: 'get' | 'head', withPath: boolean) =>
  route({
    method,
    path: withPath ? '/ipfs/{cid}/{path}' : '/ipfs/{cid}',
    summary: `${method === 'head' ? 'Headers of' : 'Content by CID:'} a block, a CAR or a file (IPFS trustless gateway)${withPath ? ', under a directory' : ''}`,
    request: {
      params: withPath ? z.object({ cid, path }) : z.object({ cid }),
      query,
      headers,
    },
    responses: responses(withPath),
  })

/** `GET` and `HEAD` of `/ipfs/{cid}` and `/ipfs/{cid}/{path}`. */
export const contentRoutes: RouteSpec[] = [
  spec('get', false),
  spec('head', false),
  spec('get', true),
  spec('head', true),
]
