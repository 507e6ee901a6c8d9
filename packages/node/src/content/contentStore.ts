/**
 * The node's content store: blobs addressed by their CIDv1 (raw, sha2-256), one file each under
 * `<dataDir>/content/`. A blob is verified against its CID when stored, so the store never holds a lie.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { cidOfBytes, parseCid } from '@mycel/sdk'
import { ContentCidMismatchError } from './errors.ts'

export type ContentStore = {
  put: (bytes: Uint8Array, expectedCid?: string) => Promise<string>
  get: (cid: string) => Uint8Array | undefined
}

export function createContentStore(dataDir: string): ContentStore {
  const dir = join(dataDir, 'content')
  return {
    async put(bytes, expectedCid) {
      const cid = await cidOfBytes(bytes)
      if (expectedCid !== undefined && parseCid(expectedCid) !== cid) {
        throw new ContentCidMismatchError({ cid, expectedCid })
      }
      mkdirSync(dir, { recursive: true })
      const file = join(dir, cid)
      if (!existsSync(file)) {
        writeFileSync(`${file}.tmp`, bytes)
        renameSync(`${file}.tmp`, file)
      }
      return cid
    },
    get(cid) {
      const canonical = parseCid(cid)
      const file = join(dir, canonical)
      return existsSync(file) ? new Uint8Array(readFileSync(file)) : undefined
    },
  }
}
