/** Content identifiers for documents the network refers to by hash (scoring specs, neuron metadata). */
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'

/** The CIDv1 (raw codec, sha2-256, base32) of `bytes`: what `ipfs add --cid-version 1 --raw-leaves` gives for a small file. */
export async function cidOfBytes(bytes: Uint8Array): Promise<string> {
  return CID.create(1, raw.code, await sha256.digest(bytes)).toString()
}
