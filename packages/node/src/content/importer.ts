/**
 * Adding content: bytes, a file or a directory turned into a UnixFS DAG (ipfs-unixfs-importer) whose root CID is the
 * one `ipfs add` gives (Kubo's defaults): 256 KiB fixed chunks, a balanced DAG of at most 174 links per node, a
 * single-chunk file reduced to its leaf, directories as UnixFS directories (HAMT-sharded past 256 KiB of links, like
 * Kubo). CID version 0 (Kubo's default) makes dag-pb leaves and CIDv0 (Qm…); version 1 (`--cid-version 1`) makes raw
 * leaves and CIDv1 in base32 (bafk…/bafy…). Hidden files (names starting with `.`) are skipped, as Kubo does by
 * default.
 */
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { lstat, readdir, readlink } from 'node:fs/promises'
import { basename, join } from 'node:path'
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import {
  type BufferImporter,
  type ImportCandidate,
  type ImporterOptions,
  type ImportResult,
  importBytes,
  importer,
} from 'ipfs-unixfs-importer'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { balanced } from 'ipfs-unixfs-importer/layout'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import * as Digest from 'multiformats/hashes/digest'
import { sha256 } from 'multiformats/hashes/sha2'
import { keyOf, linksOf, SHA2_256, type VerifiedBlockstore } from './blocks.ts'
import { ContentSourceError } from './errors.ts'

export type CidVersion = 0 | 1

export const CHUNK_SIZE = 262_144
export const MAX_LINKS = 174

const varintLength = (n: number) => {
  let length = 1
  while (n >= 0x80) {
    n = Math.floor(n / 128)
    length++
  }
  return length
}
const writeVarint = (target: Uint8Array, at: number, n: number) => {
  while (n >= 0x80) {
    target[at++] = (n % 128) | 0x80
    n = Math.floor(n / 128)
  }
  target[at++] = n
  return at
}

/**
 * A CIDv0 file leaf (dag-pb `PBNode{Data: UnixFS{Type: File, Data: chunk, filesize}}`) as three parts — a header, the
 * chunk itself, a trailer — so it is hashed and written without copying the chunk: byte for byte what
 * `dagPb.encode({ Data: new UnixFS({ type: 'file', data }).marshal() })` gives (a test checks it), which copies the
 * chunk three times, most of the cost of adding with CIDv0 here (fresh memory is slow to fault in on this machine).
 */
export function fileLeafParts(chunk: Uint8Array): [Uint8Array, Uint8Array, Uint8Array] {
  const n = chunk.length
  const unixfsLength = 2 + 1 + varintLength(n) + n + 1 + varintLength(n)
  const header = new Uint8Array(1 + varintLength(unixfsLength) + 3 + varintLength(n))
  let at = 0
  header[at++] = 0x0a // PBNode.Data
  at = writeVarint(header, at, unixfsLength)
  header[at++] = 0x08 // UnixFS.Type
  header[at++] = 0x02 // File
  header[at++] = 0x12 // UnixFS.Data
  writeVarint(header, at, n)
  const trailer = new Uint8Array(1 + varintLength(n))
  trailer[0] = 0x18 // UnixFS.filesize
  writeVarint(trailer, 1, n)
  return [header, chunk, trailer]
}

/** The importer's leaf builder: {@link fileLeafParts} for CIDv0 leaves, the chunk itself for raw leaves. */
function leafImporter(cidVersion: CidVersion, blocks: VerifiedBlockstore): BufferImporter {
  return async function* (file, blockstore) {
    for await (const chunk of file.content) {
      yield async () => {
        if (cidVersion === 1 || chunk.length === 0) {
          const block =
            cidVersion === 1
              ? chunk
              : dagPb.encode({ Data: new UnixFS({ type: 'file', data: chunk }).marshal(), Links: [] })
          const cid = CID.create(cidVersion, cidVersion === 1 ? raw.code : dagPb.code, await sha256.digest(block))
          await blockstore.put(cid as never, block)
          return {
            cid: cid as never,
            ...(cidVersion === 0 ? { unixfs: new UnixFS({ type: 'file', data: chunk }) } : {}),
            size: BigInt(block.length),
            block,
          }
        }
        const parts = fileLeafParts(chunk)
        const hash = createHash('sha256')
        for (const part of parts) hash.update(part)
        const cid = CID.createV0(Digest.create(SHA2_256, hash.digest()))
        blocks.putParts(cid, parts)
        return {
          cid: cid as never,
          unixfs: new UnixFS({ type: 'file', data: chunk }),
          size: BigInt(parts[0].length + parts[1].length + parts[2].length),
          // Read back only to add an mtime or a mode, which `ipfs add` does not store by default.
          block: chunk,
        }
      }
    }
  }
}

