/**
 * The IPFS gateway routes of a node (`GET`/`HEAD /ipfs/<cid>[/path]`), following the trustless gateway spec
 * (specs.ipfs.tech/http-gateways/trustless-gateway): `?format=raw` / `Accept: application/vnd.ipld.raw` answers the
 * single block, `?format=car` / `application/vnd.ipld.car` a CARv1 of the DAG (depth-first, no duplicates,
 * `dag-scope=all|entity|block`), and a plain request the file's bytes (path-gateway style) with single `Range`
 * requests (206), `ETag` / `If-None-Match`, `X-Ipfs-Path`, `X-Ipfs-Roots`. Everything streams: a large file is never
 * held in memory. Content missing here is fetched from peers first, unless the request says
 * `Cache-Control: only-if-cached` (what peers send: 412 when the root is not here). Bad input is a 4xx JSON error in
 * the node's envelope.
 */
import { type Context, Hono } from 'hono'
import type { CID } from 'multiformats/cid'
import { errorResponse } from '../http/errors.ts'
import { parseContentCid } from './blocks.ts'
import type { ContentStore } from './contentStore.ts'
import { carStream, type DagScope, fileBytes } from './dag.ts'
import { ContentNotFoundError, ContentRequestError } from './errors.ts'

const IMMUTABLE = 'public, max-age=29030400, immutable'

const types: Record<string, string> = {
  txt: 'text/plain; charset=utf-8',
  json: 'application/json',
  html: 'text/html; charset=utf-8',
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  png: 'image/png',
  jpg: 'image/jpeg',
  svg: 'image/svg+xml',
  onnx: 'application/octet-stream',
  gguf: 'application/octet-stream',
}

type Format = 'raw' | 'car' | undefined

/** `?format=` wins over `Accept` (spec); an unknown format is a 400. */
function formatOf(c: Context): Format {
  const query = c.req.query('format')
  if (query !== undefined) {
    if (query === 'raw' || query === 'car') return query
    throw new ContentRequestError(400, 'INVALID_FORMAT', `format must be raw or car, got ${JSON.stringify(query)}.`)
  }
  const accept = c.req.header('accept') ?? ''
  if (accept.includes('application/vnd.ipld.raw')) return 'raw'
  if (accept.includes('application/vnd.ipld.car')) return 'car'
  return undefined
}

/** The single `bytes=` range of `header` over `size` bytes; undefined to serve the whole (absent, or several ranges). */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | undefined {
  if (!header) return undefined
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim())
  if (!match) {
    if (/^bytes=[\d\-, ]+$/.test(header.trim())) return undefined // several ranges: RFC 9110 lets us send it all
    throw new ContentRequestError(400, 'INVALID_RANGE', `Range must be bytes=start-end, got ${JSON.stringify(header)}.`)
  }
  const [, a = '', b = ''] = match
  let start: number
  let end: number
  if (a === '' && b === '') throw new ContentRequestError(400, 'INVALID_RANGE', 'Range bytes=- names no bytes.')
  if (a === '') {
    start = Math.max(0, size - Number(b))
    end = size - 1
  } else {
    start = Number(a)
    end = b === '' ? size - 1 : Math.min(Number(b), size - 1)
  }
  if (start >= size || end < start || (a === '' && Number(b) === 0)) {
    throw new ContentRequestError(416, 'RANGE_NOT_SATISFIABLE', `Range ${header} is outside the ${size} bytes.`)
  }
  return { start, end }
}

function fail(c: Context, error: unknown, log: (error: unknown) => void) {
  const { status, body } = errorResponse(error, 'node')
  if (status >= 500) log(error)
  if (status === 416) c.header('content-range', `bytes */${(error as { size?: number }).size ?? '*'}`)
  return c.json(body, status)
}

