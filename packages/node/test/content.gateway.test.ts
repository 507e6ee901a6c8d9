/**
 * The node's IPFS gateway over real HTTP (the node app of http/server.ts on loopback): the trustless gateway formats
 * (`?format=raw|car`, `Accept`), CAR contents checked block by block, files with Range / HEAD / ETag, directories and
 * paths, bad input as 4xx JSON; and peers: a second node fetches what it lacks from the first over `?format=car`,
 * verifying every block, refuses a peer that serves a tampered block and takes the next one, and answers 404 when
 * nobody has the content.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import type { Server } from 'node:http'
import { join } from 'node:path'
import { CarBlockIterator, CarWriter } from '@ipld/car'
import * as dagPb from '@ipld/dag-pb'
import { cidOfBytes } from '@mycel/sdk'
import { Hono } from 'hono'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '../../../test/helpers/chain.ts'
import { createCommon, createLogger } from '../src/common/common.ts'
import { resolveOptions } from '../src/config/options.ts'
import { type ContentStore, createContentStore } from '../src/content/contentStore.ts'
import { createApp, listen } from '../src/http/server.ts'

const dirs: string[] = []
const servers: Server[] = []
const MiB = 1024 * 1024

const deterministic = (n: number) => {
  const bytes = new Uint8Array(n)
  for (let i = 0; i < n; i++) bytes[i] = (i * 7 + (i >>> 10)) % 251
  return bytes
}
const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b))

/** A node HTTP server (the real node app) over a fresh content store. */
async function startNode(): Promise<{ url: string; store: ContentStore }> {
  const dataDir = tempDir('mycel-ipfs-')
  dirs.push(dataDir)
  const store = createContentStore(dataDir)
  const common = createCommon(resolveOptions({ env: {}, cwd: dataDir }), createLogger('silent'))
  const app = createApp(common, { ready: false, reason: 'test', store })
  const { server, port } = await listen(app, '127.0.0.1', 0)
  servers.push(server)
  return { url: `http://127.0.0.1:${port}`, store }
}

/** A peer that serves a CAR of `root` with one block's bytes changed (its CID kept): an attacker. */
async function startTamperingPeer(store: ContentStore, root: CID): Promise<string> {
  const app = new Hono()
  app.get('/ipfs/:cid', async (c) => {
    const { writer, out } = CarWriter.create([root as never])
    void (async () => {
      let i = 0
      for await (const block of store.blocks(root)) {
        const bytes = new Uint8Array(block.bytes)
        if (i++ === 2) bytes[10] = (bytes[10] ?? 0) ^ 0xff
        await writer.put({ cid: block.cid as never, bytes })
      }
      await writer.close()
    })()
    const parts: Uint8Array[] = []
    for await (const part of out) parts.push(part)
    return c.body(new Uint8Array(Buffer.concat(parts)), 200, { 'content-type': 'application/vnd.ipld.car; version=1' })
  })
  const { server, port } = await listen(app, '127.0.0.1', 0)
  servers.push(server)
  return `http://127.0.0.1:${port}`
}

