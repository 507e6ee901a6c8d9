/**
 * The node's content store, speaking IPFS: UnixFS DAGs (the CIDs `ipfs add` gives) in a verified on-disk blockstore
 * under `<dataDir>/content/blocks/`, pins in `<dataDir>/content/pins.db`, garbage collection of blocks no pin
 * reaches, and content fetched from peers (other nodes' gateways) when missing. `put`/`get` keep the small API the
 * node used before (bytes in, CID out): bytes are added as a CIDv1 file with raw leaves, so a blob of up to 256 KiB
 * keeps the CID it always had (`cidOfBytes`, bafkrei…). Blobs stored by the old store (`<dataDir>/content/<cid>`)
 * are imported on open.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { exporter, type UnixFSEntry } from 'ipfs-unixfs-exporter'
import type { CID } from 'multiformats/cid'
import { type Db, openDatabase } from '../db/database.ts'
import { contentMigrations, deletePin, type Pin, putPin, readPin, readPins } from '../db/stores/content.ts'
import { BlockMissingError, type GetOptions, keyOf, parseContentCid, VerifiedBlockstore } from './blocks.ts'
import { type Block, type DagScope, walkDag } from './dag.ts'
import { ContentCidMismatchError, ContentNotFoundError, ContentPathNotFoundError } from './errors.ts'
import { type AddOptions, addBytes, addPath } from './importer.ts'
import { fetchBlockFromPeers, fetchDagFromPeers, type PeerOptions } from './peers.ts'

export type { Pin } from '../db/stores/content.ts'
export type { CidVersion } from './importer.ts'

export type AddResult = { cid: string; size: number; blocks: number }
export type GcResult = { removed: number; freedBytes: number; kept: number }

export type ContentStore = {
  /** `<dataDir>/content`. */
  readonly dir: string
  /** Adds `bytes` as a CIDv1 file (pinned) and returns its CID; with `expectedCid`, throws when they differ. */
  put: (bytes: Uint8Array, expectedCid?: string) => Promise<string>
  /** The whole bytes of a file in this store (no peers), or undefined when absent. Throws InvalidContentCidError. */
  get: (cid: string) => Promise<Uint8Array | undefined>
  /** Adds a file or directory from disk (pinned unless `pin: false`); CIDv0 by default, as `ipfs add`. */
  add: (path: string, options?: AddOptions & { pin?: boolean }) => Promise<AddResult>
  /** Adds bytes as one file (pinned unless `pin: false`); CIDv1 by default. */
  addBytes: (bytes: Uint8Array, options?: AddOptions & { pin?: boolean }) => Promise<AddResult>
  /**
   * Makes sure the DAG of `root` is here, fetching it from peers when its root block is missing (unless
   * `offline`); throws ContentNotFoundError.
   */
  ensure: (root: CID, options?: GetOptions) => Promise<void>
  /** The UnixFS entry at `root` + `path` (segments), after {@link ContentStore.ensure}. */
  resolve: (root: CID, path?: string[], options?: GetOptions) => Promise<UnixFSEntry>
  /** One block, verified (from peers unless `offline`). */
  block: (cid: CID, options?: GetOptions) => Promise<Uint8Array>
  /** The blocks of the DAG under `root` in depth-first order. */
  blocks: (root: CID, options?: GetOptions & { scope?: DagScope }) => AsyncGenerator<Block>
  has: (cid: CID) => Promise<boolean>
  /** Pins `cid` (fetched from peers first if missing); returns the pin. */
  pin: (cid: string, options?: { name?: string } & GetOptions) => Promise<Pin>
  /** Unpins `cid`; whether it was pinned. */
  unpin: (cid: string) => boolean
  ls: () => Pin[]
  /** Deletes every block no pin reaches. */
  gc: () => Promise<GcResult>
  /** Where missing content is fetched from (set once the chain index is known). */
  setPeers: (options: PeerOptions | undefined) => void
  close: () => void
}

export type ContentStoreOptions = { peers?: PeerOptions }

