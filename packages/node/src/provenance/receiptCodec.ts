/**
 * Provenance receipts on the hot path (docs/provenance.md): the EIP-712 digest of a receipt written out by hand — the
 * domain separator and the type hash once, then two keccak-256 per receipt over a 224-byte struct encoding — signed
 * and recovered with native secp256k1 (common/nativeCrypto.ts), so signing adds microseconds to a paid request and a
 * core verifies thousands a second. The type hash comes from the SDK's `receiptTypes`, and the digest equals the SDK's
 * `receiptDigest` (tested), so the two cannot drift apart. Merkle proofs are OpenZeppelin's SimpleMerkleTree format
 * (sorted pairs, keccak-256), checked here with the native keccak.
 */
import { createHash } from 'node:crypto'
import { type Receipt, type ReceiptDomain, receiptTypes, type SignedReceipt } from '@mycel/sdk'
import { secp256k1 } from '@noble/curves/secp256k1'
import { keccak_256 } from '@noble/hashes/sha3'
import { type Hex, hashDomain, hexToBytes, stringToBytes, toHex } from 'viem'
import { loadNative } from '../common/nativeCrypto.ts'

const TYPE = `Receipt(${receiptTypes.Receipt.map((f) => `${f.type} ${f.name}`).join(',')})`
const HALF_N_HEX = '7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0'
const SIGNATURE = /^0x[0-9a-fA-F]{130}$/

/** SHA-256 of bytes (or of a string's UTF-8), 0x-hex: how requests and outputs are named. */
export const sha256Hex = (data: Uint8Array | string): Hex => `0x${createHash('sha256').update(data).digest('hex')}`

export type ReceiptCodec = ReturnType<typeof createReceiptCodec>

export function createReceiptCodec(domain: ReceiptDomain) {
  const native = loadNative()
  const keccak = native ? native.keccak : keccak_256
  const typeHash = keccak(stringToBytes(TYPE))
  const separator = hexToBytes(
    hashDomain({
      domain,
      types: {
        EIP712Domain: [
          { name: 'name', type: 'string' },
          { name: 'version', type: 'string' },
          { name: 'chainId', type: 'uint256' },
          { name: 'verifyingContract', type: 'address' },
        ],
      },
    }),
  )
  const models = new Map<string, Uint8Array>()
  const modelHash = (model: string) => {
    let h = models.get(model)
    if (!h) {
      h = keccak(stringToBytes(model))
      if (models.size > 1024) models.clear()
      models.set(model, h)
    }
    return h
  }

  // Reused buffers: the struct encoding (224 bytes) and the 0x1901 ‖ separator ‖ struct hash input (66 bytes).
  const struct = Buffer.alloc(224)
  struct.set(typeHash, 0)
  const input = Buffer.alloc(66)
  input[0] = 0x19
  input[1] = 0x01
  input.set(separator, 2)
  const word = (hex: string, at: number, bytes: number) => {
    if (hex.length !== 2 + 2 * bytes) throw new RangeError(`expected ${bytes} bytes of hex, got ${hex}`)
    struct.write(hex.slice(2), at + 32 - bytes, 'hex')
  }

  /** The receipt's EIP-712 digest (bytes). */
  function digest(r: Receipt): Uint8Array {
    struct.fill(0, 32)
    struct[63] = r.kind === 'ai' ? 0 : 1
    struct.set(modelHash(r.model), 64)
    word(r.request, 96, 32)
    word(r.output, 128, 32)
    struct.writeBigUInt64BE(r.time, 184)
    word(r.signer, 192, 20)
    input.set(keccak(struct), 34)
    return keccak(input)
  }

  return {
    native: native !== null,
    digest: (r: Receipt): Hex => `0x${Buffer.from(digest(r)).toString('hex')}`,
    /** Signs with `privateKey` (whose address is `r.signer`). */
    sign(r: Receipt, privateKey: Uint8Array): SignedReceipt {
      const d = digest(r)
      let compact: Uint8Array
      let recid: number
      if (native) {
        const s = native.secp.ecdsaSign(d, privateKey)
        compact = s.signature
        recid = s.recid
      } else {
        const s = secp256k1.sign(d, privateKey)
        compact = s.toCompactRawBytes()
        recid = s.recovery
      }
      const signature = new Uint8Array(65)
      signature.set(compact, 0)
      signature[64] = 27 + recid
      return { ...r, signature: toHex(signature) }
    },
    /** The address that signed `r` (lower case), or undefined for a malformed or non-canonical (high-s) signature. */
    recover(r: SignedReceipt): Hex | undefined {
      const sig = r.signature
      if (typeof sig !== 'string' || !SIGNATURE.test(sig)) return undefined
      const v = Number.parseInt(sig.slice(130, 132), 16)
      if (v !== 27 && v !== 28) return undefined
      // Low-s rule: equal-length lower-case hex compares like the numbers it writes.
      if (sig.slice(66, 130).toLowerCase() > HALF_N_HEX) return undefined
      const compact = Buffer.from(sig.slice(2, 130), 'hex')
      let publicKey: Uint8Array
      try {
        const d = digest(r)
        publicKey = native
          ? native.secp.ecdsaRecover(compact, v - 27, d, false)
          : secp256k1.Signature.fromCompact(compact)
              .addRecoveryBit(v - 27)
              .recoverPublicKey(d)
              .toRawBytes(false)
      } catch {
        return undefined
      }
      return `0x${Buffer.from(keccak(publicKey.subarray(1)))
        .subarray(12)
        .toString('hex')}`
    },
    /** Whether `proof` (SimpleMerkleTree's) shows the leaf `leaf` under `root`. */
    verifyProof(root: Hex, leaf: Hex, proof: readonly Hex[]): boolean {
      let node: Uint8Array = Buffer.from(leaf.slice(2), 'hex')
      const pair = Buffer.alloc(64)
      for (const p of proof) {
        const sibling = Buffer.from(p.slice(2), 'hex')
        const [a, b] = Buffer.compare(node, sibling) <= 0 ? [node, sibling] : [sibling, node]
        pair.set(a, 0)
        pair.set(b, 32)
        node = keccak(pair)
      }
      return Buffer.from(node).toString('hex') === root.slice(2).toLowerCase()
    },
  }
}