afterAll(() => {
  for (const server of servers) {
    server.closeAllConnections()
    server.close()
  }
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

let a: { url: string; store: ContentStore }
let file: { cid: string; bytes: Uint8Array }
let dirCid: string

beforeAll(async () => {
  a = await startNode()
  const bytes = deterministic(3 * MiB + 12_345)
  file = { cid: (await a.store.addBytes(bytes, { cidVersion: 1 })).cid, bytes }
  const source = tempDir('mycel-ipfs-dir-')
  dirs.push(source)
  mkdirSync(join(source, 'site', 'models'), { recursive: true })
  writeFileSync(join(source, 'site', 'models', 'a.txt'), 'model card\n')
  writeFileSync(join(source, 'site', 'readme.txt'), 'hello world\n')
  dirCid = (await a.store.add(join(source, 'site'))).cid
})

const get = (url: string, init: RequestInit = {}) => fetch(url, init)
const errorOf = async (response: Response) =>
  ((await response.json()) as { error: { code: string; message: string } }).error

describe('trustless gateway formats', () => {
  it('?format=raw and Accept: application/vnd.ipld.raw answer the single verified block', async () => {
    const root = CID.parse(file.cid)
    const expected = await a.store.block(root)
    for (const init of [{}, { headers: { accept: 'application/vnd.ipld.raw' } }]) {
      const url = `${a.url}/ipfs/${file.cid}${Object.keys(init).length ? '' : '?format=raw'}`
      const response = await get(url, init)
      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toBe('application/vnd.ipld.raw')
      expect(response.headers.get('content-disposition')).toBe(`attachment; filename="${file.cid}.bin"`)
      expect(response.headers.get('etag')).toBe(`"${file.cid}.raw"`)
      const body = new Uint8Array(await response.arrayBuffer())
      expect(same(body, expected)).toBe(true)
      expect(Buffer.from(await sha256.encode(body)).equals(Buffer.from(root.multihash.digest))).toBe(true)
    }
    // format wins over Accept.
    const car = await get(`${a.url}/ipfs/${file.cid}?format=raw`, { headers: { accept: 'application/vnd.ipld.car' } })
    expect(car.headers.get('content-type')).toBe('application/vnd.ipld.raw')
  })

  it('?format=car is a CARv1 of the whole DAG, depth-first, each block hashing to its CID', async () => {
    const response = await get(`${a.url}/ipfs/${file.cid}?format=car`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('application/vnd.ipld.car; version=1; order=dfs; dups=n')
    const reader = await CarBlockIterator.fromBytes(new Uint8Array(await response.arrayBuffer()))
    expect((await reader.getRoots()).map(String)).toEqual([file.cid])
    const cids: string[] = []
    const data: Uint8Array[] = []
    for await (const block of reader) {
      expect(Buffer.from(await sha256.encode(block.bytes)).equals(Buffer.from(block.cid.multihash.digest))).toBe(true)
      cids.push(block.cid.toString())
      if (block.cid.code === 0x55) data.push(block.bytes)
    }
    const links = dagPb.decode(await a.store.block(CID.parse(file.cid))).Links.map((l) => l.Hash.toString())
    expect(cids).toEqual([file.cid, ...links]) // the root, then its leaves in order
    expect(same(new Uint8Array(Buffer.concat(data)), file.bytes)).toBe(true)

    const block = await get(`${a.url}/ipfs/${file.cid}?format=car&dag-scope=block`, {
      headers: { accept: 'application/vnd.ipld.car' },
    })
    const only = []
    for await (const b of await CarBlockIterator.fromBytes(new Uint8Array(await block.arrayBuffer()))) only.push(b)
    expect(only.map((b) => b.cid.toString())).toEqual([file.cid])
  })

  it('a CAR of a path carries the blocks that prove the path, then the entity', async () => {
    const response = await get(`${a.url}/ipfs/${dirCid}/models/a.txt?format=car`)
    expect(response.status).toBe(200)
    const cids: string[] = []
    for await (const b of await CarBlockIterator.fromBytes(new Uint8Array(await response.arrayBuffer())))
      cids.push(b.cid.toString())
    const models = (await a.store.resolve(CID.parse(dirCid), ['models'])).cid.toString()
    const leaf = (await a.store.resolve(CID.parse(dirCid), ['models', 'a.txt'])).cid.toString()
    expect(cids).toEqual([dirCid, models, leaf])
    expect(response.headers.get('x-ipfs-roots')).toBe([dirCid, models, leaf].join(','))
  })
})

describe('files, ranges, HEAD, directories', () => {
  it('a plain GET streams the file with ETag, X-Ipfs-Path and Accept-Ranges', async () => {
    const response = await get(`${a.url}/ipfs/${file.cid}`)
    expect(response.status).toBe(200)
    expect(response.headers.get('etag')).toBe(`"${file.cid}"`)
    expect(response.headers.get('x-ipfs-path')).toBe(`/ipfs/${file.cid}`)
    expect(response.headers.get('accept-ranges')).toBe('bytes')
    expect(response.headers.get('content-length')).toBe(String(file.bytes.length))
    expect(same(new Uint8Array(await response.arrayBuffer()), file.bytes)).toBe(true)
    const cached = await get(`${a.url}/ipfs/${file.cid}`, { headers: { 'if-none-match': `"${file.cid}"` } })
    expect(cached.status).toBe(304)
  })

  it.each([
    ['bytes=0-99', 0, 99],
    ['bytes=262140-262150', 262_140, 262_150],
    ['bytes=3000000-', 3_000_000, 3 * MiB + 12_344],
    ['bytes=-500', 3 * MiB + 12_345 - 500, 3 * MiB + 12_344],
  ])('Range %s → 206 with those bytes', async (range, start, end) => {
    const response = await get(`${a.url}/ipfs/${file.cid}`, { headers: { range } })
    expect(response.status).toBe(206)
    expect(response.headers.get('content-range')).toBe(`bytes ${start}-${end}/${file.bytes.length}`)
    expect(same(new Uint8Array(await response.arrayBuffer()), file.bytes.subarray(start, end + 1))).toBe(true)
  })

  it('a Range past the end is 416 JSON with Content-Range: bytes */size; a malformed one is 400', async () => {
    const past = await get(`${a.url}/ipfs/${file.cid}`, { headers: { range: `bytes=${file.bytes.length}-` } })
    expect(past.status).toBe(416)
    expect(past.headers.get('content-range')).toBe(`bytes */${file.bytes.length}`)
    expect((await errorOf(past)).code).toBe('RANGE_NOT_SATISFIABLE')
    const bad = await get(`${a.url}/ipfs/${file.cid}`, { headers: { range: 'lines=1-2' } })
    expect(bad.status).toBe(400)
    expect(await errorOf(bad)).toMatchObject({ code: 'INVALID_RANGE' })
  })

  it('HEAD answers the headers of GET without a body', async () => {
    const response = await get(`${a.url}/ipfs/${file.cid}`, { method: 'HEAD' })
    expect(response.status).toBe(200)
    expect(response.headers.get('content-length')).toBe(String(file.bytes.length))
    expect((await response.arrayBuffer()).byteLength).toBe(0)
    const raw = await get(`${a.url}/ipfs/${file.cid}?format=raw`, { method: 'HEAD' })
    expect(raw.headers.get('content-type')).toBe('application/vnd.ipld.raw')
  })

  it('paths under a directory serve files (with a content type); a directory lists its entries', async () => {
    const readme = await get(`${a.url}/ipfs/${dirCid}/readme.txt`)
    expect(readme.headers.get('content-type')).toBe('text/plain; charset=utf-8')
    expect(await readme.text()).toBe('hello world\n')
    const listing = (await (await get(`${a.url}/ipfs/${dirCid}`)).json()) as { entries: { name: string }[] }
    expect(listing.entries.map((e) => e.name)).toEqual(['models', 'readme.txt'])
    const missing = await get(`${a.url}/ipfs/${dirCid}/nope.txt`)
    expect(missing.status).toBe(404)
    expect(await errorOf(missing)).toMatchObject({ code: 'CONTENT_PATH_NOT_FOUND' })
  })
})

describe('bad input is 4xx JSON', () => {
  it.each([
    ['/ipfs/not-a-cid', 400, 'INVALID_CID'],
    ['/ipfs/bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4?format=tar', 400, 'INVALID_FORMAT'],
    ['/ipfs/QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o?format=car&dag-scope=most', 400, 'INVALID_DAG_SCOPE'],
    ['/ipfs/QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o?format=car&car-version=2', 400, 'UNSUPPORTED_CAR_VERSION'],
  ])('%s → %i %s', async (path, status, code) => {
    const response = await get(`${a.url}${path}`)
    expect(response.status).toBe(status)
    expect(response.headers.get('content-type')).toContain('application/json')
    expect(await errorOf(response)).toMatchObject({ code })
  })

  it('a path with ?format=raw is 400 INVALID_PATH; an unknown CID is 404 CONTENT_NOT_FOUND', async () => {
    expect(await errorOf(await get(`${a.url}/ipfs/${dirCid}/readme.txt?format=raw`))).toMatchObject({
      code: 'INVALID_PATH',
    })
    const unknown = await cidOfBytes(new TextEncoder().encode('nobody has this'))
    for (const format of ['', '?format=raw', '?format=car']) {
      const response = await get(`${a.url}/ipfs/${unknown}${format}`)
      expect(response.status).toBe(404)
      expect(await errorOf(response)).toMatchObject({ code: 'CONTENT_NOT_FOUND' })
    }
    const offline = await get(`${a.url}/ipfs/${unknown}`, { headers: { 'cache-control': 'only-if-cached' } })
    expect(offline.status).toBe(412)
  })

  it('a tampered block on disk is never served: a raw request is 502 CONTENT_BLOCK_CORRUPT', async () => {
    const node = await startNode()
    const added = await node.store.addBytes(deterministic(MiB), { cidVersion: 0 })
    const root = CID.parse(added.cid)
    const { keyOf } = await import('../src/content/blocks.ts')
    const key = keyOf(root)
    writeFileSync(join(node.store.dir, 'blocks', key.slice(-2), `${key}.data`), 'not the block')
    const response = await get(`${node.url}/ipfs/${added.cid}?format=raw`)
    expect(response.status).toBe(502)
    expect(await errorOf(response)).toMatchObject({ code: 'CONTENT_BLOCK_CORRUPT' })
  })
})

describe('fetching from peers', () => {
  it('a node lacking content fetches it from a peer by CAR, verifies it, stores it and serves it', async () => {
    const b = await startNode()
    const failures: string[] = []
    b.store.setPeers({ peers: () => [a.url], onPeerFailed: (peer) => failures.push(peer) })
    expect(await b.store.has(CID.parse(file.cid))).toBe(false)
    const response = await get(`${b.url}/ipfs/${file.cid}`)
    expect(response.status).toBe(200)
    expect(same(new Uint8Array(await response.arrayBuffer()), file.bytes)).toBe(true)
    expect(failures).toEqual([])
    // Now local: served with peers gone.
    b.store.setPeers(undefined)
    expect(same((await b.store.get(file.cid)) as Uint8Array, file.bytes)).toBe(true)
  })

  it('a peer serving a tampered block is refused and the next peer is tried', async () => {
    const b = await startNode()
    const evil = await startTamperingPeer(a.store, CID.parse(file.cid))
    const failures: [string, string][] = []
    b.store.setPeers({ peers: () => [evil, a.url], onPeerFailed: (peer, reason) => failures.push([peer, reason]) })
    const response = await get(`${b.url}/ipfs/${file.cid}?format=car`)
    expect(response.status).toBe(200)
    await response.arrayBuffer()
    expect(failures).toHaveLength(1)
    expect(failures[0]?.[0]).toBe(evil)
    expect(failures[0]?.[1]).toMatch(/^Block \S+ from http:\/\/127\.0\.0\.1:\d+ does not hash to its CID; refused\.$/)
    expect(same((await b.store.get(file.cid)) as Uint8Array, file.bytes)).toBe(true)
  })

  it('content no peer has is 404 naming how many peers were tried; peers ask each other only-if-cached', async () => {
    const b = await startNode()
    const c = await startNode()
    // b and c point at each other: without only-if-cached they would ask each other forever.
    b.store.setPeers({ peers: () => [c.url, a.url] })
    c.store.setPeers({ peers: () => [b.url] })
    const unknown = await cidOfBytes(new TextEncoder().encode('nobody has this either'))
    const response = await get(`${b.url}/ipfs/${unknown}`)
    expect(response.status).toBe(404)
    const error = await errorOf(response)
    expect(error.code).toBe('CONTENT_NOT_FOUND')
    expect(error.message).toContain('nor on any of 2 peers tried')
  })
})
