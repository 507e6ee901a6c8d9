/**
 * The voucher signer's type hash is derived from the SDK's EIP-712 types and equals the contract's; its signatures
 * recover (with the SDK's viem-based recovery) to the signing key.
 */
import { readFileSync } from 'node:fs'
import { hashVoucher, recoverVoucherSigner, type Voucher, voucherTypes } from '@mycel/sdk'
import fc from 'fast-check'
import { concat, hashStruct, keccak256, stringToBytes, toHex } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { createVoucherDigester, VOUCHER_TYPE, VOUCHER_TYPEHASH } from '../src/payments/voucherDigest.ts'
import { createVoucherSigner } from '../src/payments/voucherSigner.ts'

const domain = { chainId: 31337, paymentChannels: '0x5FbDB2315678afecb367f032d93F642f64180aa3' } as const
const voucherArb = fc.record({
  channelId: fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }),
  cumulativeAmount: fc.bigInt({ min: 0n, max: 2n ** 96n - 1n }),
  cumulativeRequests: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  cumulativeUnits: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
})

describe('voucher type hash', () => {
  it("equals the PaymentChannels contract's VOUCHER_TYPEHASH", () => {
    const source = readFileSync(new URL('../../../contracts/src/channels/PaymentChannels.sol', import.meta.url), 'utf8')
    const declared = /VOUCHER_TYPEHASH\s*=\s*keccak256\(\s*"([^"]+)"/.exec(source)?.[1]
    expect(declared).toBe(VOUCHER_TYPE)
    expect(VOUCHER_TYPEHASH).toBe(keccak256(stringToBytes(declared as string)))
  })

  it("is the one viem's hashStruct uses for the SDK's voucherTypes", () => {
    const zero = { channelId: 0n, cumulativeAmount: 0n, cumulativeRequests: 0n, cumulativeUnits: 0n }
    const viaViem = hashStruct({ data: zero, primaryType: 'Voucher', types: voucherTypes })
    expect(viaViem).toBe(keccak256(concat([VOUCHER_TYPEHASH, toHex(0n, { size: 128 })])))
  })
})

describe('createVoucherSigner', () => {
  it("property: signs the SDK's digest, and the signature recovers to the key", async () => {
    await fc.assert(
      fc.asyncProperty(voucherArb, async (voucher: Voucher) => {
        const key = generatePrivateKey()
        const signature = createVoucherSigner(domain, key)(voucher)
        expect(toHex(createVoucherDigester(domain).digest(voucher))).toBe(hashVoucher(domain, voucher))
        expect(await recoverVoucherSigner(domain, { ...voucher, signature })).toBe(privateKeyToAccount(key).address)
      }),
      { numRuns: 30 },
    )
  })
})
