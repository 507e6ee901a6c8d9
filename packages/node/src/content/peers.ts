/**
 * Fetching content this node lacks from other nodes, by CID, over their trustless gateways (`/ipfs/<cid>`): a whole
 * DAG as a CAR (`?format=car`), or one block (`?format=raw`) when a single block is missing mid-read. Peers are the
 * endpoints registered on chain, tried in turn; every block is verified against its CID (a peer that sends a block
 * that does not hash to it is dropped and the next tried). Requests carry `Cache-Control: only-if-cached`, so a peer
 * answers from its own store and never asks further peers (no loops between nodes). Bounded in time and bytes.
 */
import type { CID } from 'multiformats/cid'
import { blockMatches, type VerifiedBlockstore } from './blocks.ts'
import { importCar, MAX_BLOCK_BYTES } from './dag.ts'
import { ContentBlockCorruptError, ContentNotFoundError, ContentTooLargeError } from './errors.ts'

export type PeerOptions = {
  /** Base URLs of other nodes' gateways (e.g. miners' endpoints registered on chain). */
  peers: () => string[] | Promise<string[]>
  /** Per peer. */
  timeoutMs?: number
  /** The most bytes of blocks one fetch accepts. */
  maxBytes?: number
  /** The most peers one fetch tries. */
  maxPeers?: number
  /** Told about each peer that failed (a tampered block, a timeout). */
  onPeerFailed?: (peer: string, reason: string) => void
}

export const PEER_DEFAULTS = { timeoutMs: 30_000, maxBytes: 4 * 1024 ** 3, maxPeers: 8 }

async function candidates(options: PeerOptions): Promise<string[]> {
  const list = [...new Set(await options.peers())].filter((p) => /^https?:\/\//.test(p))
  return list.slice(0, options.maxPeers ?? PEER_DEFAULTS.maxPeers)
}

function reasonOf(error: unknown): string {
  if (error instanceof Error) return error.name === 'TimeoutError' ? 'timed out' : (error.message.split('\n')[0] ?? '')
  return String(error)
}

/** Fetches the whole DAG of `root` from the first peer that has it; throws {@link ContentNotFoundError} otherwise. */
export async function fetchDagFromPeers(
  blocks: VerifiedBlockstore,
  root: CID,
  options: PeerOptions & { signal?: AbortSignal },
): Promise<string> {
  const peers = await candidates(options)
  const reasons: string[] = []
  for (const peer of peers) {
    const signal = AbortSignal.any([
      AbortSignal.timeout(options.timeoutMs ?? PEER_DEFAULTS.timeoutMs),
      ...(options.signal ? [options.signal] : []),
    ])
    try {
      const response = await fetch(new URL(`/ipfs/${root}?format=car&dag-scope=all`, peer), {
        headers: { accept: 'application/vnd.ipld.car', 'cache-control': 'only-if-cached' },
        signal,
      })
      if (!response.ok || !response.body) {
        await response.body?.cancel()
        reasons.push(`${peer}: ${response.status}`)
        continue
      }
      const complete = await importCar(blocks, root, response.body as unknown as AsyncIterable<Uint8Array>, {
        maxBytes: options.maxBytes ?? PEER_DEFAULTS.maxBytes,
        source: peer,
      })
      if (complete) return peer
      reasons.push(`${peer}: incomplete CAR`)
      options.onPeerFailed?.(peer, 'incomplete CAR')
    } catch (error) {
      if (options.signal?.aborted) throw error
      const reason =
        error instanceof ContentBlockCorruptError || error instanceof ContentTooLargeError
          ? error.shortMessage
          : reasonOf(error)
      reasons.push(`${peer}: ${reason}`)
      options.onPeerFailed?.(peer, reason)
    }
  }
  throw new ContentNotFoundError({ cid: root.toString(), peersTried: peers.length, reasons })
}

/** One block from the first peer whose bytes hash to `cid` (stored), or undefined. */
export async function fetchBlockFromPeers(
  blocks: VerifiedBlockstore,
  cid: CID,
  options: PeerOptions & { signal?: AbortSignal },
): Promise<Uint8Array | undefined> {
  for (const peer of await candidates(options)) {
    const signal = AbortSignal.any([
      AbortSignal.timeout(options.timeoutMs ?? PEER_DEFAULTS.timeoutMs),
      ...(options.signal ? [options.signal] : []),
    ])
    try {
      const response = await fetch(new URL(`/ipfs/${cid}?format=raw`, peer), {
        headers: { accept: 'application/vnd.ipld.raw', 'cache-control': 'only-if-cached' },
        signal,
      })
      const length = Number(response.headers.get('content-length') ?? '0')
      if (!response.ok || length > MAX_BLOCK_BYTES) {
        await response.body?.cancel()
        continue
      }
      const bytes = new Uint8Array(await response.arrayBuffer())
      if (bytes.length > MAX_BLOCK_BYTES || !blockMatches(cid, bytes)) {
        options.onPeerFailed?.(peer, `block ${cid} does not hash to its CID`)
        continue
      }
      await blocks.put(cid, bytes)
      return bytes
    } catch (error) {
      if (options.signal?.aborted) throw error
      options.onPeerFailed?.(peer, reasonOf(error))
    }
  }
  return undefined
}
