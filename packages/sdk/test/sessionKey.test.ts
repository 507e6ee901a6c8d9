/**
 * The session key in force (`sessionKeysInForce`, `checkSessionVoucher`) against the rule as PaymentChannels states
 * it: first against `_checkSessionSigner` transcribed line by line below, over random stored states, times and
 * vouchers; then differentially against the compiled contract in an in-process EVM (real bytecode): open a channel
 * with a session key, change the key up to twice (widening changes apply at once, narrowing ones are scheduled),
 * let time pass, read the channel as a client would, and check the SDK's verdict on a random voucher is the
 * contract's when the payee claims it.
 */

import fc from 'fast-check'
import { type Address, decodeErrorResult, encodeDeployData, maxUint256 } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { createInProcessChain } from '../../../contracts/test/helpers/evm.ts'
import {
  checkSessionVoucher,
  paymentChannelsAbi,
  paymentChannelsBytecode,
  type SessionKeyState,
  sessionKeysInForce,
  signVoucher,
  testUsdAbi,
  testUsdBytecode,
} from '../src/index.ts'

const ZERO: Address = '0x0000000000000000000000000000000000000000'
const keys = [
  privateKeyToAccount('0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba'),
  privateKeyToAccount('0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e'),
  privateKeyToAccount('0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356'),
]
const signers = keys.map((k) => k.address)

/** PaymentChannels._checkSessionSigner, statement by statement; the verdict is the revert's error name, or 'ok'. */
function contractRule(
  channel: { sessionSigner: Address; sessionCap: bigint; hasPendingSigner: boolean },
  pending: { signer: Address; cap: bigint; effectiveAt: bigint },
  signer: Address,
  cumulative: bigint,
  timestamp: bigint,
): string {
  let { sessionSigner, sessionCap } = channel
  if (channel.hasPendingSigner) {
    if (timestamp >= pending.effectiveAt) {
      sessionSigner = pending.signer
      sessionCap = pending.cap
    } else if (signer === pending.signer && signer !== ZERO && signer !== sessionSigner) {
      if (cumulative > pending.cap) return 'PaymentChannelsSessionCapExceeded'
      return 'ok'
    }
  }
  if (signer !== sessionSigner || signer === ZERO) return 'PaymentChannelsInvalidSigner'
  if (cumulative > sessionCap) return 'PaymentChannelsSessionCapExceeded'
  return 'ok'
}

const verdictName = (v: ReturnType<typeof checkSessionVoucher>) => (v.ok ? 'ok' : v.reason)

const key = fc.constantFrom(ZERO, ...signers)
const cap = fc.bigInt({ min: 0n, max: 2_000n })
const stored = fc.record({
  sessionSigner: key,
  sessionCap: cap,
  hasPendingSigner: fc.boolean(),
  pending: fc.record({ signer: key, cap, effectiveAt: fc.bigInt({ min: 1n, max: 10_000n }) }),
})

