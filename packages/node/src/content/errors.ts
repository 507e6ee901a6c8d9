/**
 * Errors of the content store and its IPFS gateway: bad CIDs, blocks that are not what their CID promises, content
 * nobody has, bad ranges, files that do not exist. Each names what was wrong; those a gateway client causes carry an
 * `httpStatus` (http/errors.ts answers with it).
 */
import { NodeError } from '../common/errors.ts'

/** Stored bytes hash to another CID than the one the caller expected. */
export class ContentCidMismatchError extends NodeError {
  override name = 'ContentCidMismatchError'
  readonly cid: string
  readonly expectedCid: string
  constructor({ cid, expectedCid }: { cid: string; expectedCid: string }) {
    super('CID_MISMATCH', `Content hashes to ${cid}, not the expected ${expectedCid}.`)
    this.cid = cid
    this.expectedCid = expectedCid
  }
}

/** A string that is not a CID (or a CID whose hash or codec the store cannot verify). */
export class InvalidContentCidError extends NodeError {
  override name = 'InvalidContentCidError'
  readonly value: string
  constructor({ value, reason }: { value: string; reason: string }) {
    super('INVALID_CID', `${JSON.stringify(value.slice(0, 120))} is not a usable CID: ${reason}.`, { exitCode: 2 })
    this.value = value
  }
  get httpStatus(): 400 {
    return 400
  }
}

/**
 * A block read from disk (or received from a peer) whose bytes do not hash to its CID. It is never served; a corrupt
 * block found on disk is deleted so the next read fetches it again.
 */
export class ContentBlockCorruptError extends NodeError {
  override name = 'ContentBlockCorruptError'
  readonly cid: string
  readonly source: string
  constructor({ cid, source }: { cid: string; source: string }) {
    super('CONTENT_BLOCK_CORRUPT', `Block ${cid} from ${source} does not hash to its CID; refused.`)
    this.cid = cid
    this.source = source
  }
  /** A gateway answers 502: what its storage (or a peer) holds is bad, and nothing of it is served. */
  get httpStatus(): 502 {
    return 502
  }
}

/** Neither this store nor any peer tried has the content. */
export class ContentNotFoundError extends NodeError {
  override name = 'ContentNotFoundError'
  readonly cid: string
  readonly peersTried: number | undefined
  constructor({ cid, peersTried, reasons = [] }: { cid: string; peersTried?: number; reasons?: string[] }) {
    const tail =
      peersTried === undefined
        ? 'nor on any peer asked'
        : peersTried === 0
          ? 'and no peer was tried'
          : `nor on any of ${peersTried} peer${peersTried === 1 ? '' : 's'} tried${reasons.length ? ` (${reasons.slice(0, 3).join('; ')})` : ''}`
    super('CONTENT_NOT_FOUND', `Content ${cid} is not in this node's store, ${tail}.`)
    this.cid = cid
    this.peersTried = peersTried
  }
  get httpStatus(): 404 {
    return 404
  }
}

/** A path under a root that names no entry (`/ipfs/<dir-cid>/missing.txt`), or walks into a file. */
export class ContentPathNotFoundError extends NodeError {
  override name = 'ContentPathNotFoundError'
  constructor({ cid, path }: { cid: string; path: string }) {
    super('CONTENT_PATH_NOT_FOUND', `No entry ${JSON.stringify(path)} under ${cid}.`)
  }
  get httpStatus(): 404 {
    return 404
  }
}

/** A gateway request that asks for something the gateway does not do (an unknown format, a bad Range, bad params). */
export class ContentRequestError extends NodeError {
  override name = 'ContentRequestError'
  readonly status: 400 | 406 | 416
  constructor(status: 400 | 406 | 416, code: string, message: string) {
    super(code, message)
    this.status = status
  }
  get httpStatus(): 400 | 406 | 416 {
    return this.status
  }
}

/** A local file or directory to add that does not exist or cannot be read. */
export class ContentSourceError extends NodeError {
  override name = 'ContentSourceError'
  readonly path: string
  constructor({ path, reason }: { path: string; reason: string }) {
    super('CONTENT_SOURCE_UNREADABLE', `Cannot add ${path}: ${reason}.`, { exitCode: 2 })
    this.path = path
  }
}

/** A peer's answer larger than the bound a fetch from peers accepts. */
export class ContentTooLargeError extends NodeError {
  override name = 'ContentTooLargeError'
  constructor({ cid, limit }: { cid: string; limit: number }) {
    super('CONTENT_TOO_LARGE', `Content ${cid} from peers exceeds the ${limit}-byte bound of a peer fetch.`)
  }
}
