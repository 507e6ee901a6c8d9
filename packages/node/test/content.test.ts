/**
 * The content store (content/): the CIDs `ipfs add` gives (vectors from Kubo's defaults, printed by Debian's
 * `ipfs_cid`, which computes `ipfs add`'s CIDv0 — hard-coded here), CIDv1 with raw leaves, directories checked
 * against a UnixFS directory built by hand from the spec, the offer-CID compatibility with the SDK's `cidOfBytes`,
 * tampered blocks refused, pins and GC, and add → read round trips of random bytes (fast-check).
 */
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import * as dagPb from '@ipld/dag-pb'
import { cidOfBytes } from '@mycel/sdk'
import fc from 'fast-check'
import { UnixFS } from 'ipfs-unixfs'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { afterAll, describe, expect, it } from 'vitest'
import { tempDir } from '../../../test/helpers/chain.ts'
import { NodeError } from '../src/common/errors.ts'
import { keyOf } from '../src/content/blocks.ts'
import { type ContentStore, createContentStore } from '../src/content/contentStore.ts'
import { fileBytes } from '../src/content/dag.ts'
import {
  ContentBlockCorruptError,
  ContentNotFoundError,
  ContentSourceError,
  InvalidContentCidError,
} from '../src/content/errors.ts'
import { fileLeafParts } from '../src/content/importer.ts'

const dirs: string[] = []
const fresh = (): ContentStore => {
  const dir = tempDir('mycel-content-')
  dirs.push(dir)
  return createContentStore(dir)
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

/** The deterministic bytes the vectors were made from: byte i is (7i + floor(i / 1024)) mod 251. */
export function deterministic(n: number): Uint8Array {
  const bytes = new Uint8Array(n)
  for (let i = 0; i < n; i++) bytes[i] = (i * 7 + (i >>> 10)) % 251
  return bytes
}

const text = (s: string) => new TextEncoder().encode(s)
/** Byte equality without vitest's element-by-element diff (slow on MiBs). */
const same = (a: Uint8Array | undefined, b: Uint8Array) => a !== undefined && Buffer.from(a).equals(Buffer.from(b))
/** `size` bytes from `seed`, cheap to make (fast-check draws the size and the seed, not every byte). */
const seeded = (size: number, seed: number) => {
  const bytes = new Uint8Array(size)
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + seed * 17 + (i >>> 9)) & 0xff
  return bytes
}
const MiB = 1024 * 1024

/** `ipfs_cid FILE` (Kubo's `ipfs add` defaults: CIDv0, 256 KiB chunks, balanced DAG of 174 links, dag-pb leaves). */
const kuboV0: [string, number, string][] = [
  ['one chunk exactly (256 KiB)', 262_144, 'QmNmUtxic2Ai6CbCGg6886Qq7ZLJE2ghVfjU7XcJTR5XeP'],
  ['one byte over a chunk', 262_145, 'QmccABdozEpFsc14EHtAnT479Cx3uSFSWppEXrBi3D6STt'],
  ['1 MiB', MiB, 'QmdMdxG2H3qicuyxkqCT7JHJ2kUrx3KiwKioFSjc578gT3'],
  ['3 MiB', 3 * MiB, 'QmbqqYGszAFDgKHbrF8MWibmqJrRJCGK8shvUVwDoKZJGo'],
  ['46 MiB (184 chunks: a two-level balanced DAG)', 46 * MiB, 'QmVHKAuLF2fF48gN8oTh5nYEXQVFuhRtLH9BmwRrdKZiv6'],
]

