/**
 * The pure half of x402 (payments/x402.ts) without a chain: the PAYMENT-SIGNATURE parser never throws anything but
 * a named X402PaymentError whatever it is given (property test), a payload signed by @x402/evm's exact client
 * round-trips and passes the checks, and each broken field is refused with its own code.
 */
import { encodePaymentSignatureHeader } from '@x402/core/http'
import { parsePaymentRequired } from '@x402/core/schemas'
import type { PaymentRequirements } from '@x402/core/types'
import { ExactEvmScheme } from '@x402/evm/exact/client'
import fc from 'fast-check'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import {
  buildPaymentRequired,
  checkExactPayment,
  type ExactAsset,
  parsePaymentSignature,
  X402PaymentError,
} from '../src/payments/x402.ts'

const payer = privateKeyToAccount(generatePrivateKey())
const other = privateKeyToAccount(generatePrivateKey())
const payTo = privateKeyToAccount(generatePrivateKey()).address
const asset: ExactAsset = { address: '0x5FbDB2315678afecb367f032d93F642f64180aa3', name: 'Test USD', version: '1' }
const now = BigInt(Math.floor(Date.now() / 1000))
const terms = { chainId: 31337, asset, payTo, amount: 1_000n }

const required = buildPaymentRequired({
  url: 'http://miner/v2/models/digits/infer',
  description: 'digits',
  error: 'pay',
  chainId: 31337,
  payTo,
  channel: { amount: 1_000n, asset: asset.address, requirements: { scheme: 'mycel-channel' } },
  exact: { amount: 1_000n, asset },
})
const exact = required.accepts[1] as PaymentRequirements

async function header(requirements: PaymentRequirements = exact, signer = payer) {
  const { payload } = await new ExactEvmScheme(signer).createPaymentPayload(2, requirements)
  return encodePaymentSignatureHeader({ x402Version: 2, resource: required.resource, accepted: requirements, payload })
}
const codeOf = async (run: () => unknown) => {
  try {
    await run()
  } catch (error) {
    expect(error).toBeInstanceOf(X402PaymentError)
    return (error as X402PaymentError).code
  }
  return 'none'
}

describe('x402 parsing and checks', () => {
  it('an empty accepts is not x402 (why the gateway, which takes no payment, keeps its plain 402)', () => {
    expect(parsePaymentRequired({ ...required, accepts: [] }).success).toBe(false)
  })

  it('builds a PaymentRequired that @x402/core accepts, mycel-channel first, with royalties only when given', () => {
    expect(parsePaymentRequired(required).success).toBe(true)
    expect(required.accepts.map((a) => a.scheme)).toEqual(['mycel-channel', 'exact'])
    expect(required.accepts[0]?.extra).not.toHaveProperty('royalties')
    const royalties = { modelId: '1', royaltyBps: 500, route: [{ modelId: '1', royaltyBps: 500 }] }
    const withTerms = buildPaymentRequired({
      url: 'http://miner/x',
      description: 'x',
      error: 'pay',
      chainId: 1,
      payTo,
      channel: { amount: 1n, asset: asset.address, requirements: {}, royalties },
    })
    expect(withTerms.accepts.map((a) => a.scheme)).toEqual(['mycel-channel'])
    expect(withTerms.accepts[0]?.extra?.royalties).toEqual(royalties)
  })

  it('property: any header string is parsed or refused with a named X402PaymentError, never anything else', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json().map((j) => btoa(j)),
          fc
            .record({
              x402Version: fc.constantFrom(1, 2, '2'),
              accepted: fc.anything(),
              payload: fc.anything(),
            })
            .map((o) => Buffer.from(JSON.stringify(o)).toString('base64')),
        ),
        (text) => {
          try {
            parsePaymentSignature(text)
          } catch (error) {
            expect(error).toBeInstanceOf(X402PaymentError)
            expect((error as X402PaymentError).httpStatus).toBeGreaterThanOrEqual(400)
          }
        },
      ),
      { numRuns: 2_000 },
    )
  })

  it("a payload from @x402/evm's exact client round-trips and passes", async () => {
    const parsed = parsePaymentSignature(await header())
    expect(parsed.authorization).toMatchObject({ from: payer.address, to: payTo, value: 1_000n, validAfter: 0n })
    await expect(checkExactPayment(parsed, terms, now)).resolves.toBeUndefined()
  })

  it('each broken field is refused with its own code', async () => {
    const check = async (h: Promise<string>, t = terms, at = now) =>
      codeOf(async () => checkExactPayment(parsePaymentSignature(await h), t, at))
    expect(await check(header({ ...exact, network: 'eip155:1' }))).toBe('X402_WRONG_NETWORK')
    expect(await check(header({ ...exact, asset: payTo }))).toBe('X402_WRONG_ASSET')
    expect(await check(header({ ...exact, payTo: payer.address }))).toBe('X402_WRONG_PAY_TO')
    expect(await check(header({ ...exact, amount: '999' }))).toBe('X402_AMOUNT_TOO_LOW')
    expect(await check(header({ ...exact, amount: '1001' }))).toBe('X402_AMOUNT_MISMATCH')
    expect(await check(header(), terms, now + 200n)).toBe('X402_EXPIRED')
    expect(await check(header(), terms, 0n)).toBe('X402_NOT_YET_VALID')
    expect(await check(header(), { ...terms, asset: { ...asset, version: '2' } })).toBe('X402_INVALID_SIGNATURE')
    const forged = JSON.parse(atob(await header(exact, other)))
    forged.payload.authorization.from = payer.address
    expect(await check(Promise.resolve(btoa(JSON.stringify(forged))))).toBe('X402_INVALID_SIGNATURE')
    expect(await codeOf(async () => parsePaymentSignature(await header({ ...exact, scheme: 'upto' })))).toBe(
      'X402_UNSUPPORTED_SCHEME',
    )
  })
})