/** Adds `/ipfs/*` (GET and HEAD) answering from `store()` (undefined until the node has one: 503). */
export function addIpfsRoutes(
  app: Hono,
  store: () => ContentStore | undefined,
  log: (error: unknown) => void = () => {},
): Hono {
  app.on(['GET', 'HEAD'], ['/ipfs/:cid', '/ipfs/:cid/:path{.+}'], async (c) => {
    const current = store()
    if (!current)
      return c.json(
        { error: { code: 'NOT_READY', message: 'No content store yet.', type: 'invalid_request_error' } },
        503,
      )
    try {
      return await answer(c, current)
    } catch (error) {
      return fail(c, error, log)
    }
  })
  return app
}

/** The routes alone, to mount on any hono app (`app.route('/', ipfsRoutes(...))`). */
export const ipfsRoutes = (store: () => ContentStore | undefined, log?: (error: unknown) => void) =>
  addIpfsRoutes(new Hono(), store, log)

async function answer(c: Context, store: ContentStore): Promise<Response> {
  const rest = c.req.path.slice('/ipfs/'.length)
  const [first = '', ...segments] = rest.split('/')
  const root = parseContentCid(decodeURIComponent(first))
  const path = segments.filter((s) => s !== '').map((s) => decodeURIComponent(s))
  const format = formatOf(c)
  const offline = /only-if-cached/i.test(c.req.header('cache-control') ?? '')
  if (offline && !(await store.has(root))) {
    return c.json(
      {
        error: {
          code: 'NOT_CACHED',
          message: `Content ${root} is not in this node's store (only-if-cached).`,
          type: 'invalid_request_error',
        },
      },
      412,
    )
  }
  const options = { offline, signal: c.req.raw.signal }
  c.header('x-ipfs-path', `/ipfs/${rest}`)
  c.header('cache-control', IMMUTABLE)
  const head = c.req.method === 'HEAD'

  if (format === 'raw') {
    if (path.length > 0) {
      throw new ContentRequestError(400, 'INVALID_PATH', 'A raw block is asked by CID alone: /ipfs/<cid>?format=raw.')
    }
    let bytes: Uint8Array
    try {
      bytes = await store.block(root, options)
    } catch (error) {
      if ((error as Error).name === 'BlockMissingError')
        throw new ContentNotFoundError({ cid: root.toString(), ...(offline ? { peersTried: 0 } : {}) })
      throw error
    }
    const etag = `"${root}.raw"`
    if (c.req.header('if-none-match') === etag) return c.body(null, 304, { etag })
    return c.body(head ? null : (new Uint8Array(bytes) as never), 200, {
      'content-type': 'application/vnd.ipld.raw',
      // The server sets it for a body; HEAD states it here.
      ...(head ? { 'content-length': String(bytes.length) } : {}),
      'content-disposition': `attachment; filename="${root}.bin"`,
      'x-content-type-options': 'nosniff',
      etag,
    })
  }

  if (format === 'car') return car(c, store, root, path, options, head)
  return file(c, store, root, path, options, head)
}

async function car(
  c: Context,
  store: ContentStore,
  root: CID,
  path: string[],
  options: { offline: boolean; signal: AbortSignal },
  head: boolean,
): Promise<Response> {
  const scopeParam = c.req.query('dag-scope') ?? 'all'
  if (scopeParam !== 'all' && scopeParam !== 'entity' && scopeParam !== 'block') {
    throw new ContentRequestError(
      400,
      'INVALID_DAG_SCOPE',
      `dag-scope must be all, entity or block, got ${JSON.stringify(scopeParam)}.`,
    )
  }
  if (c.req.query('entity-bytes') !== undefined) {
    throw new ContentRequestError(400, 'UNSUPPORTED_PARAMETER', 'entity-bytes is not supported here; use dag-scope.')
  }
  const version = c.req.query('car-version')
  if (version !== undefined && version !== '1') {
    throw new ContentRequestError(400, 'UNSUPPORTED_CAR_VERSION', `Only CARv1 is served, not car-version=${version}.`)
  }
  const scope = scopeParam as DagScope
  await store.ensure(root, options)
  // The blocks that prove the path (each entry's own block), then the DAG at its end.
  const along: CID[] = []
  for (let i = 0; i < path.length; i++)
    along.push((await store.resolve(root, path.slice(0, i), options)).cid as unknown as CID)
  const terminal = path.length ? ((await store.resolve(root, path, options)).cid as unknown as CID) : root
  const etag = `W/"${terminal}.car.${scope}"`
  const headers = {
    'content-type': 'application/vnd.ipld.car; version=1; order=dfs; dups=n',
    'content-disposition': `attachment; filename="${terminal}.car"`,
    'x-content-type-options': 'nosniff',
    'x-ipfs-roots': [...along, terminal].map(String).join(','),
    etag,
  }
  if (c.req.header('if-none-match') === etag) return c.body(null, 304, { etag })
  if (head) return c.body(null, 200, headers)
  async function* blocks() {
    for (const cid of along) yield { cid, bytes: await store.block(cid, options) }
    yield* store.blocks(terminal, { ...options, scope })
  }
  return c.body(streamOf(carStream(root, blocks())), 200, headers)
}