describe('CIDs are the ones ipfs add gives', () => {
  const store = fresh()

  it('"hello world\\n": CIDv0 and --cid-version 1', async () => {
    expect((await store.addBytes(text('hello world\n'), { cidVersion: 0 })).cid).toBe(
      'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o',
    )
    expect((await store.addBytes(text('hello world\n'), { cidVersion: 1 })).cid).toBe(
      'bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4',
    )
  })

  it.each(kuboV0)('%s: CIDv0 as ipfs_cid prints it', async (_, size, expected) => {
    const added = await store.addBytes(deterministic(size), { cidVersion: 0 })
    expect(added.cid).toBe(expected)
    expect(added.size).toBe(size)
    const chunks = Math.ceil(size / 262_144)
    // Leaves, plus one root when there are several, plus the inner nodes of a second level past 174 leaves.
    expect(added.blocks).toBe(chunks === 1 ? 1 : chunks + 1 + (chunks > 174 ? Math.ceil(chunks / 174) : 0))
  })

  it('--cid-version 1 of 1 MiB: a dag-pb root linking the raw leaves of its 256 KiB chunks in order', async () => {
    const bytes = deterministic(MiB)
    const added = await store.addBytes(bytes, { cidVersion: 1 })
    const root = CID.parse(added.cid)
    expect(root.version).toBe(1)
    expect(root.code).toBe(dagPb.code)
    expect(added.cid).toBe('bafybeibgxf5tswqtmevsjprkckqmnuzzly5dwlyyqk3khasqr7xpqervum')
    const node = dagPb.decode(await store.block(root))
    const leaves = await Promise.all(
      [0, 1, 2, 3].map(async (i) => (await cidOfBytes(bytes.subarray(i * 262_144, (i + 1) * 262_144))).toString()),
    )
    expect(node.Links.map((l) => l.Hash.toString())).toEqual(leaves)
    expect(UnixFS.unmarshal(node.Data as Uint8Array).blockSizes).toEqual([262_144n, 262_144n, 262_144n, 262_144n])
  })

  it('a directory is the UnixFS directory Kubo builds (links sorted by name, Tsize cumulative), v0 and v1', async () => {
    const dir = tempDir('mycel-content-dir-')
    dirs.push(dir)
    mkdirSync(join(dir, 'd', 'sub'), { recursive: true })
    writeFileSync(join(dir, 'd', 'hello.txt'), 'hello world\n')
    writeFileSync(join(dir, 'd', 'sub', 'b.txt'), 'b')
    writeFileSync(join(dir, 'd', '.hidden'), 'skipped, as ipfs add does by default')

    // By hand, from the UnixFS spec: a file leaf is a dag-pb node whose Data is UnixFS{type: file, data}.
    const leaf = (data: string) =>
      dagPb.encode({ Data: new UnixFS({ type: 'file', data: text(data) }).marshal(), Links: [] })
    const directory = (links: { Name: string; Hash: CID; Tsize: number }[]) =>
      dagPb.encode(dagPb.prepare({ Data: new UnixFS({ type: 'directory' }).marshal(), Links: links }))
    const v0 = async (block: Uint8Array) => CID.createV0(await sha256.digest(block))
    const helloBlock = leaf('hello world\n')
    const bBlock = leaf('b')
    const subBlock = directory([{ Name: 'b.txt', Hash: await v0(bBlock), Tsize: bBlock.length }])
    const rootBlock = directory([
      { Name: 'hello.txt', Hash: await v0(helloBlock), Tsize: helloBlock.length },
      { Name: 'sub', Hash: await v0(subBlock), Tsize: subBlock.length + bBlock.length },
    ])
    const added = await store.add(join(dir, 'd'))
    expect(added.cid).toBe((await v0(rootBlock)).toString())
    expect(added.cid).toBe('QmemZnyaRUtUT2ZMNVw1yHHjqhdRwfJXfR8BNN353Kwnoc')
    expect(added).toMatchObject({ size: 13, blocks: 4 })

    const v1 = await store.add(join(dir, 'd'), { cidVersion: 1 })
    expect(v1.cid).toBe('bafybeibhhv72mqa6rgk2bbpkvyb5gjvtiruyvau4wrsgu452vh56xwej54')
    const entry = await store.resolve(CID.parse(v1.cid), ['sub', 'b.txt'])
    expect(entry.cid.toString()).toBe(CID.create(1, raw.code, await sha256.digest(text('b'))).toString())
  })

  it("an empty directory is Kubo's well-known empty directory", async () => {
    const dir = tempDir('mycel-content-empty-')
    dirs.push(dir)
    mkdirSync(join(dir, 'empty'))
    expect((await store.add(join(dir, 'empty'))).cid).toBe('QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn')
    expect((await store.add(join(dir, 'empty'), { cidVersion: 1 })).cid).toBe(
      'bafybeiczsscdsbs7ffqz55asqdf3smv6klcw3gofszvwlyarci47bgf354',
    )
  })

  it('a file added from disk gets the CID of its bytes; a missing file or a socket is a ContentSourceError', async () => {
    const dir = tempDir('mycel-content-file-')
    dirs.push(dir)
    writeFileSync(join(dir, 'a.bin'), deterministic(MiB))
    expect((await store.add(join(dir, 'a.bin'))).cid).toBe('QmdMdxG2H3qicuyxkqCT7JHJ2kUrx3KiwKioFSjc578gT3')
    const missing = await store.add(join(dir, 'nope.bin')).catch((e: unknown) => e)
    expect(missing).toBeInstanceOf(ContentSourceError)
    expect(missing).toMatchObject({ code: 'CONTENT_SOURCE_UNREADABLE', exitCode: 2 })
    expect((missing as Error).message).toContain(`Cannot add ${join(dir, 'nope.bin')}: no such file or directory.`)
    symlinkSync(join(dir, 'nowhere'), join(dir, 'dangling'))
    const link = await store.add(join(dir, 'dangling')).catch((e: unknown) => e)
    expect(link).toBeInstanceOf(ContentSourceError)
  })
})

