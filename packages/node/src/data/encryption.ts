/**
 * Datasets encrypted at rest (docs/data.md "Encryption"): AES-256-GCM with a fresh 256-bit key per dataset and a
 * random 96-bit nonce, from node:crypto (OpenSSL, AES-NI). The sealed form is `MYCELDS1` ‖ nonce (12) ‖ ciphertext ‖
 * tag (16) — GCM's own layout, so a large dataset is sealed as a stream of chunks ({@link sealChunks}) without holding
 * a second copy of it. A changed byte anywhere fails the GCM tag and is refused with {@link DatasetCiphertextError};
 * nothing of a tampered dataset is returned.
 *
 * Keys travel wrapped: ECIES on secp256k1 (eciesjs: an ephemeral key, ECDH, HKDF-SHA256, AES-256-GCM) to the
 * public key of whoever may open them — the node's vault key at rest, a grantee's key on release.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { decrypt as eciesDecrypt, encrypt as eciesEncrypt } from 'eciesjs'
import type { Hex } from 'viem'
import { NodeError } from '../common/errors.ts'

const MAGIC = Buffer.from('MYCELDS1')
const NONCE = 12
const TAG = 16
const HEADER = MAGIC.length + NONCE

/** A sealed dataset that is not one, or whose tag does not match (tampered, truncated, or the wrong key). */
export class DatasetCiphertextError extends NodeError {
  constructor(message: string) {
    super('DATASET_CIPHERTEXT_INVALID', message, { exitCode: 1 })
  }
}

/** A fresh dataset key. */
export const newDatasetKey = (): Buffer => randomBytes(32)

/** Bytes a sealed dataset adds to its plaintext. */
export const SEAL_OVERHEAD = MAGIC.length + NONCE + TAG

/**
 * Seals a dataset given as chunks under `key` (32 bytes), yielding the sealed form chunk by chunk: the header, the
 * ciphertext of each chunk as it comes, then the tag.
 */
export function* sealChunks(chunks: Iterable<Uint8Array>, key: Uint8Array): Generator<Buffer> {
  if (key.length !== 32) throw new RangeError(`a dataset key is 32 bytes, not ${key.length}`)
  const nonce = randomBytes(NONCE)
  const cipher = createCipheriv('aes-256-gcm', key, nonce)
  yield Buffer.concat([MAGIC, nonce])
  for (const chunk of chunks) yield cipher.update(chunk)
  const last = cipher.final()
  yield Buffer.concat([last, cipher.getAuthTag()])
}

/** Splits `bytes` into views of `size` bytes (the last may be shorter). */
export function* chunksOf(bytes: Uint8Array, size = 1 << 20): Generator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size)
}

/** Seals `plain` under `key` (32 bytes), in one buffer. */
export function encryptDataset(plain: Uint8Array, key: Uint8Array): Buffer {
  return Buffer.concat([...sealChunks(chunksOf(plain), key)])
}

/** Opens a sealed dataset; throws {@link DatasetCiphertextError} when it is not one or its tag fails. */
export function decryptDataset(sealed: Uint8Array, key: Uint8Array): Buffer {
  const bytes = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength)
  if (bytes.length < SEAL_OVERHEAD || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new DatasetCiphertextError(
      `This is not an encrypted mycel dataset (it does not start with "${MAGIC.toString()}"): check the CID you fetched.`,
    )
  }
  const nonce = bytes.subarray(MAGIC.length, HEADER)
  const tag = bytes.subarray(bytes.length - TAG)
  const decipher = createDecipheriv('aes-256-gcm', key, nonce)
  decipher.setAuthTag(tag)
  const plain = decipher.update(bytes.subarray(HEADER, bytes.length - TAG))
  try {
    return Buffer.concat([plain, decipher.final()])
  } catch {
    plain.fill(0)
    throw new DatasetCiphertextError(
      'The dataset failed its AES-GCM authentication tag: the ciphertext was changed or truncated, or the key is not its key. Nothing was written; fetch it again from its provider.',
    )
  }
}

/** Wraps `key` to an uncompressed (0x04…) or compressed secp256k1 public key. */
export function wrapKey(publicKey: Hex, key: Uint8Array): Buffer {
  return Buffer.from(eciesEncrypt(publicKey.replace(/^0x/, ''), key))
}

/** Opens a wrapped key with the secp256k1 private key it was wrapped to. */
export function unwrapKey(privateKey: Hex, wrapped: Uint8Array): Buffer {
  try {
    return Buffer.from(eciesDecrypt(privateKey.replace(/^0x/, ''), wrapped))
  } catch {
    throw new DatasetCiphertextError(
      'The wrapped key does not open with this account: it was wrapped to another key (sign the request with the grantee).',
    )
  }
}

/**
 * One record of a personal vault sealed on its own under its dataset's key: nonce (12) ‖ ciphertext ‖ tag (16), with
 * the dataset's CID and the record's index as associated data, so a record can neither be moved to another index nor
 * to another dataset without failing its tag.
 */
export function sealRecord(key: Uint8Array, cid: string, index: number, record: Uint8Array): Buffer {
  const nonce = randomBytes(NONCE)
  const cipher = createCipheriv('aes-256-gcm', key, nonce)
  cipher.setAAD(Buffer.from(`mycel-record:${cid}:${index}`))
  return Buffer.concat([nonce, cipher.update(record), cipher.final(), cipher.getAuthTag()])
}

/** Opens a record sealed by {@link sealRecord}; throws {@link DatasetCiphertextError} when its tag fails. */
export function openRecord(key: Uint8Array, cid: string, index: number, sealed: Uint8Array): Buffer {
  const bytes = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength)
  if (bytes.length < NONCE + TAG) throw new DatasetCiphertextError(`Record ${index} of ${cid} is truncated.`)
  const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, NONCE))
  decipher.setAAD(Buffer.from(`mycel-record:${cid}:${index}`))
  decipher.setAuthTag(bytes.subarray(bytes.length - TAG))
  const plain = decipher.update(bytes.subarray(NONCE, bytes.length - TAG))
  try {
    return Buffer.concat([plain, decipher.final()])
  } catch {
    plain.fill(0)
    throw new DatasetCiphertextError(
      `Record ${index} of ${cid} failed its AES-GCM tag: the vault's copy was changed, or moved from another record.`,
    )
  }
}
