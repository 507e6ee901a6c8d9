/**
 * DAG walks over the verified blockstore: every block of a DAG in depth-first order (what a CAR with `order=dfs`
 * carries and what pins and GC need), a CARv1 stream of such a walk (@ipld/car), and the import of a CAR received from
 * a peer — each block checked against its CID and accepted only if the DAG being fetched links to it, the root stored
 * last so that a root present on disk always means its whole DAG is (an interrupted fetch leaves no half DAG behind
 * a root).
 */
import { CarBlockIterator, CarWriter } from '@ipld/car'
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import type { CID } from 'multiformats/cid'
import { blockMatches, DAG_PB, type GetOptions, keyOf, linksOf, type VerifiedBlockstore } from './blocks.ts'
import { ContentBlockCorruptError, ContentTooLargeError } from './errors.ts'

export type Block = { cid: CID; bytes: Uint8Array }
/** The largest block accepted from a peer (Kubo exchanges blocks of at most 2 MiB; ours are 256 KiB and a little). */
export const MAX_BLOCK_BYTES = 2 * 1024 * 1024
export type DagScope = 'all' | 'entity' | 'block'

/**
 * The blocks of the DAG under `root`, depth-first, each once (`dups=n`). `scope`: `all` every block; `block` the root
 * alone; `entity` a file's blocks, or a directory's own node(s) (its HAMT shards) without its entries.
 */
export async function* walkDag(
  blocks: VerifiedBlockstore,
  root: CID,
  options: GetOptions & { scope?: DagScope } = {},
): AsyncGenerator<Block> {
  const scope = options.scope ?? 'all'
  const seen = new Set<string>()
  const stack: CID[] = [root]
  while (stack.length > 0) {
    const cid = stack.pop() as CID
    const key = keyOf(cid)
    if (seen.has(key)) continue
    seen.add(key)
    const bytes = await blocks.getBlock(cid, options)
    yield { cid, bytes }
    if (scope === 'block') return
    let links = linksOf(cid, bytes)
    if (scope === 'entity' && cid.code === DAG_PB && isDirectory(bytes)) {
      // A directory entity is its own node(s): only HAMT shard links (named by a 2-hex-digit prefix alone) are kept.
      links = dagPb
        .decode(bytes)
        .Links.filter((l) => isHamt(bytes) && (l.Name ?? '').length === 2)
        .map((l) => l.Hash as unknown as CID)
    }
    for (let i = links.length - 1; i >= 0; i--) stack.push(links[i] as CID)
  }
}

function unixfsOf(bytes: Uint8Array): UnixFS | undefined {
  const data = dagPb.decode(bytes).Data
  if (!data) return undefined
  try {
    return UnixFS.unmarshal(data)
  } catch {
    return undefined
  }
}
const isDirectory = (bytes: Uint8Array) => {
  const type = unixfsOf(bytes)?.type
  return type === 'directory' || type === 'hamt-sharded-directory'
}
const isHamt = (bytes: Uint8Array) => unixfsOf(bytes)?.type === 'hamt-sharded-directory'

/** A CARv1 byte stream of `roots` (one) with the given blocks, as the trustless gateway serves it. */
export function carStream(root: CID, source: AsyncIterable<Block>): AsyncIterable<Uint8Array> {
  const { writer, out } = CarWriter.create([root as never])
  void (async () => {
    try {
      for await (const block of source) await writer.put({ cid: block.cid as never, bytes: block.bytes })
    } catch {
      // A block missing or corrupt mid-stream ends the CAR early: the client sees an incomplete CAR (trustless
      // gateway spec: the stream is terminated, never filled with unverified bytes).
    } finally {
      await writer.close()
    }
  })()
  return out
}

/**
 * Reads a CAR for `root` from a peer and stores its blocks: each must hash to its CID (else
 * {@link ContentBlockCorruptError}, nothing more is read) and be linked from the DAG fetched so far; at most
 * `maxBytes` of blocks. Returns whether the whole DAG of `root` arrived (the root is stored only then).
 */
export async function importCar(
  blocks: VerifiedBlockstore,
  root: CID,
  body: AsyncIterable<Uint8Array>,
  { maxBytes, source }: { maxBytes: number; source: string },
): Promise<boolean> {
  const reader = await CarBlockIterator.fromIterable(body)
  const wanted = new Set<string>([keyOf(root)])
  const got = new Set<string>()
  let rootBytes: Uint8Array | undefined
  let total = 0
  for await (const block of reader) {
    const cid = block.cid as unknown as CID
    const key = keyOf(cid)
    if (!wanted.has(key) || got.has(key)) continue
    total += block.bytes.length
    if (total > maxBytes || block.bytes.length > MAX_BLOCK_BYTES) {
      throw new ContentTooLargeError({ cid: root.toString(), limit: Math.min(maxBytes, MAX_BLOCK_BYTES) })
    }
    if (!blockMatches(cid, block.bytes)) throw new ContentBlockCorruptError({ cid: cid.toString(), source })
    got.add(key)
    for (const link of linksOf(cid, block.bytes)) {
      const linkKey = keyOf(link)
      // A child this store already has whole (its own DAG came before) still needs its subtree checked below.
      wanted.add(linkKey)
    }
    if (key === keyOf(root)) rootBytes = block.bytes
    else await blocks.put(cid, block.bytes)
  }
  if (!rootBytes) return false
  // Every block linked from the root must now be on disk (from this CAR or from before).
  for (const key of wanted) {
    if (key === keyOf(root) || got.has(key)) continue
    return false
  }
  await blocks.put(root, rootBytes)
  return true
}

/**
 * The bytes `[offset, offset + length)` of the UnixFS file (or raw block) `root`, streamed in order: a depth-first
 * walk that skips, by the nodes' `blocksizes`, every subtree outside the range. Each block is verified as it is read
 * (`getBlock`). Leaner than the exporter's reader on the gateway's hot path (no per-block queue, no copies).
 */
export async function* fileBytes(
  getBlock: (cid: CID) => Promise<Uint8Array>,
  root: CID,
  offset: number,
  length: number,
): AsyncGenerator<Uint8Array> {
  const end = offset + length
  const stack: { cid: CID; start: number }[] = [{ cid: root, start: 0 }]
  const clip = (data: Uint8Array, at: number) => {
    const from = Math.max(at, offset)
    const to = Math.min(at + data.length, end)
    return to > from ? data.subarray(from - at, to - at) : undefined
  }
  while (stack.length > 0) {
    const { cid, start } = stack.pop() as { cid: CID; start: number }
    const block = await getBlock(cid)
    if (cid.code !== DAG_PB) {
      const part = clip(block, start)
      if (part) yield part
      continue
    }
    const node = dagPb.decode(block)
    const unixfs = node.Data ? UnixFS.unmarshal(node.Data) : undefined
    let at = start
    const own = unixfs?.data
    if (own && own.length > 0) {
      const part = clip(own, at)
      if (part) yield part
      at += own.length
    }
    const children: { cid: CID; start: number }[] = []
    node.Links.forEach((link, i) => {
      const size = Number(unixfs?.blockSizes[i] ?? 0n)
      if (at < end && at + size > offset) children.push({ cid: link.Hash as unknown as CID, start: at })
      at += size
    })
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i] as { cid: CID; start: number })
  }
}
