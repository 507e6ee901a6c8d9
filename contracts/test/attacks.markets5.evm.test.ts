/**
 * Audit 5 (after attacks4.md): the lazy settlement of model channels through `Licenses.licenseRoute`, and the
 * binary32 referee `Float32.sol`. Nothing was found to fix; these are regressions for the properties verified:
 * - settlement through `licenseRoute` credits exactly what claims retained through `claimRoute` (the active slot's
 *   route for ≤ 2 ancestors, the cache for more, the second word past five), for a 7-ancestor route, across
 *   settleRoyalties, a rebind to a renewed license, leaving the fast path and a close: no double credit, no loss;
 * - a close after the bound license was revoked and expired (long past every grace) still settles and refunds;
 * - Float32 corners the edge-set and random tests do not aim at: results at the overflow threshold, subnormal ×
 *   large, √ of subnormals, quotients that are exact subnormal ties, all against the training engine.
 */
import { licensesAbi, modelRegistryAbi, paymentChannelsAbi } from '@mycel/sdk'
import { getAddress } from 'viem'
import { beforeAll, describe, expect, it } from 'vitest'
import { type Case, compose, deployHarness, describeCase, type Op, reference, seededUint32 } from './float32Cases.ts'
import { defaultTerms, deployMarket, type Market, payer, WINDOW } from './helpers/market.ts'

const alice = getAddress('0x000000000000000000000000000000000000a11c')
const bob = getAddress('0x0000000000000000000000000000000000000b0b')
const miner = getAddress('0x00000000000000000000000000000000000000f1')

