/**
 * Fast voucher signer recovery for the request path. A miner checks a voucher on every paid request, so this avoids
 * viem's general EIP-712 machinery (~450 recoveries/s on one core here): the domain separator is computed once,
 * the 160-byte struct encoding is written by hand, hashing is keccak-256 from @noble/hashes, and the public key is
 * recovered by libsecp256k1 through the native `secp256k1` package (its prebuilt linux binary ships in the npm
 * package). Where that binding cannot load, @noble/curves (pure JS, what viem uses) takes over, slower but correct.
 *
 * It accepts exactly what the contract accepts: OpenZeppelin's `ECDSA.tryRecover` takes 65-byte signatures with v of
 * 27 or 28 only (it hands v to ecrecover unchanged) and low s (s ≤ n/2); the contract's parameters take a channel id
 * below 2^256, an amount below 2^96 and usage counters below 2^64. Anything else is refused here as on chain, so the
 * node never serves against a voucher the chain would reject.
 */
import { createRequire } from 'node:module'
import { type SignedVoucher, type Voucher, type VoucherDomain, voucherDomain } from '@mycel/sdk'
import { secp256k1 as nobleSecp } from '@noble/curves/secp256k1'
import { keccak_256 } from '@noble/hashes/sha3'
import { type Hex, hashDomain, hexToBytes, keccak256, stringToBytes, toHex } from 'viem'

type NativeSecp = {
  ecdsaRecover: (signature: Uint8Array, recid: number, message: Uint8Array, compressed: boolean) => Uint8Array
  ecdsaSign: (message: Uint8Array, privateKey: Uint8Array) => { signature: Uint8Array; recid: number }
}
type NativeKeccak = (algorithm: 'keccak256') => { update: (data: Uint8Array) => { digest: () => Uint8Array } }

const SIGNATURE = /^0x[0-9a-fA-F]{130}$/
const HALF_N_HEX = '7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0'
const ZERO_HEX = '0'.repeat(64)
const VOUCHER_TYPEHASH = hexToBytes(
  keccak256(
    stringToBytes(
      'Voucher(uint256 channelId,uint96 cumulativeAmount,uint64 cumulativeRequests,uint64 cumulativeUnits)',
    ),
  ),
)

type Native = { secp: NativeSecp; keccak: (data: Uint8Array) => Uint8Array }
let native: Native | null | undefined
function loadNative(): Native | null {
  if (native !== undefined) return native
  try {
    const require = createRequire(import.meta.url)
    const secp = require('secp256k1/bindings') as NativeSecp
    const createKeccak = require('keccak/bindings') as NativeKeccak
    native = {
      secp,
      // The binding takes Buffers only; a view over the same memory avoids a copy.
      keccak: (data) =>
        createKeccak('keccak256')
          .update(Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength))
          .digest(),
    }
  } catch {
    native = null
  }
  return native
}

/** Recovered public keys repeat (a channel has one payer and one session key), so their addresses are cached. */
const ADDRESS_CACHE_LIMIT = 10_000

/** Whether `value` is a bigint that fits an unsigned integer of `bits` bits. */
const inRange = (value: unknown, bits: number) => typeof value === 'bigint' && value >= 0n && value < 1n << BigInt(bits)

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

export type VoucherVerifier = {
  /** The signer's address (checksum-free lower case), or undefined for a malformed or non-canonical signature. */
  recover: (voucher: SignedVoucher) => `0x${string}` | undefined
  readonly backend: 'native' | 'js'
}

/**
 * The EIP-712 digest of a voucher for one PaymentChannels contract on one chain, computed by hand (no viem typed-data
 * machinery): the domain separator once, then two keccak-256 per voucher. Fields must be in range (see `recover`).
 */