/** The importer options of `ipfs add` (Kubo's defaults) for a CID version. */
export function addProfile(cidVersion: CidVersion, blocks: VerifiedBlockstore): ImporterOptions {
  return {
    cidVersion,
    rawLeaves: cidVersion === 1,
    leafType: 'file',
    reduceSingleLeafToSelf: true,
    chunker: fixedSize({ chunkSize: CHUNK_SIZE }),
    layout: balanced({ maxChildrenPerNode: MAX_LINKS }),
    fieldOrder: 'links-first',
    shardSplitStrategy: 'links-bytes',
    wrapWithDirectory: false,
    bufferImporter: leafImporter(cidVersion, blocks),
  }
}

export type Added = {
  cid: CID
  /** The content's bytes (a directory: the sum of its files). */
  size: number
  /** Distinct blocks of the DAG written by this add. */
  blocks: number
}

export type AddOptions = {
  cidVersion?: CidVersion
  /** Called with the bytes read so far. */
  onProgress?: (bytesRead: number) => void
}

/**
 * Counts the blocks of the DAG an import writes, around a blockstore: the links of each block written are kept, and
 * the count is what the root reaches (the importer may write a block it then replaces, e.g. a directory's first,
 * empty version).
 */
function counting(blocks: VerifiedBlockstore) {
  const links = new Map<string, string[]>()
  return {
    blocksUnder(root: CID): number {
      const seen = new Set<string>()
      const stack = [keyOf(root)]
      while (stack.length > 0) {
        const key = stack.pop() as string
        if (seen.has(key)) continue
        seen.add(key)
        stack.push(...(links.get(key) ?? []))
      }
      return seen.size
    },
    store: {
      put: (cid: CID, bytes: Uint8Array) => {
        links.set(keyOf(cid), cid.code === dagPb.code ? linksOf(cid, bytes).map(keyOf) : [])
        return blocks.put(cid, bytes)
      },
    },
  }
}

/** Adds `bytes` as one file. */
export async function addBytes(blocks: VerifiedBlockstore, bytes: Uint8Array, options: AddOptions = {}) {
  const { blocksUnder, store } = counting(blocks)
  const result = await importBytes(bytes, store as never, addProfile(options.cidVersion ?? 1, blocks))
  const cid = result.cid as unknown as CID
  return { cid, size: bytes.length, blocks: blocksUnder(cid) }
}

/** The candidates of a file or directory tree, in Kubo's way (hidden entries skipped, symlinks kept as links). */
async function* candidatesOf(path: string, name: string, count: (n: number) => void): AsyncGenerator<ImportCandidate> {
  const info = await lstat(path)
  if (info.isSymbolicLink()) {
    yield { path: name, link: await readlink(path) }
  } else if (info.isDirectory()) {
    yield { path: name }
    const entries = (await readdir(path)).filter((e) => !e.startsWith('.')).sort()
    for (const entry of entries) yield* candidatesOf(join(path, entry), `${name}/${entry}`, count)
  } else if (info.isFile()) {
    yield { path: name, content: countingStream(path, count) }
  }
}

async function* countingStream(path: string, count: (n: number) => void): AsyncGenerator<Uint8Array> {
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    count((chunk as Buffer).length)
    yield chunk as Buffer
  }
}

/** Adds a file or a directory (recursively) from disk; throws {@link ContentSourceError} when it cannot be read. */
export async function addPath(blocks: VerifiedBlockstore, path: string, options: AddOptions = {}): Promise<Added> {
  let info: Awaited<ReturnType<typeof lstat>>
  try {
    info = await lstat(path)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new ContentSourceError({ path, reason: code === 'ENOENT' ? 'no such file or directory' : String(code) })
  }
  if (!info.isFile() && !info.isDirectory()) {
    throw new ContentSourceError({ path, reason: 'not a regular file or a directory' })
  }
  const { blocksUnder, store } = counting(blocks)
  let read = 0
  const count = (n: number) => {
    read += n
    options.onProgress?.(read)
  }
  const root = basename(path) || 'root'
  let top: ImportResult | undefined
  try {
    const entries = importer(
      candidatesOf(path, root, count),
      store as never,
      addProfile(options.cidVersion ?? 0, blocks),
    )
    for await (const entry of entries) if (entry.path === root) top = entry
  } catch (error) {
    if (error instanceof ContentSourceError) throw error
    const code = (error as NodeJS.ErrnoException).code
    if (code) throw new ContentSourceError({ path, reason: `${code} while reading` })
    throw error
  }
  if (!top) throw new ContentSourceError({ path, reason: 'nothing to add' })
  const cid = top.cid as unknown as CID
  return { cid, size: read, blocks: blocksUnder(cid) }
}
