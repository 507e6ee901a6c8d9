/**
 * Signs vouchers with a raw private key, natively when libsecp256k1 loads (about 20× viem's signTypedData here):
 * the gateway signs one voucher per request. Signatures are RFC 6979 deterministic and low-s, as viem's are, over
 * the digest of voucherDigest.ts (type hash derived from the SDK's EIP-712 types).
 */
import type { Voucher, VoucherDomain } from '@mycel/sdk'
import { secp256k1 as nobleSecp } from '@noble/curves/secp256k1'
import { type Hex, hexToBytes } from 'viem'
import { createVoucherDigester } from './voucherDigest.ts'

export type VoucherSigner = (voucher: Voucher) => Hex

export function createVoucherSigner(domain: VoucherDomain, privateKey: Hex): VoucherSigner {
  const { lib, digest } = createVoucherDigester(domain)
  const key = hexToBytes(privateKey)
  return (voucher) => {
    const hash = digest(voucher)
    if (lib) {
      const { signature, recid } = lib.secp.ecdsaSign(hash, key)
      return `0x${Buffer.from(signature).toString('hex')}${(27 + recid).toString(16)}`
    }
    const sig = nobleSecp.sign(hash, key, { lowS: true })
    return `0x${sig.toCompactHex()}${(27 + sig.recovery).toString(16)}`
  }
}
