/** The request-path voucher verifier agrees with viem's EIP-712 recovery and with the contract's signature rules. */
import { recoverVoucherSigner, type SignedVoucher, signVoucher, type Voucher } from '@mycel/sdk'
import fc from 'fast-check'
import { type Hex, hexToBytes, toHex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { createVerifierPool } from '../src/payments/verifierPool.ts'
import { createVoucherSigner } from '../src/payments/voucherSigner.ts'
import { createVoucherVerifier } from '../src/payments/voucherVerifier.ts'

const domain = { chainId: 31337, paymentChannels: '0x5FbDB2315678afecb367f032d93F642f64180aa3' } as const
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n

const voucherArb = fc.record({
  channelId: fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }),
  cumulativeAmount: fc.bigInt({ min: 0n, max: 2n ** 96n - 1n }),
  cumulativeRequests: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  cumulativeUnits: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
})
const keyArb = fc
  .uint8Array({ minLength: 32, maxLength: 32 })
  .map((b) => toHex(b))
  .filter((k) => BigInt(k) > 0n && BigInt(k) < N)

/** The same signature with s' = n − s and the other recovery bit: valid math, refused by OpenZeppelin. */
function highSTwin(signature: Hex): Hex {
  const bytes = hexToBytes(signature)
  const s = BigInt(toHex(bytes.subarray(32, 64)))
  const twin = new Uint8Array(bytes)
  twin.set(hexToBytes(toHex(N - s, { size: 32 })), 32)
  twin[64] = (bytes[64] as number) === 27 ? 28 : 27
  return toHex(twin)
}

describe('createVoucherVerifier', () => {
  it('uses the native libsecp256k1 binding on this machine', () => {
    expect(createVoucherVerifier(domain).backend).toBe('native')
  })

  for (const backend of ['native', 'js'] as const) {
    it(`property (${backend}): recovers the signer exactly as viem does`, async () => {
      const verifier = createVoucherVerifier(domain, { backend })
      await fc.assert(
        fc.asyncProperty(voucherArb, keyArb, async (voucher: Voucher, key) => {
          const account = privateKeyToAccount(key)
          const signed: SignedVoucher = { ...voucher, signature: await signVoucher(account, domain, voucher) }
          expect(verifier.recover(signed)).toBe(account.address.toLowerCase())
          expect((await recoverVoucherSigner(domain, signed)).toLowerCase()).toBe(account.address.toLowerCase())
          // Any change to the signed fields changes the signer.
          expect(verifier.recover({ ...signed, cumulativeAmount: signed.cumulativeAmount ^ 1n })).not.toBe(
            account.address.toLowerCase(),
          )
        }),
        { numRuns: 100 },
      )
    })
  }

  it("property: the native signer produces exactly viem's signature (RFC 6979, low s)", async () => {
    await fc.assert(
      fc.asyncProperty(voucherArb, keyArb, async (voucher: Voucher, key) => {
        const sign = createVoucherSigner(domain, key)
        expect(sign(voucher)).toBe(await signVoucher(privateKeyToAccount(key), domain, voucher))
      }),
      { numRuns: 200 },
    )
  })

  it('refuses high-s twins, bad recovery ids and malformed signatures, like the contract', async () => {
    const verifier = createVoucherVerifier(domain)
    const account = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d')
    const voucher = { channelId: 1n, cumulativeAmount: 5n, cumulativeRequests: 1n, cumulativeUnits: 0n }
    const signature = await signVoucher(account, domain, voucher)
    expect(verifier.recover({ ...voucher, signature })).toBe(account.address.toLowerCase())
    expect(verifier.recover({ ...voucher, signature: highSTwin(signature) })).toBeUndefined()
    // v must be 27 or 28: OpenZeppelin passes v to ecrecover unchanged, so 0/1 never verify on chain.
    for (const v of ['1d', '00', '01']) {
      expect(verifier.recover({ ...voucher, signature: `${signature.slice(0, 130)}${v}` as Hex })).toBeUndefined()
    }
    // Fields the contract's uint256/uint96/uint64 parameters cannot take.
    for (const bad of [
      { channelId: -1n },
      { channelId: 2n ** 256n },
      { cumulativeAmount: 2n ** 96n },
      { cumulativeRequests: 2n ** 64n },
      { cumulativeUnits: -1n },
      { cumulativeUnits: 2n ** 300n },
      { cumulativeAmount: 5 as unknown as bigint },
    ]) {
      expect(verifier.recover({ ...voucher, ...bad, signature })).toBeUndefined()
    }
    // A rejected voucher leaves nothing behind for the next one.
    expect(verifier.recover({ ...voucher, signature })).toBe(account.address.toLowerCase())
    for (const bad of ['0x', '0x1234', `${signature}00`, `0x${'zz'.repeat(65)}`, 42 as unknown as Hex]) {
      expect(verifier.recover({ ...voucher, signature: bad as Hex })).toBeUndefined()
    }
  })

  it('binds vouchers to the chain and contract of its domain', async () => {
    const account = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d')
    const voucher = { channelId: 1n, cumulativeAmount: 5n, cumulativeRequests: 1n, cumulativeUnits: 0n }
    const signature = await signVoucher(account, domain, voucher)
    const otherChain = createVoucherVerifier({ ...domain, chainId: 1 })
    const otherContract = createVoucherVerifier({
      ...domain,
      paymentChannels: '0x0000000000000000000000000000000000000001',
    })
    expect(otherChain.recover({ ...voucher, signature })).not.toBe(account.address.toLowerCase())
    expect(otherContract.recover({ ...voucher, signature })).not.toBe(account.address.toLowerCase())
  })
})

describe('createVerifierPool', () => {
  for (const thread of ['1', '0'] as const) {
    it(`recovers as the verifier does, many vouchers at once (${thread === '1' ? 'worker thread' : 'in-thread'})`, async () => {
      const before = process.env.MYCEL_VERIFIER_THREAD
      process.env.MYCEL_VERIFIER_THREAD = thread
      const pool = createVerifierPool(domain)
      if (before === undefined) delete process.env.MYCEL_VERIFIER_THREAD
      else process.env.MYCEL_VERIFIER_THREAD = before
      try {
        const local = createVoucherVerifier(domain)
        const sign = createVoucherSigner(domain, '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d')
        const vouchers: SignedVoucher[] = Array.from({ length: 64 }, (_, i) => {
          const v = { channelId: 3n, cumulativeAmount: BigInt(i), cumulativeRequests: BigInt(i), cumulativeUnits: 0n }
          const signature = sign(v)
          // Every fourth one is broken: another amount than signed, or a high-s twin.
          if (i % 8 === 3) return { ...v, cumulativeAmount: v.cumulativeAmount + 1n, signature }
          return { ...v, signature: i % 8 === 7 ? highSTwin(signature) : signature }
        })
        // Until the worker has started (about 2 s here), recovery runs in-thread: ask until the worker answered (the
        // pool would silently go on in-thread if it never started), or twice without one.
        const deadline = Date.now() + 30_000
        for (let round = 0; ; round++) {
          const got = await Promise.all(vouchers.map((v) => pool.recover(v)))
          expect(got).toEqual(vouchers.map((v) => local.recover(v)))
          if (thread === '1' ? pool.workerBatches() > 0 || Date.now() > deadline : round === 1) break
          await new Promise((r) => setTimeout(r, 200))
        }
        if (thread === '1') expect(pool.workerBatches()).toBeGreaterThan(0)
        else expect(pool.workerBatches()).toBe(0)
      } finally {
        await pool.close()
      }
    })
  }
})