describe('model channels settle through licenseRoute exactly what claims retained', () => {
  let m: Market
  const chain: bigint[] = [] // chain[0] the root … chain[7] the leaf, 7 ancestors
  const bpsOf = [700n, 300n, 450n, 125n, 900n, 333n, 77n, 1_111n] // each model's license royalty
  const usd = () => m.usd.toString()
  const credited = async () =>
    Promise.all(
      chain.map(async (id) => (await m.must(alice, m.pc, paymentChannelsAbi, 'royaltiesOf', [id, usd()])) as bigint),
    )
  const claim = async (channel: bigint, amount: bigint, modelId: bigint) => {
    const r = await m.call(miner, m.pc, paymentChannelsAbi, 'claim', [
      await m.voucher(channel, amount, [{ modelId, cumulativeAmount: amount }]),
    ])
    expect(r.ok, r.ok ? '' : String(r.error)).toBe(true)
  }
  /** What a cumulative `c` paid for model `index` of the chain owes each model (the license then the ancestors). */
  const owed = (index: number, c: bigint, bps = bpsOf[index] as bigint) =>
    chain.map((_, j) => (j === index ? (c * bps) / 10_000n : j < index ? (c * (bpsOf[j] as bigint)) / 10_000n : 0n))
  const plus = (a: bigint[], b: bigint[]) => a.map((x, i) => x + (b[i] as bigint))
  const minus = (a: bigint[], b: bigint[]) => a.map((x, i) => x - (b[i] as bigint))

  beforeAll(async () => {
    m = await deployMarket()
    for (const who of [alice, bob, miner]) await m.mint(who, 10n ** 12n)
    chain.push(await m.register(alice, [], { royaltyBps: Number(bpsOf[0]) }))
    for (let i = 1; i < 8; i++) {
      await m.buy(bob, chain[i - 1] as bigint)
      chain.push(await m.register(bob, [chain[i - 1] as bigint], { royaltyBps: Number(bpsOf[i]) }))
    }
    const [ids] = (await m.must(alice, m.registry, modelRegistryAbi, 'royaltyRoute', [chain[7]])) as [bigint[]]
    expect(ids).toEqual([...chain.slice(0, 7)].reverse())
  })

  it('7 ancestors (second route word): settle, rebind, unbind, close — credits equal the retained, once', async () => {
    const leaf = chain[7] as bigint
    const first = await m.buy(miner, leaf)
    const start = await credited()
    const paidBefore = await m.balance(miner)
    const channel = await m.open(miner, 1_000_000n)
    await claim(channel, 10_001n, leaf)
    await m.settle(channel)
    await m.settle(channel) // a no-op
    expect(minus(await credited(), start)).toEqual(owed(7, 10_001n))
    await claim(channel, 54_321n, leaf)
    // The license renewed with another royalty (terms changed): the next claim settles the old one and rebinds.
    await m.must(bob, m.registry, modelRegistryAbi, 'setTerms', [leaf, defaultTerms(usd(), { royaltyBps: 2_000 })])
    // The first revoked (its claims keep a grace), a new one bought: it takes the active slot.
    await m.must(bob, m.licenses, licensesAbi, 'revoke', [first])
    const renewed = await m.buy(miner, leaf)
    await claim(channel, 99_999n, leaf)
    expect((await m.unsettled(channel)).licenseId).toBe(renewed)
    const underFirst = owed(7, 54_321n)
    const underRenewed = minus(owed(7, 99_999n, 2_000n), owed(7, 54_321n, 2_000n))
    expect(minus(await credited(), start)).toEqual(underFirst)
    // A plain voucher leaves the fast path (settles, clears the settled slot), then the payee closes.
    const r = await m.call(miner, m.pc, paymentChannelsAbi, 'claim', [await m.voucher(channel, 100_000n)])
    expect(r.ok).toBe(true)
    await m.settle(channel)
    await m.must(miner, m.pc, paymentChannelsAbi, 'closeByPayee', [channel])
    await m.settle(channel)
    const total = minus(await credited(), start)
    expect(total).toEqual(plus(underFirst, underRenewed))
    // What the payee received is the rest: retained at the claims = credited at the settlements, to the unit.
    const retained = total.reduce((a, b) => a + b, 0n)
    expect((await m.balance(miner)) - paidBefore).toBe(100_000n - retained)
  })

  it('each route depth 0–7: a close settles what the claims retained (active-slot route vs cache)', async () => {
    for (let depth = 0; depth < 8; depth++) {
      const model = chain[depth] as bigint
      await m.buy(miner, model)
      const start = await credited()
      const paidBefore = await m.balance(miner)
      const channel = await m.open(miner, 1_000_000n)
      await claim(channel, 77_777n, model)
      const retained = 77_777n - ((await m.balance(miner)) - paidBefore)
      await m.must(miner, m.pc, paymentChannelsAbi, 'closeByPayee', [channel])
      const gained = minus(await credited(), start)
      expect(gained, `depth ${depth}`).toEqual(owed(depth, 77_777n, depth === 7 ? 2_000n : undefined))
      expect(
        gained.reduce((a, b) => a + b, 0n),
        `depth ${depth}`,
      ).toBe(retained)
    }
  })

  it('a close after the bound license was revoked and expired, long past every grace, still settles', async () => {
    // A timed derivative of chain[5]: 6 ancestors (the second route word), licenses of 1,000 s.
    const side = await m.register(bob, [chain[5] as bigint], { royaltyBps: 500, licenseDuration: 1_000n })
    const sideCredit = async () =>
      (await m.must(alice, m.pc, paymentChannelsAbi, 'royaltiesOf', [side, usd()])) as bigint
    const license = await m.buy(miner, side)
    const start = await credited()
    const a = await m.open(miner, 1_000_000n)
    const b = await m.open(miner, 1_000_000n)
    await claim(a, 12_345n, side)
    await claim(b, 6_789n, side)
    await m.must(bob, m.licenses, licensesAbi, 'revoke', [license])
    m.chain.now += 10n * WINDOW + 1_000n
    expect(await m.must(alice, m.licenses, licensesAbi, 'isValid', [license])).toBe(false)
    // The payer's close after the window, and the payee's at once: neither is stuck, both credit the route.
    await m.must(payer, m.pc, paymentChannelsAbi, 'requestClose', [a])
    m.chain.now += WINDOW + 1n
    const refund = await m.balance(payer)
    await m.must(payer, m.pc, paymentChannelsAbi, 'withdraw', [a])
    expect((await m.balance(payer)) - refund).toBe(1_000_000n - 12_345n)
    await m.must(miner, m.pc, paymentChannelsAbi, 'closeByPayee', [b])
    expect(minus(await credited(), start)).toEqual(plus(owed(6, 12_345n, 0n), owed(6, 6_789n, 0n)))
    expect(await sideCredit()).toBe((12_345n * 500n) / 10_000n + (6_789n * 500n) / 10_000n)
  })
})

