/**
 * TestUSD's EIP-3009 (transfer / receive with authorization, cancel) on the real compiled bytecode in an in-process
 * EVM: USDC's type hashes, the validity window, single-use nonces, the signer check, receive's payee-only rule, and
 * a property test that random authorizations conserve tokens and succeed exactly when the rules say so. Permit and
 * the 6 decimals are checked unchanged.
 */
import type { Address as EvmAddress } from '@ethereumjs/util'
import { testUsdAbi, testUsdBytecode } from '@mycel/sdk'
import fc from 'fast-check'
import {
  type Address,
  decodeErrorResult,
  encodeDeployData,
  type Hex,
  keccak256,
  parseSignature,
  type TypedDataDomain,
  toHex,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { beforeEach, describe, expect, it } from 'vitest'
import { type CallResult, createInProcessChain, type InProcessChain } from './helpers/evm.ts'

const owner = '0x00000000000000000000000000000000000000aa' as const
const payee = '0x00000000000000000000000000000000000000bb' as const
const relayer = '0x00000000000000000000000000000000000000cc' as const
const alice = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d')
const mallory = privateKeyToAccount('0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a')

const authorizationFields = [
  { name: 'from', type: 'address' },
  { name: 'to', type: 'address' },
  { name: 'value', type: 'uint256' },
  { name: 'validAfter', type: 'uint256' },
  { name: 'validBefore', type: 'uint256' },
  { name: 'nonce', type: 'bytes32' },
] as const
const types = {
  TransferWithAuthorization: authorizationFields,
  ReceiveWithAuthorization: authorizationFields,
  CancelAuthorization: [
    { name: 'authorizer', type: 'address' },
    { name: 'nonce', type: 'bytes32' },
  ],
} as const

type Authorization = { from: Address; to: Address; value: bigint; validAfter: bigint; validBefore: bigint; nonce: Hex }

let chain: InProcessChain
let usd: EvmAddress
let domain: TypedDataDomain

const call = (from: Address, fn: string, args: unknown[]) => chain.call(from, usd, testUsdAbi, fn, args)
const read = async (fn: string, args: unknown[] = []) => {
  const r = await call(owner, fn, args)
  expect(r.ok).toBe(true)
  return r.result
}
const errorName = (r: CallResult) => {
  expect(r.ok).toBe(false)
  return decodeErrorResult({ abi: testUsdAbi, data: r.revertData }).errorName
}
const nonceOf = (n: number) => keccak256(toHex(`nonce ${n}`))

function authorization(overrides: Partial<Authorization> = {}): Authorization {
  return {
    from: alice.address,
    to: payee,
    value: 1_000n,
    validAfter: 0n,
    validBefore: chain.now + 60n,
    nonce: nonceOf(1),
    ...overrides,
  }
}

const sign = (
  auth: Authorization,
  primaryType: 'TransferWithAuthorization' | 'ReceiveWithAuthorization' = 'TransferWithAuthorization',
  signer = alice,
) => signer.signTypedData({ domain, types, primaryType, message: auth })

const args = (a: Authorization) => [a.from, a.to, a.value, a.validAfter, a.validBefore, a.nonce]

beforeEach(async () => {
  chain = await createInProcessChain()
  usd = await chain.deploy(encodeDeployData({ abi: testUsdAbi, bytecode: testUsdBytecode, args: [owner] }), owner)
  const [, name, version, chainId, verifyingContract] = (await read('eip712Domain')) as [
    Hex,
    string,
    string,
    bigint,
    Address,
  ]
  domain = { name, version, chainId: Number(chainId), verifyingContract }
  expect((await call(owner, 'mint', [alice.address, 1_000_000n])).ok).toBe(true)
})

describe('TestUSD EIP-3009', () => {
  it("uses USDC's type hashes and the permit's domain (Test USD, version 1); decimals stay 6", async () => {
    expect(await read('TRANSFER_WITH_AUTHORIZATION_TYPEHASH')).toBe(
      keccak256(
        toHex(
          'TransferWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)',
        ),
      ),
    )
    expect(await read('RECEIVE_WITH_AUTHORIZATION_TYPEHASH')).toBe(
      keccak256(
        toHex(
          'ReceiveWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)',
        ),
      ),
    )
    expect(await read('CANCEL_AUTHORIZATION_TYPEHASH')).toBe(
      keccak256(toHex('CancelAuthorization(address authorizer,bytes32 nonce)')),
    )
    expect(domain.name).toBe('Test USD')
    expect(domain.version).toBe('1')
    expect(await read('decimals')).toBe(6)
  })

  it('a valid authorization moves the tokens once, submitted by anyone, in both signature forms', async () => {
    const a = authorization()
    expect(await read('authorizationState', [alice.address, a.nonce])).toBe(false)
    const r = await call(relayer, 'transferWithAuthorization', [...args(a), await sign(a)])
    expect(r.ok).toBe(true)
    expect(await read('balanceOf', [payee])).toBe(1_000n)
    expect(await read('balanceOf', [alice.address])).toBe(999_000n)
    expect(await read('authorizationState', [alice.address, a.nonce])).toBe(true)
    // The v, r, s form.
    const b = authorization({ nonce: nonceOf(2), value: 5n })
    const { v, r: sr, s, yParity } = parseSignature(await sign(b))
    expect(
      (await call(relayer, 'transferWithAuthorization', [...args(b), Number(v ?? 27n + BigInt(yParity)), sr, s])).ok,
    ).toBe(true)
    expect(await read('balanceOf', [payee])).toBe(1_005n)
  })

  it('a replayed nonce is refused (TestUSDAuthorizationUsed), nothing moves twice', async () => {
    const a = authorization()
    const signature = await sign(a)
    expect((await call(relayer, 'transferWithAuthorization', [...args(a), signature])).ok).toBe(true)
    const again = await call(payee, 'transferWithAuthorization', [...args(a), signature])
    expect(errorName(again)).toBe('TestUSDAuthorizationUsed')
    expect(await read('balanceOf', [payee])).toBe(1_000n)
  })

  it('expired (at or after validBefore) and not yet valid (at or before validAfter) are refused', async () => {
    const expired = authorization({ validBefore: chain.now })
    expect(errorName(await call(relayer, 'transferWithAuthorization', [...args(expired), await sign(expired)]))).toBe(
      'TestUSDAuthorizationExpired',
    )
    const early = authorization({ validAfter: chain.now, nonce: nonceOf(3) })
    expect(errorName(await call(relayer, 'transferWithAuthorization', [...args(early), await sign(early)]))).toBe(
      'TestUSDAuthorizationNotYetValid',
    )
    chain.now += 1n // now strictly after validAfter
    expect((await call(relayer, 'transferWithAuthorization', [...args(early), await sign(early)])).ok).toBe(true)
  })

  it('a signature by someone else, or over other values, is refused and the nonce stays free', async () => {
    const a = authorization()
    const forged = await sign(a, 'TransferWithAuthorization', mallory)
    expect(errorName(await call(relayer, 'transferWithAuthorization', [...args(a), forged]))).toBe(
      'TestUSDInvalidAuthorizationSignature',
    )
    const tampered = { ...a, value: 999_999n }
    expect(errorName(await call(relayer, 'transferWithAuthorization', [...args(tampered), await sign(a)]))).toBe(
      'TestUSDInvalidAuthorizationSignature',
    )
    // A receive signature is not a transfer signature (different type hash).
    expect(
      errorName(
        await call(relayer, 'transferWithAuthorization', [...args(a), await sign(a, 'ReceiveWithAuthorization')]),
      ),
    ).toBe('TestUSDInvalidAuthorizationSignature')
    expect(await read('authorizationState', [alice.address, a.nonce])).toBe(false)
    expect(await read('balanceOf', [payee])).toBe(0n)
  })

  it('cancel: a canceled nonce cannot be used or canceled again; only the authorizer cancels', async () => {
    const a = authorization()
    const cancel = (signer = alice) =>
      signer.signTypedData({
        domain,
        types,
        primaryType: 'CancelAuthorization',
        message: { authorizer: alice.address, nonce: a.nonce },
      })
    expect(errorName(await call(relayer, 'cancelAuthorization', [alice.address, a.nonce, await cancel(mallory)]))).toBe(
      'TestUSDInvalidAuthorizationSignature',
    )
    expect((await call(relayer, 'cancelAuthorization', [alice.address, a.nonce, await cancel()])).ok).toBe(true)
    expect(await read('authorizationState', [alice.address, a.nonce])).toBe(true)
    expect(errorName(await call(relayer, 'transferWithAuthorization', [...args(a), await sign(a)]))).toBe(
      'TestUSDAuthorizationUsed',
    )
    expect(errorName(await call(relayer, 'cancelAuthorization', [alice.address, a.nonce, await cancel()]))).toBe(
      'TestUSDAuthorizationUsed',
    )
    expect(await read('balanceOf', [payee])).toBe(0n)
  })

  it('receiveWithAuthorization: refused from a third party (TestUSDCallerNotPayee), works from the payee', async () => {
    const a = authorization()
    const signature = await sign(a, 'ReceiveWithAuthorization')
    expect(errorName(await call(relayer, 'receiveWithAuthorization', [...args(a), signature]))).toBe(
      'TestUSDCallerNotPayee',
    )
    // A transfer signature cannot be replayed as a receive.
    expect(errorName(await call(payee, 'receiveWithAuthorization', [...args(a), await sign(a)]))).toBe(
      'TestUSDInvalidAuthorizationSignature',
    )
    expect((await call(payee, 'receiveWithAuthorization', [...args(a), signature])).ok).toBe(true)
    expect(await read('balanceOf', [payee])).toBe(1_000n)
  })

  it('permit still works', async () => {
    const nonce = (await read('nonces', [alice.address])) as bigint
    const deadline = chain.now + 60n
    const signature = await alice.signTypedData({
      domain,
      types: {
        Permit: [
          { name: 'owner', type: 'address' },
          { name: 'spender', type: 'address' },
          { name: 'value', type: 'uint256' },
          { name: 'nonce', type: 'uint256' },
          { name: 'deadline', type: 'uint256' },
        ],
      },
      primaryType: 'Permit',
      message: { owner: alice.address, spender: relayer, value: 77n, nonce, deadline },
    })
    const { v, r, s, yParity } = parseSignature(signature)
    const ok = await call(relayer, 'permit', [
      alice.address,
      relayer,
      77n,
      deadline,
      Number(v ?? 27n + BigInt(yParity)),
      r,
      s,
    ])
    expect(ok.ok).toBe(true)
    expect(await read('allowance', [alice.address, relayer])).toBe(77n)
  })

  it('property: random authorizations succeed exactly when fresh, in their window, signed by the holder and funded; tokens are conserved', async () => {
    const step = fc.record({
      nonce: fc.integer({ min: 0, max: 5 }),
      value: fc.bigInt({ min: 0n, max: 400_000n }),
      after: fc.integer({ min: -2, max: 2 }),
      before: fc.integer({ min: -2, max: 2 }),
      forged: fc.boolean(),
      advance: fc.integer({ min: 0, max: 2 }),
    })
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 12 }), async (steps) => {
        chain = await createInProcessChain()
        usd = await chain.deploy(encodeDeployData({ abi: testUsdAbi, bytecode: testUsdBytecode, args: [owner] }), owner)
        expect((await call(owner, 'mint', [alice.address, 1_000_000n])).ok).toBe(true)
        const used = new Set<number>()
        let balance = 1_000_000n
        for (const s of steps) {
          chain.now += BigInt(s.advance)
          const a = authorization({
            nonce: nonceOf(s.nonce),
            value: s.value,
            validAfter: chain.now + BigInt(s.after),
            validBefore: chain.now + BigInt(s.before) + 1n,
          })
          const signature = await sign(a, 'TransferWithAuthorization', s.forged ? mallory : alice)
          const r = await call(relayer, 'transferWithAuthorization', [...args(a), signature])
          const shouldPass =
            !used.has(s.nonce) &&
            chain.now > a.validAfter &&
            chain.now < a.validBefore &&
            !s.forged &&
            s.value <= balance
          expect(r.ok).toBe(shouldPass)
          if (shouldPass) {
            used.add(s.nonce)
            balance -= s.value
          }
          const held = await read('balanceOf', [alice.address])
          const paid = await read('balanceOf', [payee])
          const supply = await read('totalSupply')
          expect(held).toBe(balance)
          expect((held as bigint) + (paid as bigint)).toBe(supply)
        }
      }),
      { numRuns: 60 },
    )
  })
})