async function file(
  c: Context,
  store: ContentStore,
  root: CID,
  path: string[],
  options: { offline: boolean; signal: AbortSignal },
  head: boolean,
): Promise<Response> {
  let entry = await store.resolve(root, path, options)
  let name = path[path.length - 1] ?? ''
  if (entry.type === 'directory') {
    const index = await store.resolve(root, [...path, 'index.html'], options).catch(() => undefined)
    if (!index) {
      const entries: { name: string; cid: string; size: number }[] = []
      for await (const e of entry.entries()) entries.push({ name: e.name, cid: e.cid.toString(), size: Number(e.size) })
      c.header('etag', `"${entry.cid}.dir"`)
      return c.json({ cid: entry.cid.toString(), path: `/ipfs/${[root, ...path].join('/')}`, entries })
    }
    entry = index
    name = 'index.html'
  }
  if (entry.type === 'object' || entry.type === 'directory') {
    throw new ContentRequestError(
      406,
      'NOT_A_FILE',
      `${entry.cid} is not a UnixFS file; ask for ?format=raw or ?format=car.`,
    )
  }
  const size = Number(entry.size)
  const etag = `"${entry.cid}"`
  const type = types[name.split('.').pop()?.toLowerCase() ?? ''] ?? 'application/octet-stream'
  const common = { etag, 'accept-ranges': 'bytes', 'content-type': type, 'x-ipfs-roots': root.toString() }
  if (c.req.header('if-none-match') === etag) return c.body(null, 304, { etag })
  let range: { start: number; end: number } | undefined
  try {
    range = parseRange(c.req.header('range'), size)
  } catch (error) {
    if (error instanceof ContentRequestError && error.status === 416) {
      return c.json(errorResponse(error).body, 416, { 'content-range': `bytes */${size}` })
    }
    throw error
  }
  const start = range?.start ?? 0
  const length = range ? range.end - range.start + 1 : size
  const headers: Record<string, string> = { ...common, 'content-length': String(length) }
  if (range) headers['content-range'] = `bytes ${range.start}-${range.end}/${size}`
  const status = range ? 206 : 200
  if (head || length === 0) return c.body(null, status, headers)
  const content =
    entry.type === 'identity'
      ? entry.content({ offset: start, length })
      : fileBytes((cid) => store.block(cid, options), entry.cid as unknown as CID, start, length)
  return c.body(streamOf(content), status, headers)
}

/** A web stream over an async iterable of chunks, pulled as the client reads (backpressure), ended on cancel. */
function streamOf(source: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  const iterator = source[Symbol.asyncIterator]()
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const { value, done } = await iterator.next()
        if (done) controller.close()
        else controller.enqueue(value)
      },
      async cancel() {
        await iterator.return?.()
      },
      // Read (and verify) a few blocks ahead of the socket, so disk, hashing and sending overlap.
    },
    new CountQueuingStrategy({ highWaterMark: 8 }),
  )
}
