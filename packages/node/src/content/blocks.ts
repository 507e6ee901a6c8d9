/**
 * The block layer of the content store: blocks on disk, one file each, keyed by multihash like Kubo's flatfs, under
 * `<dataDir>/content/blocks/<next-to-last 2 chars>/<BASE32 multihash>.data` (blockstore-fs's layout), each verified against its CID's multihash on every read — a block that does not hash
 * to its CID is deleted and refused with {@link ContentBlockCorruptError}, never returned. Also the CID parsing the
 * store accepts (dag-pb or raw, sha2-256 or identity) and the links of a block, for DAG walks.
 */
import { createHash, randomBytes } from 'node:crypto'
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs'
import { readdir, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import * as dagPb from '@ipld/dag-pb'
import { base32upper } from 'multiformats/bases/base32'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { ContentBlockCorruptError, InvalidContentCidError } from './errors.ts'

export const SHA2_256 = 0x12
export const IDENTITY = 0x00
/** The codecs a UnixFS DAG is made of; the store walks, verifies and serves these. */
export const DAG_PB = dagPb.code
export const RAW = raw.code

/** Parses `value` as a CID the store can verify (dag-pb or raw; sha2-256 or identity), or throws {@link InvalidContentCidError}. */
export function parseContentCid(value: string): CID {
  let cid: CID
  try {
    cid = CID.parse(value)
  } catch {
    throw new InvalidContentCidError({ value, reason: 'not a CID (expected a CIDv0 Qm… or a CIDv1 baf…)' })
  }
  checkSupported(cid, value)
  return cid
}

function checkSupported(cid: CID, value = cid.toString()): void {
  if (cid.code !== DAG_PB && cid.code !== RAW) {
    throw new InvalidContentCidError({
      value,
      reason: `codec 0x${cid.code.toString(16)} is not served here (dag-pb 0x70 and raw 0x55 only)`,
    })
  }
  if (cid.multihash.code !== SHA2_256 && cid.multihash.code !== IDENTITY) {
    throw new InvalidContentCidError({
      value,
      reason: `hash function 0x${cid.multihash.code.toString(16)} is not verifiable here (sha2-256 and identity only)`,
    })
  }
}

/** Whether `bytes` hash to `cid`'s multihash. */
export function blockMatches(cid: CID, bytes: Uint8Array): boolean {
  const digest = cid.multihash.digest
  if (cid.multihash.code === IDENTITY) return Buffer.compare(Buffer.from(digest), Buffer.from(bytes)) === 0
  if (cid.multihash.code !== SHA2_256) return false
  const actual = createHash('sha256').update(bytes).digest()
  return actual.length === digest.length && actual.equals(digest)
}

/** The CIDs a block links to (dag-pb links; none for raw). */
export function linksOf(cid: CID, bytes: Uint8Array): CID[] {
  if (cid.code !== DAG_PB) return []
  return dagPb.decode(bytes).Links.map((l) => l.Hash as unknown as CID)
}

/** The key of a block on disk: its multihash in base32 (upper case), as blockstore-fs names it. */
export const keyOf = (cid: CID): string => base32upper.encoder.encode(cid.multihash.bytes)

export type GetOptions = {
  signal?: AbortSignal
  /** Do not try peers for a missing block (a peer's request: no loops between nodes). */
  offline?: boolean
  /** Peers to ask first for this fetch (a dataset's provider), besides the store's own. */
  from?: string[]
}

/** What the store does when a block is missing locally: fetch it (verified) from peers, or undefined. */
export type MissingBlockHook = (cid: CID, options: GetOptions) => Promise<Uint8Array | undefined>

/** A block the store does not hold (and no peer gave). */
export class BlockMissingError extends Error {
  override name = 'BlockMissingError'
  readonly cid: CID
  constructor(cid: CID) {
    super(`block ${cid} is not in the store`)
    this.cid = cid
  }
}

/**
 * The verified blockstore: sha-256 checked on every read. Implements what the UnixFS importer (`put`) and exporter
 * (`get`) use. Written here rather than with blockstore-fs (same layout) because its writes (a temp file, an async
 * rename and an mkdir per block on the thread pool) made adding a file I/O-bound at a third of the target speed;
 * a block is written synchronously to a temp file and renamed into place, so a crash never leaves a torn block.
 */
export class VerifiedBlockstore {
  readonly dir: string
  private readonly shards = new Set<string>()
  /** Set by the store once peers are known. */
  onMissing: MissingBlockHook | undefined

  constructor(dir: string) {
    this.dir = dir
    mkdirSync(dir, { recursive: true })
  }

  /** Stores a block whose hash the caller computed (the importer) or verified (a peer fetch). */
  async put(cid: CID, bytes: Uint8Array): Promise<CID> {
    return this.putParts(cid, [bytes])
  }

  /** Stores a block given as consecutive parts (written part by part, never concatenated in memory). */
  putParts(cid: CID, parts: Uint8Array[]): CID {
    if (cid.multihash.code === IDENTITY) return cid
    const key = keyOf(cid)
    const shard = key.slice(-2)
    const file = join(this.dir, shard, `${key}.data`)
    if (!this.shards.has(shard)) {
      mkdirSync(join(this.dir, shard), { recursive: true })
      this.shards.add(shard)
    } else if (existsSync(file)) return cid
    const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`
    const fd = openSync(temp, 'w')
    try {
      // One write per part: writev measured several times slower here for a 256 KiB part.
      for (const part of parts) writeSync(fd, part)
    } finally {
      closeSync(fd)
    }
    renameSync(temp, file)
    return cid
  }

  /** Stores `bytes` as `cid` after checking they hash to it (throws {@link ContentBlockCorruptError} otherwise). */
  async putVerified(cid: CID, bytes: Uint8Array, source: string): Promise<void> {
    checkSupported(cid)
    if (!blockMatches(cid, bytes)) throw new ContentBlockCorruptError({ cid: cid.toString(), source })
    await this.put(cid, bytes)
  }

  async has(cid: CID): Promise<boolean> {
    if (cid.multihash.code === IDENTITY) return true
    return existsSync(this.pathOf(cid))
  }

  /** The block's bytes from disk, verified; undefined when absent. A corrupt block is deleted, then refused. */
  async read(cid: CID): Promise<Uint8Array | undefined> {
    if (cid.multihash.code === IDENTITY) return cid.multihash.digest
    let bytes: Uint8Array
    try {
      // Synchronous: a block is at most a few hundred KiB from the page cache, read in well under a millisecond;
      // a round trip through the thread pool per block made a streamed GET wait more than it read.
      bytes = readFileSync(this.pathOf(cid))
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw error
    }
    if (!blockMatches(cid, bytes)) {
      await unlink(this.pathOf(cid)).catch(() => {})
      throw new ContentBlockCorruptError({ cid: cid.toString(), source: 'the local store' })
    }
    return bytes
  }

  /** The block, verified, from disk or else from peers (unless `offline`); throws {@link BlockMissingError}. */
  async getBlock(cid: CID, options: GetOptions = {}): Promise<Uint8Array> {
    let corrupt: ContentBlockCorruptError | undefined
    try {
      const local = await this.read(cid)
      if (local) return local
    } catch (error) {
      // The corrupt copy is deleted already: a peer may still give the true block.
      if (!(error instanceof ContentBlockCorruptError)) throw error
      corrupt = error
    }
    if (!options.offline && this.onMissing) {
      const fetched = await this.onMissing(cid, options)
      if (fetched) return fetched
    }
    throw corrupt ?? new BlockMissingError(cid)
  }

  /** interface-blockstore's `get` (a generator of chunks), as the UnixFS exporter reads blocks. */
  async *get(cid: CID, options: GetOptions = {}): AsyncGenerator<Uint8Array> {
    yield await this.getBlock(cid, options)
  }

  async delete(cid: CID): Promise<void> {
    try {
      unlinkSync(this.pathOf(cid))
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    }
  }

  /** Every block key on disk (see {@link keyOf}) with its file. */
  async *keys(): AsyncGenerator<{ key: string; file: string }> {
    let shards: string[]
    try {
      shards = await readdir(this.dir)
    } catch {
      return
    }
    for (const shard of shards) {
      let files: string[]
      try {
        files = await readdir(join(this.dir, shard))
      } catch {
        continue
      }
      for (const name of files) {
        if (name.endsWith('.data')) yield { key: name.slice(0, -'.data'.length), file: join(this.dir, shard, name) }
      }
    }
  }

  pathOf(cid: CID): string {
    const key = keyOf(cid)
    return join(this.dir, key.slice(-2), `${key}.data`)
  }
}