describe('offers keep their CIDs', () => {
  it('put gives what cidOfBytes gives, for any blob up to 256 KiB, and get returns the bytes', async () => {
    const store = fresh()
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 262_144 }), fc.integer({ min: 0, max: 255 }), async (size, seed) => {
        const bytes = seeded(size, seed)
        const cid = await store.put(bytes)
        expect(cid).toBe(await cidOfBytes(bytes))
        expect(same(await store.get(cid), bytes)).toBe(true)
      }),
      { numRuns: 25 },
    )
    const full = deterministic(262_144)
    expect(await store.put(full, await cidOfBytes(full))).toBe(await cidOfBytes(full))
  })

  it('blobs the old store kept as <dataDir>/content/<cid> are moved in, pinned, under the same CID', async () => {
    const dataDir = tempDir('mycel-content-legacy-')
    dirs.push(dataDir)
    const bytes = text('{"a scoring spec": true}\n')
    const cid = await cidOfBytes(bytes)
    mkdirSync(join(dataDir, 'content'))
    writeFileSync(join(dataDir, 'content', cid), bytes)
    const store = createContentStore(dataDir)
    expect(await store.get(cid)).toEqual(bytes)
    expect(store.ls().map((p) => p.cid)).toContain(cid)
  })
})

/** The file of a block on disk. */
const fileOf = (store: ContentStore, cid: CID) => {
  const key = keyOf(cid)
  return join(store.dir, 'blocks', key.slice(-2), `${key}.data`)
}

describe('blocks are verified on every read', () => {
  it('a tampered block is refused with ContentBlockCorruptError (CONTENT_BLOCK_CORRUPT) and deleted', async () => {
    const store = fresh()
    const added = await store.addBytes(deterministic(MiB), { cidVersion: 1 })
    const root = CID.parse(added.cid)
    const leaf = dagPb.decode(await store.block(root)).Links[2]?.Hash as unknown as CID
    const file = fileOf(store, leaf)
    const bytes = readFileSync(file)
    bytes[100] = (bytes[100] ?? 0) ^ 1
    writeFileSync(file, bytes)
    const error = await store.get(added.cid).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ContentBlockCorruptError)
    expect(error).toBeInstanceOf(NodeError)
    expect(error).toMatchObject({ code: 'CONTENT_BLOCK_CORRUPT', cid: leaf.toString() })
    expect((error as Error).message).toContain(`Block ${leaf} from the local store does not hash to its CID; refused.`)
    // Deleted: the next read finds it missing (and would fetch it from a peer).
    expect(await store.has(leaf)).toBe(false)
  })

  it('a bad CID is an InvalidContentCidError naming the value; an unknown one reads as absent', async () => {
    const store = fresh()
    const error = await store.get('not-a-cid').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidContentCidError)
    expect(error).toMatchObject({ code: 'INVALID_CID', httpStatus: 400 })
    expect((error as Error).message).toMatch(/^"not-a-cid" is not a usable CID: not a CID/)
    // dag-cbor (0x71) is a CID, but not one this store verifies and serves.
    const cbor = CID.create(1, 0x71, await sha256.digest(text('x'))).toString()
    expect((await store.get(cbor).catch((e: unknown) => e)) as Error).toMatchObject({
      message: expect.stringContaining('codec 0x71 is not served here'),
    })
    expect(await store.get(await cidOfBytes(text('never added')))).toBeUndefined()
    const pinMissing = await store.pin(await cidOfBytes(text('never added'))).catch((e: unknown) => e)
    expect(pinMissing).toBeInstanceOf(ContentNotFoundError)
    expect((pinMissing as Error).message).toContain('and no peer was tried')
  })
})

