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
import { getAddress, type Hex, hashDomain, hexToBytes, stringToBytes, toHex } from 'viem'
import { loadNative } from '../common/nativeCrypto.ts'

const TYPE = `Receipt(${receiptTypes.Receipt.map((f) => `${f.type} ${f.name}`).join(',')})`
const HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n

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

  /** The receipt's EIP-712 digest (bytes). */
  function digest(r: Receipt): Uint8Array {
    const struct = new Uint8Array(224)
    struct.set(typeHash, 0)
    struct[63] = r.kind === 'ai' ? 0 : 1
    struct.set(modelHash(r.model), 64)
    struct.set(hexToBytes(r.request, { size: 32 }), 96)
    struct.set(hexToBytes(r.output, { size: 32 }), 128)
    new DataView(struct.buffer).setBigUint64(184, r.time)
    struct.set(hexToBytes(r.signer, { size: 20 }), 204)
    const input = new Uint8Array(66)
    input[0] = 0x19
    input[1] = 0x01
    input.set(separator, 2)
    input.set(keccak(struct), 34)
    return keccak(input)
  }

  return {
    native: native !== null,
    digest: (r: Receipt): Hex => toHex(digest(r)),
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
    /** The address that signed `r`, or undefined for a malformed or non-canonical (high-s) signature. */
    recover(r: SignedReceipt): Hex | undefined {
      if (!/^0x[0-9a-fA-F]{130}$/.test(r.signature)) return undefined
      const bytes = hexToBytes(r.signature)
      const v = bytes[64] as number
      if (v !== 27 && v !== 28) return undefined
      if (BigInt(toHex(bytes.subarray(32, 64))) > HALF_N) return undefined
      let publicKey: Uint8Array
      try {
        const d = digest(r)
        publicKey = native
          ? native.secp.ecdsaRecover(bytes.subarray(0, 64), v - 27, d, false)
          : secp256k1.Signature.fromCompact(bytes.subarray(0, 64))
              .addRecoveryBit(v - 27)
              .recoverPublicKey(d)
              .toRawBytes(false)
      } catch {
        return undefined
      }
      return getAddress(toHex(keccak(publicKey.subarray(1)).subarray(12)))
    },
    /** Whether `proof` (SimpleMerkleTree's) shows the leaf `leaf` under `root`. */
    verifyProof(root: Hex, leaf: Hex, proof: readonly Hex[]): boolean {
      let node = hexToBytes(leaf)
      const pair = new Uint8Array(64)
      for (const p of proof) {
        const sibling = hexToBytes(p)
        const [a, b] = Buffer.compare(node, sibling) <= 0 ? [node, sibling] : [sibling, node]
        pair.set(a, 0)
        pair.set(b, 32)
        node = keccak(pair)
      }
      return toHex(node) === root.toLowerCase()
    },
  }
}
