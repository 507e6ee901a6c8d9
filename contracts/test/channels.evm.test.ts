/**
 * PaymentChannels invariants over thousands of random action sequences, on the real compiled bytecode in an
 * in-process EVM (@ethereumjs/evm: about 0.5 ms per call, where a round trip to anvil costs several), so the
 * property can run at the scale the issue asks for. The anvil-driven property test in channels.test.ts covers the
 * same invariants through the SDK and JSON-RPC, with fewer sequences.
 *
 * Actions: open, deposit, pay (sign a higher voucher), claim (latest or stale), batch claim, request close, wait
 * past the window, withdraw, cooperative close, by the right or the wrong party. After every action: tokens are
 * conserved, the contract holds exactly the unclaimed deposits, no channel pays out more than its deposit, and
 * what a channel has claimed never decreases and equals the highest voucher paid.
 */
import type { Address as EvmAddress } from '@ethereumjs/util'
import { paymentChannelsAbi, paymentChannelsBytecode, signVoucher, testUsdAbi, testUsdBytecode } from '@mycel/sdk'
import fc from 'fast-check'
import { type Address, encodeDeployData, maxUint256 } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { createInProcessChain, type InProcessChain } from './helpers/evm.ts'

const RUNS = Number(process.env.EVM_PROPERTY_RUNS ?? 2000)
const WINDOW = 3600n
/** PaymentChannels needs a model registry and licenses; these plain-voucher tests never reach them. */
const noMarket = '0x000000000000000000000000000000000000dEaD'
const owner = '0x00000000000000000000000000000000000000aa' as const
const payee = '0x00000000000000000000000000000000000000bb' as const
const payerKeys = [
  '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
  '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a',
] as const
const payers = payerKeys.map((k) => privateKeyToAccount(k))

async function deploy(): Promise<{ chain: InProcessChain; usd: EvmAddress; pc: EvmAddress }> {
  const chain = await createInProcessChain()
  const create = (data: `0x${string}`) => chain.deploy(data, owner)
  const usd = await create(encodeDeployData({ abi: testUsdAbi, bytecode: testUsdBytecode, args: [owner] }))
  const pc = await create(
    encodeDeployData({
      abi: paymentChannelsAbi,
      bytecode: paymentChannelsBytecode,
      args: [WINDOW, noMarket, noMarket],
    }),
  )
  for (const p of payers) {
    expect((await chain.call(owner, usd, testUsdAbi, 'mint', [p.address, 10n ** 15n])).ok).toBe(true)
    expect((await chain.call(p.address, usd, testUsdAbi, 'approve', [pc.toString(), maxUint256])).ok).toBe(true)
  }
  return { chain, usd, pc }
}

const amount = fc.bigInt({ min: 1n, max: 10n ** 7n })
const action = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('open' as const), payer: fc.integer({ min: 0, max: 1 }), amount }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('deposit' as const), channel: fc.nat(2), amount, wrong: fc.boolean() }),
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('pay' as const), channel: fc.nat(2), amount }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('claim' as const),
      channel: fc.nat(2),
      stale: fc.boolean(),
      wrongSigner: fc.integer({ min: 0, max: 3 }).map((n) => n === 0),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('batch' as const),
      channels: fc.array(fc.nat(2), { minLength: 1, maxLength: 3 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('close' as const), channel: fc.nat(2), wrong: fc.boolean() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('wait' as const),
      seconds: fc.constantFrom(60n, WINDOW + 1n, WINDOW + 1n),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('withdraw' as const), channel: fc.nat(2) }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('cooperative' as const), channel: fc.nat(2), wrong: fc.boolean() }),
  },
)

/** Every sequence opens one to three channels first, then acts on them. */
const opening = fc.record({ kind: fc.constant('open' as const), payer: fc.integer({ min: 0, max: 1 }), amount })
const sequence = fc
  .tuple(fc.array(opening, { minLength: 1, maxLength: 3 }), fc.array(action, { minLength: 4, maxLength: 24 }))
  .map(([opens, rest]) => [...opens, ...rest])

