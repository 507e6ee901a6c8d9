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
import type { SignedVoucher, VoucherDomain } from '@mycel/sdk'
import { secp256k1 as nobleSecp } from '@noble/curves/secp256k1'
import { toHex } from 'viem'
import { createVoucherDigester } from './voucherDigest.ts'

const SIGNATURE = /^0x[0-9a-fA-F]{130}$/
const HALF_N_HEX = '7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0'
const ZERO_HEX = '0'.repeat(64)
/** Recovered public keys repeat (a channel has one payer and one session key), so their addresses are cached. */
const ADDRESS_CACHE_LIMIT = 10_000

/** Whether `value` is a bigint that fits an unsigned integer of `bits` bits. */
const inRange = (value: unknown, bits: number) => typeof value === 'bigint' && value >= 0n && value < 1n << BigInt(bits)

export type VoucherVerifier = {
  /** The signer's address (checksum-free lower case), or undefined for a malformed or non-canonical signature. */
  recover: (voucher: SignedVoucher) => `0x${string}` | undefined
  readonly backend: 'native' | 'js'
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
      if (voucher.models !== undefined) {
        for (const m of voucher.models)
          if (!inRange(m.modelId, 256) || !inRange(m.cumulativeAmount, 96)) return undefined
      }
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