describe('Float32 corners against the training engine', () => {
  let harness: Awaited<ReturnType<typeof deployHarness>>
  beforeAll(async () => {
    harness = await deployHarness()
  })
  const check = async (cases: Case[]) => {
    const got = await harness.applyMany(cases)
    const bad = cases.flatMap((c, i) =>
      got[i] === reference(c.op, c.a, c.b) ? [] : [describeCase(c, got[i] as number)],
    )
    expect(bad.slice(0, 10)).toEqual([])
  }
  const both = (op: Op, a: number, b: number): Case[] => [
    { op, a, b },
    { op, a: b, b: a },
    { op, a: (a | 0x80000000) >>> 0, b },
  ]

  it('results at the overflow threshold (largest finite, the tie to ∞, just past it)', async () => {
    const max = 0x7f7fffff
    const cases: Case[] = [
      ...both(0, max, 0x72ffffff), // below the tie: the largest finite
      ...both(0, max, 0x73000000), // the tie: to ∞ (even)
      ...both(0, max, 0x73000001),
      ...both(0, 0x7f000000, 0x7f000000), // 2^128 exactly
      ...both(0, 0x7effffff, 0x7f000000),
      ...both(2, max, 0x3f800001), // max · (1 + ulp)
      ...both(2, max, 0x3f800000),
      ...both(2, 0x5f7fffff, 0x5f800000),
      ...both(2, 0x5f800000, 0x5f800000), // 2^128
      ...both(2, 0x5f7fffff, 0x5f7fffff),
      ...both(2, 0x7f000000, 0x40000000),
      ...both(2, 0x7effffff, 0x40000000),
      ...both(3, max, 0x3f7fffff), // max / (1 − ulp)
      ...both(3, max, 0x3f800000),
      ...both(3, 0x7f000000, 0x3f000000), // 2^127 / 0.5 = 2^128
      ...both(3, max, 0x00000001), // over the smallest subnormal
      ...both(3, 0x3f800000, 0x00000001), // 1 / 2^-149 = 2^149
      ...both(3, 0x3f800000, 0x00400000), // 1 / 2^-127 = 2^127
      ...both(3, 0x3f800000, 0x003fffff), // just past 2^127… below 2^128?
      ...both(3, 0x3f800000, 0x00200000), // 2^128
    ]
    // Products and quotients of significands near all-ones at exponents that land on 2^127.
    const next = seededUint32(5)
    for (let i = 0; i < 600; i++) {
      const fa = 0x7fff00 | (next() & 0xff)
      const fb = 0x7fff00 | (next() & 0xff)
      const ea = 127 + (next() % 127)
      cases.push({ op: 2, a: compose(0, ea, fa), b: compose(0, Math.min(254, 380 - ea + (next() % 3)), fb) })
      cases.push({ op: 3, a: compose(0, 254, fa), b: compose(0, 126 + (next() % 2), fb) })
      cases.push({ op: 0, a: compose(0, 254, fa), b: compose(0, 230 + (next() % 3), fb) })
    }
    await check(cases)
  })

  it('subnormal × large, √ of subnormals, quotients that are exact subnormal ties', async () => {
    const cases: Case[] = []
    const next = seededUint32(7)
    for (let i = 0; i < 1500; i++) {
      const sub = 1 + (next() % 0x7fffff) // a subnormal
      const small = [1, 2, 3, 5, 0x7fffff, 0x400000, 0x400001][i % 7] as number
      const large = compose(0, 127 + (next() % 128), next() & 0x7fffff)
      cases.push({ op: 2, a: sub, b: large }, { op: 2, a: small, b: large }, { op: 4, a: sub, b: 0 })
      cases.push({ op: 3, a: sub, b: large })
      // A power of two divisor (or multiplier 2^-k): exact shifts, half of them ties below the last place.
      const k = 1 + (next() % 30)
      cases.push({ op: 3, a: sub, b: compose(0, 127 + k, 0) }, { op: 2, a: sub, b: compose(0, 127 - k, 0) })
      // A small normal shifted into the subnormals: ties at every place.
      const normal = compose(0, 1 + (next() % 24), next() & 0x7fffff)
      cases.push({ op: 3, a: normal, b: compose(0, 127 + k, 0) }, { op: 2, a: normal, b: compose(0, 127 - k, 0) })
    }
    for (const s of [1, 2, 3, 4, 8, 9, 0x400000, 0x7fffff, 0x800000]) cases.push({ op: 4, a: s, b: 0 })
    await check(cases)
  })
})