type Model = {
  id: bigint
  payer: number
  deposit: bigint
  owed: bigint
  vouchers: Voucher[]
  claimed: bigint
  open: boolean
}
type Voucher = {
  channelId: bigint
  cumulativeAmount: bigint
  cumulativeRequests: bigint
  cumulativeUnits: bigint
  models: [] // plain vouchers: the claim's model split is empty
  signature: `0x${string}`
}

describe('PaymentChannels invariants (in-process EVM)', () => {
  it(`property: over ${RUNS} random action sequences, tokens are conserved, no channel pays more than its deposit, and claims never decrease`, async () => {
    const { chain, usd, pc } = await deploy()
    const people = [...payers.map((p) => p.address), payee]
    const balance = async (who: string) =>
      (await chain.call(owner, usd, testUsdAbi, 'balanceOf', [who])).result as bigint
    const domain = { chainId: Number(chain.evm.common.chainId()), paymentChannels: pc.toString() as Address }
    const total = (await Promise.all([...people, pc.toString()].map(balance))).reduce((a, b) => a + b, 0n)
    const moved = { claims: 0, withdrawals: 0, cooperative: 0, batches: 0 }

    await fc.assert(
      fc.asyncProperty(sequence, async (actions) => {
        await chain.evm.stateManager.checkpoint()
        const start = chain.now
        try {
          const channels: Model[] = []
          const pick = (i: number) => (channels.length > 0 ? channels[i % channels.length] : undefined)
          for (const a of actions) {
            if (a.kind === 'open') {
              const r = await chain.call(payers[a.payer]?.address as Address, pc, paymentChannelsAbi, 'open', [
                payee,
                usd.toString(),
                a.amount,
                '0x0000000000000000000000000000000000000000',
                0n,
              ])
              expect(r.ok).toBe(true)
              channels.push({
                id: r.result as bigint,
                payer: a.payer,
                deposit: a.amount,
                owed: 0n,
                vouchers: [],
                claimed: 0n,
                open: true,
              })
            } else if (a.kind === 'wait') {
              chain.now += a.seconds
            } else if (a.kind === 'pay') {
              const c = pick(a.channel)
              if (!c) continue
              // Mostly within the deposit; one in eight vouchers overdraws it (the contract must refuse those).
              const room = c.deposit - c.owed
              c.owed += room > 0n && a.amount % 8n !== 0n ? 1n + (a.amount % room) : a.amount
              const v = {
                channelId: c.id,
                cumulativeAmount: c.owed,
                cumulativeRequests: BigInt(c.vouchers.length + 1),
                cumulativeUnits: 0n,
              }
              c.vouchers.push({ ...v, models: [], signature: await signVoucher(payers[c.payer] as never, domain, v) })
            } else if (a.kind === 'claim') {
              const c = pick(a.channel)
              const v = c && (a.stale ? c.vouchers[0] : c.vouchers.at(-1))
              if (!c || !v) continue
              const signer = a.wrongSigner ? payers[1 - c.payer] : payers[c.payer]
              const voucher = a.wrongSigner ? { ...v, signature: await signVoucher(signer as never, domain, v) } : v
              const before = await balance(payee)
              const r = await chain.call(payee, pc, paymentChannelsAbi, 'claim', [voucher])
              if (r.ok) {
                expect(a.wrongSigner).toBe(false)
                expect(v.cumulativeAmount).toBeLessThanOrEqual(c.deposit)
                expect(v.cumulativeAmount).toBeGreaterThan(c.claimed)
                expect((await balance(payee)) - before).toBe(v.cumulativeAmount - c.claimed)
                c.claimed = v.cumulativeAmount
                moved.claims += 1
              }
            } else if (a.kind === 'batch') {
              const list = a.channels.map(pick).filter((c): c is Model => c !== undefined && c.vouchers.length > 0)
              const unique = [...new Map(list.map((c) => [c.id, c])).values()]
              if (unique.length === 0) continue
              const before = await balance(payee)
              const r = await chain.call(payee, pc, paymentChannelsAbi, 'claimBatch', [
                unique.map((c) => c.vouchers.at(-1)),
              ])
              if (r.ok) {
                // Entries already settled (closed, or no higher than claimed) are skipped; the others pay the difference.
                let expected = 0n
                for (const c of unique) {
                  const v = c.vouchers.at(-1) as Voucher
                  if (!c.open || v.cumulativeAmount <= c.claimed) continue
                  const closesAt = (c as Model & { closesAt?: bigint }).closesAt
                  expect(closesAt === undefined || chain.now <= closesAt).toBe(true)
                  expected += v.cumulativeAmount - c.claimed
                  c.claimed = v.cumulativeAmount
                }
                expect((await balance(payee)) - before).toBe(expected)
                moved.batches += 1
              }
            } else {
              const c = pick(a.channel)
              if (!c) continue
              const m = c as Model & { closesAt?: bigint }
              const right = payers[c.payer]?.address as Address
              if (a.kind === 'deposit') {
                const r = await chain.call(a.wrong ? payee : right, pc, paymentChannelsAbi, 'deposit', [c.id, a.amount])
                if (r.ok) {
                  expect(a.wrong || !c.open || m.closesAt !== undefined).toBe(false)
                  c.deposit += a.amount
                }
              } else if (a.kind === 'close') {
                const r = await chain.call(a.wrong ? payee : right, pc, paymentChannelsAbi, 'requestClose', [c.id])
                if (r.ok) {
                  expect(a.wrong).toBe(false)
                  m.closesAt = chain.now + WINDOW
                }
              } else if (a.kind === 'withdraw') {
                const r = await chain.call(right, pc, paymentChannelsAbi, 'withdraw', [c.id])
                if (r.ok) {
                  expect(m.closesAt !== undefined && chain.now > m.closesAt).toBe(true)
                  c.open = false
                  moved.withdrawals += 1
                }
              } else if (a.kind === 'cooperative') {
                const r = await chain.call(a.wrong ? right : payee, pc, paymentChannelsAbi, 'closeByPayee', [c.id])
                if (r.ok) {
                  expect(a.wrong).toBe(false)
                  c.open = false
                  moved.cooperative += 1
                }
              }
            }
            // Invariants after every action.
            const held = await balance(pc.toString())
            let locked = 0n
            for (const c of channels) {
              const r = await chain.call(owner, pc, paymentChannelsAbi, 'getChannel', [c.id])
              expect(r.ok).toBe(c.open)
              if (!r.ok) continue
              const live = r.result as { deposit: bigint; claimed: bigint }
              expect(live.claimed).toBeLessThanOrEqual(live.deposit)
              expect(live.claimed).toBe(c.claimed) // never decreases: the model only ever raises it
              locked += live.deposit - live.claimed
            }
            // Channels from earlier sequences were rolled back with the state, so the contract holds exactly these.
            expect(held).toBe(locked)
          }
          const after = (await Promise.all([...people, pc.toString()].map(balance))).reduce((a, b) => a + b, 0n)
          expect(after).toBe(total)
        } finally {
          await chain.evm.stateManager.revert()
          chain.now = start
        }
      }),
      { numRuns: RUNS, seed: Number(process.env.EVM_PROPERTY_SEED ?? 11) },
    )
    // The sequences really moved money every way, not only failed.
    expect(moved.claims).toBeGreaterThan(0)
    expect(moved.batches).toBeGreaterThan(0)
    expect(moved.withdrawals).toBeGreaterThan(0)
    expect(moved.cooperative).toBeGreaterThan(0)
  }, 900_000)
})