/** Opens (creating) the content store under `<dataDir>/content/`. */
export function createContentStore(dataDir: string, options: ContentStoreOptions = {}): ContentStore {
  const dir = join(dataDir, 'content')
  const blocks = new VerifiedBlockstore(join(dir, 'blocks'))
  const db: Db = openDatabase(join(dir, 'pins.db'), contentMigrations)
  importLegacyBlobs(dir, blocks, db)
  let peers = options.peers

  /** The store's peers, with the fetch's own first (`from`); undefined when there are none. */
  const peersFor = (getOptions: GetOptions): PeerOptions | undefined => {
    const from = getOptions.from ?? []
    if (from.length === 0) return peers
    const base = peers
    return { ...base, peers: async () => [...from, ...((await base?.peers()) ?? [])] }
  }
  blocks.onMissing = async (cid, getOptions) => {
    const using = peersFor(getOptions)
    return using ? fetchBlockFromPeers(blocks, cid, { ...using, ...pick(getOptions) }) : undefined
  }

  const pinAdded = (added: { cid: CID; size: number; blocks: number }, pin: boolean, name = ''): AddResult => {
    const cid = added.cid.toString()
    if (pin) putPin(db, { cid, size: added.size, blocks: added.blocks, name })
    return { cid, size: added.size, blocks: added.blocks }
  }

  const ensure = async (root: CID, getOptions: GetOptions = {}) => {
    if (await blocks.has(root)) return
    const using = peersFor(getOptions)
    if (getOptions.offline || !using) {
      throw new ContentNotFoundError({ cid: root.toString(), peersTried: 0 })
    }
    await fetchDagFromPeers(blocks, root, { ...using, ...pick(getOptions) })
  }

  const resolve = async (root: CID, path: string[] = [], getOptions: GetOptions = {}) => {
    await ensure(root, getOptions)
    const target = [root.toString(), ...path.map(encodeURIComponent)].join('/')
    try {
      return await exporter(target, blocks as never, getOptions as never)
    } catch (error) {
      const name = (error as Error).name
      if (name === 'NotFoundError' || name === 'BadPathError' || name === 'NoPropError') {
        throw new ContentPathNotFoundError({ cid: root.toString(), path: path.join('/') })
      }
      if (error instanceof BlockMissingError)
        throw new ContentNotFoundError({ cid: error.cid.toString(), peersTried: 0 })
      throw error
    }
  }

  const store: ContentStore = {
    dir,
    async put(bytes, expectedCid) {
      const added = await addBytes(blocks, bytes, { cidVersion: 1 })
      const cid = added.cid.toString()
      if (expectedCid !== undefined && parseContentCid(expectedCid).toString() !== cid) {
        throw new ContentCidMismatchError({ cid, expectedCid })
      }
      pinAdded(added, true)
      return cid
    },
    async get(value) {
      const cid = parseContentCid(value)
      if (!(await blocks.has(cid))) return undefined
      const entry = await resolve(cid, [], { offline: true })
      if (entry.type === 'directory' || entry.type === 'object') return undefined
      const parts: Uint8Array[] = []
      for await (const chunk of entry.content()) parts.push(chunk)
      return new Uint8Array(Buffer.concat(parts))
    },
    async add(path, addOptions = {}) {
      const added = await addPath(blocks, path, addOptions)
      return pinAdded(added, addOptions.pin ?? true, path.split('/').filter(Boolean).pop() ?? '')
    },
    async addBytes(bytes, addOptions = {}) {
      return pinAdded(await addBytes(blocks, bytes, addOptions), addOptions.pin ?? true)
    },
    ensure,
    resolve,
    block: (cid, getOptions) => blocks.getBlock(cid, getOptions),
    blocks: (root, walkOptions) => walkDag(blocks, root, walkOptions),
    has: (cid) => blocks.has(cid),
    async pin(value, pinOptions = {}) {
      const cid = parseContentCid(value)
      const entry = await resolve(cid, [], pinOptions)
      let count = 0
      for await (const _ of walkDag(blocks, cid, pinOptions)) count++
      const size = await contentSize(entry, blocks)
      putPin(db, { cid: cid.toString(), size, blocks: count, name: pinOptions.name ?? '' })
      return readPin(db, cid.toString()) as Pin
    },
    unpin: (value) => deletePin(db, parseContentCid(value).toString()),
    ls: () => readPins(db),
    async gc() {
      const reachable = new Set<string>()
      for (const pin of readPins(db)) {
        const root = parseContentCid(pin.cid)
        try {
          for await (const { cid } of walkDag(blocks, root, { offline: true })) reachable.add(keyOf(cid))
        } catch (error) {
          // A pinned DAG with a block missing (deleted as corrupt) keeps what it still has.
          if (!(error instanceof BlockMissingError)) throw error
        }
      }
      let removed = 0
      let freedBytes = 0
      for await (const { key, file } of blocks.keys()) {
        if (reachable.has(key)) continue
        try {
          freedBytes += readFileSync(file).length
          unlinkSync(file)
          removed++
        } catch {
          // Gone already (a concurrent gc): nothing to free.
        }
      }
      return { removed, freedBytes, kept: reachable.size }
    },
    setPeers(next) {
      peers = next
    },
    close() {
      db.close()
    },
  }
  return store
}

const pick = (o: GetOptions): { signal?: AbortSignal } => (o.signal ? { signal: o.signal } : {})

/** A file's bytes, or the sum of a directory's files. */
async function contentSize(entry: UnixFSEntry, blocks: VerifiedBlockstore): Promise<number> {
  if (entry.type !== 'directory') return Number(entry.size)
  let total = 0
  for await (const child of entry.entries()) {
    total += await contentSize(await exporter(child.cid, blocks as never, { offline: true } as never), blocks)
  }
  return total
}

/**
 * The old store kept each blob as `<dir>/<cidv1 raw>`: each becomes that raw block, pinned, under the same CID (a
 * raw block is valid IPFS content whatever its size; up to 256 KiB it is also what `ipfs add --cid-version 1` gives).
 */
function importLegacyBlobs(dir: string, blocks: VerifiedBlockstore, db: Db): void {
  for (const name of readdirSync(dir)) {
    if (!/^bafkrei[a-z2-7]{52}$/.test(name)) continue
    const file = join(dir, name)
    const cid = parseContentCid(name)
    const target = blocks.pathOf(cid)
    mkdirSync(dirname(target), { recursive: true })
    renameSync(file, target)
    putPin(db, { cid: name, size: statSync(target).size, blocks: 1, name: '' })
  }
}

export { parseContentCid } from './blocks.ts'
