/** Errors of the content store: bytes that are not what their CID promises. */
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