describe('the session key in force', () => {
  it('property: checkSessionVoucher gives the verdict of _checkSessionSigner for any stored state, time and voucher', () => {
    fc.assert(
      fc.property(stored, key, cap, fc.bigInt({ min: 0n, max: 10_001n }), (s, signer, cumulative, timestamp) => {
        const state: SessionKeyState = {
          sessionSigner: s.sessionSigner,
          sessionCap: s.sessionCap,
          pending: s.hasPendingSigner ? s.pending : null,
        }
        const expected = contractRule(s, s.pending, signer, cumulative, timestamp)
        expect(verdictName(checkSessionVoucher(state, { signer, cumulativeAmount: cumulative, at: timestamp }))).toBe(
          expected,
        )
      }),
      { numRuns: 20_000 },
    )
  })

  it('property: before effectiveAt the current key and a new scheduled key are both honoured; from it, only the scheduled one', () => {
    fc.assert(
      fc.property(stored, fc.bigInt({ min: 0n, max: 10_000n }), (s, at) => {
        const { pending } = s
        const { accepted, current } = sessionKeysInForce(s, at)
        if (at >= pending.effectiveAt) {
          expect(accepted).toEqual(pending.signer === ZERO ? [] : [{ signer: pending.signer, cap: pending.cap }])
          expect(current?.signer ?? ZERO).toBe(pending.signer)
        } else {
          const expected = s.sessionSigner === ZERO ? [] : [{ signer: s.sessionSigner, cap: s.sessionCap }]
          if (pending.signer !== ZERO && pending.signer !== s.sessionSigner) {
            expected.push({ signer: pending.signer, cap: pending.cap })
          }
          expect(accepted).toEqual(expected)
        }
      }),
    )
  })

  it('compares signers without regard to case and treats an all-zero pending entry as none', () => {
    const state = {
      sessionSigner: signers[0] as Address,
      sessionCap: 10n,
      pending: { signer: ZERO, cap: 0n, effectiveAt: 0n },
    }
    const lower = (signers[0] as Address).toLowerCase() as Address
    expect(checkSessionVoucher(state, { signer: lower, cumulativeAmount: 10n, at: 5n })).toEqual({ ok: true, cap: 10n })
    expect(checkSessionVoucher(state, { signer: lower, cumulativeAmount: 11n, at: 5n })).toEqual({
      ok: false,
      reason: 'PaymentChannelsSessionCapExceeded',
      cap: 10n,
    })
    expect(sessionKeysInForce(state, 5n).pending).toBeNull()
  })

  it('differential: on the compiled PaymentChannels, a claim succeeds or reverts exactly as checkSessionVoucher predicts', async () => {
    const WINDOW = 3600n
    const noMarket = '0x000000000000000000000000000000000000dEaD' // plain vouchers never reach the model market
    const owner = '0x00000000000000000000000000000000000000aa' as const
    const payer = '0x00000000000000000000000000000000000000cc' as const
    const payee = '0x00000000000000000000000000000000000000bb' as const
    const chain = await createInProcessChain()
    const usd = await chain.deploy(
      encodeDeployData({ abi: testUsdAbi, bytecode: testUsdBytecode, args: [owner] }),
      owner,
    )
    const pc = await chain.deploy(
      encodeDeployData({
        abi: paymentChannelsAbi,
        bytecode: paymentChannelsBytecode,
        args: [WINDOW, noMarket, noMarket],
      }),
      owner,
    )
    expect((await chain.call(owner, usd, testUsdAbi, 'mint', [payer, 10n ** 15n])).ok).toBe(true)
    expect((await chain.call(payer, usd, testUsdAbi, 'approve', [pc.toString(), maxUint256])).ok).toBe(true)
    const domain = { chainId: Number(chain.evm.common.chainId()), paymentChannels: pc.toString() as Address }
    const DEPOSIT = 1_000n
    const capArb = fc.bigInt({ min: 1n, max: 1_500n })
    // Times biased to the boundary: a change right after the opening, a claim at effectiveAt or the second before.
    const later = fc.bigInt({ min: 0n, max: 2n * WINDOW })
    const change = fc.record({ after: fc.oneof(fc.constant(0n), later), signer: key, cap: capArb })
    const wait = fc.oneof(fc.constantFrom(WINDOW - 1n, WINDOW), later)
    const outcomes = new Map<string, number>()

    await fc.assert(
      fc.asyncProperty(
        fc.nat(2),
        capArb,
        fc.array(change, { maxLength: 2 }),
        wait,
        fc.nat(2),
        fc.bigInt({ min: 1n, max: DEPOSIT }),
        async (first, firstCap, changes, wait, by, amount) => {
          await chain.evm.stateManager.checkpoint()
          const start = chain.now
          try {
            const opened = await chain.call(payer, pc, paymentChannelsAbi, 'open', [
              payee,
              usd.toString(),
              DEPOSIT,
              signers[first],
              firstCap,
            ])
            expect(opened.ok).toBe(true)
            const channelId = opened.result as bigint
            for (const c of changes) {
              chain.now += c.after
              const r = await chain.call(payer, pc, paymentChannelsAbi, 'setSessionSigner', [
                channelId,
                c.signer,
                c.cap,
              ])
              expect(r.ok).toBe(true)
            }
            chain.now += wait
            // What a client reads before claiming.
            const read = await chain.call(payer, pc, paymentChannelsAbi, 'getChannel', [channelId])
            const p = await chain.call(payer, pc, paymentChannelsAbi, 'getPendingSessionSigner', [channelId])
            const c = read.result as { sessionSigner: Address; sessionCap: bigint }
            const pending = p.result as { signer: Address; cap: bigint; effectiveAt: bigint }
            const signer = keys[by] as (typeof keys)[number]
            const predicted = verdictName(
              checkSessionVoucher(
                { sessionSigner: c.sessionSigner, sessionCap: c.sessionCap, pending },
                { signer: signer.address, cumulativeAmount: amount, at: chain.now },
              ),
            )
            const voucher = { channelId, cumulativeAmount: amount, cumulativeRequests: 1n, cumulativeUnits: 1n }
            const signature = await signVoucher(signer, domain, voucher)
            const claim = await chain.call(payee, pc, paymentChannelsAbi, 'claim', [
              { ...voucher, models: [], signature },
            ])
            const actual = claim.ok
              ? 'ok'
              : decodeErrorResult({ abi: paymentChannelsAbi, data: claim.revertData }).errorName
            expect(actual).toBe(predicted)
            outcomes.set(actual, (outcomes.get(actual) ?? 0) + 1)
          } finally {
            await chain.evm.stateManager.revert()
            chain.now = start
          }
        },
      ),
      { numRuns: 200 },
    )
    // The runs reached every verdict, so the comparison was not vacuous.
    expect([...outcomes.keys()].sort()).toEqual([
      'PaymentChannelsInvalidSigner',
      'PaymentChannelsSessionCapExceeded',
      'ok',
    ])
  })
})