describe('pins and garbage collection', () => {
  it('added content is pinned; gc removes exactly the blocks no pin reaches', async () => {
    const store = fresh()
    const a = await store.addBytes(deterministic(MiB), { cidVersion: 1 })
    const b = await store.addBytes(deterministic(3 * MiB), { cidVersion: 0 })
    const loose = await store.addBytes(text('not pinned'), { pin: false })
    expect(store.ls().map((p) => [p.cid, p.size, p.blocks])).toEqual(
      expect.arrayContaining([
        [a.cid, MiB, 5],
        [b.cid, 3 * MiB, 13],
      ]),
    )
    expect(store.ls().map((p) => p.cid)).not.toContain(loose.cid)

    expect(await store.gc()).toMatchObject({ removed: 1, kept: 18 })
    expect(await store.get(loose.cid)).toBeUndefined()
    expect(same(await store.get(a.cid), deterministic(MiB))).toBe(true)

    expect(store.unpin(b.cid)).toBe(true)
    expect(store.unpin(b.cid)).toBe(false)
    const gc = await store.gc()
    expect(gc).toMatchObject({ removed: 13, kept: 5 })
    expect(gc.freedBytes).toBeGreaterThan(3 * MiB)
    expect(await store.get(b.cid)).toBeUndefined()

    // Pinning content that is here again records its size and blocks.
    await store.addBytes(deterministic(3 * MiB), { cidVersion: 0, pin: false })
    expect(await store.pin(b.cid, { name: 'again' })).toMatchObject({ cid: b.cid, size: 3 * MiB, blocks: 13 })
    expect((await store.gc()).removed).toBe(0)
  })

  it('blocks shared by two pins survive unpinning one of them', async () => {
    const store = fresh()
    const big = deterministic(2 * MiB)
    const first = await store.addBytes(big, { cidVersion: 1 })
    // The same first MiB: its four raw leaves are the first four leaves of `big`.
    const half = await store.addBytes(big.subarray(0, MiB), { cidVersion: 1 })
    store.unpin(first.cid)
    expect(await store.gc()).toMatchObject({ removed: 5 }) // big's root and its last four leaves
    expect(same(await store.get(half.cid), big.subarray(0, MiB))).toBe(true)
  })
})

describe('round trips (fast-check)', () => {
  it('fileBytes gives any byte range of a v0 or v1 file (what the gateway streams for Range requests)', async () => {
    const store = fresh()
    const bytes = seeded(3 * 262_144 + 999, 7)
    const roots = await Promise.all(
      ([0, 1] as const).map(async (cidVersion) => CID.parse((await store.addBytes(bytes, { cidVersion })).cid)),
    )
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: bytes.length - 1 }),
        fc.integer({ min: 1, max: bytes.length }),
        fc.constantFrom(0, 1),
        async (offset, wanted, which) => {
          const length = Math.min(wanted, bytes.length - offset)
          const parts: Uint8Array[] = []
          for await (const part of fileBytes((cid) => store.block(cid), roots[which] as CID, offset, length))
            parts.push(part)
          expect(same(new Uint8Array(Buffer.concat(parts)), bytes.subarray(offset, offset + length))).toBe(true)
        },
      ),
      { numRuns: 40 },
    )
  })

  it('the copy-free CIDv0 leaf parts give the bytes dag-pb + ipfs-unixfs give, for any chunk', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 262_144 }), fc.integer({ min: 0, max: 255 }), (size, seed) => {
        const chunk = seeded(size, seed)
        const expected = dagPb.encode({ Data: new UnixFS({ type: 'file', data: chunk }).marshal(), Links: [] })
        expect(Buffer.concat(fileLeafParts(chunk)).equals(Buffer.from(expected))).toBe(true)
      }),
      { numRuns: 60 },
    )
  })

  it('add then read gives back the bytes, for random sizes and both CID versions', async () => {
    const store = fresh()
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 700_000 }),
        fc.integer({ min: 0, max: 255 }),
        fc.constantFrom(0 as const, 1 as const),
        async (size, seed, cidVersion) => {
          const bytes = seeded(size, seed)
          const added = await store.addBytes(bytes, { cidVersion, pin: false })
          expect(added.size).toBe(size)
          expect(same(await store.get(added.cid), bytes)).toBe(true)
        },
      ),
      { numRuns: 30 },
    )
  })
})