export function createVoucherDigester(domain: VoucherDomain, { backend }: { backend?: 'native' | 'js' } = {}) {
  const separator = hexToBytes(
    hashDomain({ domain: voucherDomain(domain), types: { EIP712Domain: eip712DomainFields } }),
  )
  const lib = backend === 'js' ? null : loadNative()
  const keccak = lib ? lib.keccak : keccak_256
  const encoded = new Uint8Array(160)
  encoded.set(VOUCHER_TYPEHASH, 0)
  const digestInput = new Uint8Array(66)
  digestInput[0] = 0x19
  digestInput[1] = 0x01
  digestInput.set(separator, 2)
  return {
    lib,
    keccak,
    digest(voucher: Voucher): Uint8Array {
      writeWord(encoded, 32, voucher.channelId)
      writeWord(encoded, 64, voucher.cumulativeAmount)
      writeWord(encoded, 96, voucher.cumulativeRequests)
      writeWord(encoded, 128, voucher.cumulativeUnits)
      digestInput.set(keccak(encoded), 34)
      return keccak(digestInput)
    },
  }
}

/** A verifier bound to one PaymentChannels contract on one chain. */
export function createVoucherVerifier(
  domain: VoucherDomain,
  { backend }: { backend?: 'native' | 'js' } = {},
): VoucherVerifier {
  const { lib, keccak, digest: digestOf } = createVoucherDigester(domain, backend ? { backend } : {})
  const addresses = new Map<string, `0x${string}`>()

  return {
    backend: lib ? 'native' : 'js',
    recover(voucher) {
      const signature = voucher.signature
      if (typeof signature !== 'string' || !SIGNATURE.test(signature)) return undefined
      const bytes = Buffer.from(signature.slice(2), 'hex')
      const v = bytes[64] as number
      if (v !== 27 && v !== 28) return undefined
      const recid = v - 27
      if (!inRange(voucher.channelId, 256) || !inRange(voucher.cumulativeAmount, 96)) return undefined
      if (!inRange(voucher.cumulativeRequests, 64) || !inRange(voucher.cumulativeUnits, 64)) return undefined
      // Low-s rule without BigInt: equal-length lower-case hex compares like the numbers it writes.
      const s = signature.slice(66, 130).toLowerCase()
      if (s > HALF_N_HEX || s === ZERO_HEX) return undefined
      const digest = digestOf(voucher)

      let publicKey: Uint8Array
      try {
        if (lib) publicKey = lib.secp.ecdsaRecover(bytes.subarray(0, 64), recid, digest, false)
        else {
          publicKey = nobleSecp.Signature.fromCompact(bytes.subarray(0, 64))
            .addRecoveryBit(recid)
            .recoverPublicKey(digest)
            .toRawBytes(false)
        }
      } catch {
        return undefined
      }
      const key = Buffer.from(publicKey).toString('hex')
      let address = addresses.get(key)
      if (address === undefined) {
        address = toHex(keccak(publicKey.subarray(1)).subarray(12))
        if (addresses.size >= ADDRESS_CACHE_LIMIT) addresses.clear()
        addresses.set(key, address)
      }
      return address
    },
  }
}

/**
 * Signs vouchers with a raw private key, natively when libsecp256k1 loads (about 20× viem's signTypedData here):
 * the gateway signs one voucher per request. Signatures are RFC 6979 deterministic and low-s, as viem's are.
 */
export function createVoucherSigner(domain: VoucherDomain, privateKey: Hex) {
  const { lib, digest } = createVoucherDigester(domain)
  const key = hexToBytes(privateKey)
  return (voucher: Voucher): Hex => {
    const hash = digest(voucher)
    if (lib) {
      const { signature, recid } = lib.secp.ecdsaSign(hash, key)
      return `0x${Buffer.from(signature).toString('hex')}${(27 + recid).toString(16)}`
    }
    const sig = nobleSecp.sign(hash, key, { lowS: true })
    return `0x${sig.toCompactHex()}${(27 + sig.recovery).toString(16)}`
  }
}

const eip712DomainFields = [
  { name: 'name', type: 'string' },
  { name: 'version', type: 'string' },
  { name: 'chainId', type: 'uint256' },
  { name: 'verifyingContract', type: 'address' },
]
