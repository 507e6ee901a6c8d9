/**
 * The EIP-712 digest of a voucher, computed by hand for the request path (no viem typed-data machinery): the domain
 * separator once, then two keccak-256 per voucher over a 160-byte struct encoding. The struct's type hash is derived
 * from the SDK's `voucherTypes` (the one definition of the voucher's EIP-712 type), so the signer, the verifier, the
 * SDK and the contract's `VOUCHER_TYPEHASH` cannot drift apart (tested in voucherSigner.test.ts).
 *
 * A voucher with a model split is a `RoyaltyVoucher` (docs/models-market.md): the same four words, then the keccak of
 * the concatenated `ModelAmount` struct hashes; its type string is derived from the SDK's `royaltyVoucherTypes` too
 * (tested equal to the SDK's `hashVoucher` and the contract's `royaltyVoucherDigest` in royaltyPayments.test.ts). A
 * plain voucher takes the same path as before: one length check more.
 *
 * keccak-256 and secp256k1 run natively when the `keccak` and `secp256k1` packages' prebuilt bindings load, else in
 * pure JS (@noble), slower but with the same results.
 */
import { royaltyVoucherTypes, type Voucher, type VoucherDomain, voucherDomain, voucherTypes } from '@mycel/sdk'
import { keccak_256 } from '@noble/hashes/sha3'
import { type Hex, hashDomain, hexToBytes, keccak256, stringToBytes } from 'viem'
import { loadNative } from '../common/nativeCrypto.ts'

export type { NativeSecp } from '../common/nativeCrypto.ts'

/**
 * EIP-712 `encodeType` of the voucher: `Voucher(uint256 channelId,…)`, written from the SDK's field list. The voucher
 * references no other struct, so this is the whole encoding.
 */
export const VOUCHER_TYPE = `Voucher(${voucherTypes.Voucher.map((f) => `${f.type} ${f.name}`).join(',')})`
/** keccak-256 of {@link VOUCHER_TYPE}: the contract's `VOUCHER_TYPEHASH`. */
export const VOUCHER_TYPEHASH: Hex = keccak256(stringToBytes(VOUCHER_TYPE))
const TYPEHASH_BYTES = hexToBytes(VOUCHER_TYPEHASH)

const fieldsOf = (list: readonly { name: string; type: string }[]) => list.map((f) => `${f.type} ${f.name}`).join(',')
/** `ModelAmount(uint256 modelId,uint96 cumulativeAmount)`, from the SDK's types. */
export const MODEL_AMOUNT_TYPE = `ModelAmount(${fieldsOf(royaltyVoucherTypes.ModelAmount)})`
/** EIP-712 `encodeType` of the split voucher: its own fields, then the referenced `ModelAmount`. */
export const ROYALTY_VOUCHER_TYPE = `RoyaltyVoucher(${fieldsOf(royaltyVoucherTypes.RoyaltyVoucher)})${MODEL_AMOUNT_TYPE}`
export const ROYALTY_VOUCHER_TYPEHASH: Hex = keccak256(stringToBytes(ROYALTY_VOUCHER_TYPE))
export const MODEL_AMOUNT_TYPEHASH: Hex = keccak256(stringToBytes(MODEL_AMOUNT_TYPE))
const ROYALTY_TYPEHASH_BYTES = hexToBytes(ROYALTY_VOUCHER_TYPEHASH)
const MODEL_AMOUNT_TYPEHASH_BYTES = hexToBytes(MODEL_AMOUNT_TYPEHASH)

/** Writes `value` (0 ≤ value < 2^256) big-endian into the 32-byte word at `offset`. */
function writeWord(buffer: Uint8Array, offset: number, value: bigint) {
  // 64 bits at a time from the low end: amounts and counters fill one or two of the four.
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength)
  buffer.fill(0, offset, offset + 32)
  let rest = value
  for (let at = offset + 24; rest > 0n; at -= 8) {
    view.setBigUint64(at, rest & MASK_64)
    rest >>= 64n
  }
}
const MASK_64 = (1n << 64n) - 1n

const eip712DomainFields = [
  { name: 'name', type: 'string' },
  { name: 'version', type: 'string' },
  { name: 'chainId', type: 'uint256' },
  { name: 'verifyingContract', type: 'address' },
]

/**
 * The EIP-712 digest of a voucher for one PaymentChannels contract on one chain, with the secp256k1 binding (null
 * when it did not load) and the keccak-256 in use. Fields must be in range (see the verifier's `recover`).
 */
export function createVoucherDigester(domain: VoucherDomain, { backend }: { backend?: 'native' | 'js' } = {}) {
  const separator = hexToBytes(
    hashDomain({ domain: voucherDomain(domain), types: { EIP712Domain: eip712DomainFields } }),
  )
  const lib = backend === 'js' ? null : loadNative()
  const keccak = lib ? lib.keccak : keccak_256
  const encoded = new Uint8Array(160)
  encoded.set(TYPEHASH_BYTES, 0)
  const digestInput = new Uint8Array(66)
  digestInput[0] = 0x19
  digestInput[1] = 0x01
  digestInput.set(separator, 2)
  return {
    lib,
    keccak,
    digest(voucher: Voucher): Uint8Array {
      const models = voucher.models
      if (models !== undefined && models.length > 0) {
        digestInput.set(royaltyStructHash(voucher, models), 34)
        return keccak(digestInput)
      }
      writeWord(encoded, 32, voucher.channelId)
      writeWord(encoded, 64, voucher.cumulativeAmount)
      writeWord(encoded, 96, voucher.cumulativeRequests)
      writeWord(encoded, 128, voucher.cumulativeUnits)
      digestInput.set(keccak(encoded), 34)
      return keccak(digestInput)
    },
  }

  /** hashStruct of a `RoyaltyVoucher`: the four words, then keccak of each `ModelAmount`'s hashStruct, concatenated. */
  function royaltyStructHash(voucher: Voucher, models: NonNullable<Voucher['models']>): Uint8Array {
    const entry = new Uint8Array(96)
    entry.set(MODEL_AMOUNT_TYPEHASH_BYTES, 0)
    const hashes = new Uint8Array(32 * models.length)
    models.forEach((m, i) => {
      writeWord(entry, 32, m.modelId)
      writeWord(entry, 64, m.cumulativeAmount)
      hashes.set(keccak(entry), 32 * i)
    })
    const struct = new Uint8Array(192)
    struct.set(ROYALTY_TYPEHASH_BYTES, 0)
    writeWord(struct, 32, voucher.channelId)
    writeWord(struct, 64, voucher.cumulativeAmount)
    writeWord(struct, 96, voucher.cumulativeRequests)
    writeWord(struct, 128, voucher.cumulativeUnits)
    struct.set(keccak(hashes), 160)
    return keccak(struct)
  }
}
