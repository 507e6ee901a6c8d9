/**
 * Fourth audit of the model market (issue #14): attacks on the real compiled contracts (in-process EVM) against the
 * lazy royalty settlement of model channels (commit 1206ff4: a model channel bound to the payee's license at its
 * first claim, claims that retain the route's royalty without crediting it, settlement at the close, on a license
 * change, on leaving the fast path or by anyone through `settleRoyalties`). Each test asserts the SAFE behaviour;
 * C1's test failed before its fix, the others are regression checks of what was verified. Findings and what was
 * checked without one are in attacks4.md; the earlier audits' (attacks.pending.md, attacks2.md, attacks3.md) are not
 * repeated here.
 */

import type { Address as EvmAddress } from '@ethereumjs/util'
import { licensesAbi, modelRegistryAbi, paymentChannelsAbi } from '@mycel/sdk'
import fc from 'fast-check'
import { encodeFunctionData, getAddress, hexToBytes, numberToHex, size } from 'viem'
import { beforeEach, describe, expect, it } from 'vitest'
import { type Claim, deployMarket, type Market, payer, WINDOW } from './helpers/market.ts'

const alice = getAddress('0x000000000000000000000000000000000000a11c') // model owner
const bob = getAddress('0x0000000000000000000000000000000000000b0b') // derivative's owner
const miner = getAddress('0x00000000000000000000000000000000000000f1') // payee, license buyer

const DAY = 86_400n
/** The EIP-7825 cap on one transaction's gas. */
const TX_GAS_CAP = 16_777_216n
/** Licenses' `_licenseCount` (after ERC721's six slots: name, symbol, owners, balances, approvals, operators). */
const LICENSE_COUNT_SLOT = 6n

let m: Market
const channels: bigint[] = [] // every channel a test opened, for the conservation check
beforeEach(async () => {
  m = await deployMarket()
  channels.length = 0
  for (const who of [alice, bob, miner]) await m.mint(who, 10n ** 12n)
})

const open = async (amount: bigint) => {
  const channel = await m.open(miner, amount)
  channels.push(channel)
  return channel
}
/** A model channel's voucher: it pays `modelId` the whole cumulative amount. */
const whole = (channel: bigint, amount: bigint, modelId: bigint) =>
  m.voucher(channel, amount, [{ modelId, cumulativeAmount: amount }])
const claim = (c: Claim) => m.call(miner, m.pc, paymentChannelsAbi, 'claim', [c])
const mustClaim = (c: Claim) => m.must(miner, m.pc, paymentChannelsAbi, 'claim', [c])
const royaltiesOf = async (modelId: bigint) =>
  (await m.must(alice, m.pc, paymentChannelsAbi, 'royaltiesOf', [modelId, m.usd.toString()])) as bigint
const activeId = async (modelId: bigint) =>
  ((await m.must(miner, m.licenses, licensesAbi, 'activeLicense', [miner, modelId])) as { licenseId: bigint }).licenseId

/**
 * PaymentChannels' token balance = unclaimed deposits of open channels + retained-unsettled royalties of model
 * channels + credited-unreleased royalties of `models` (the conservation every path must keep, to the unit).
 */
async function expectConserved(models: bigint[]) {
  let expected = 0n
  for (const channel of channels) {
    const r = await m.call(alice, m.pc, paymentChannelsAbi, 'getChannel', [channel])
    if (!r.ok) continue // closed
    const { deposit, claimed } = r.result as { deposit: bigint; claimed: bigint }
    expected += deposit - claimed
    for (const due of (await m.unsettled(channel)).royalties) expected += due
  }
  for (const id of models) expected += await royaltiesOf(id)
  expect(await m.balance(m.pc)).toBe(expected)
}

/** Writes Licenses' license counter, so the next purchase gets id `next` (ids that far cannot be bought in a test). */
async function setNextLicenseId(next: bigint) {
  const key = hexToBytes(numberToHex(LICENSE_COUNT_SLOT, { size: 32 }))
  await m.chain.evm.stateManager.putStorage(m.licenses, key, hexToBytes(numberToHex(next - 1n, { size: 32 })))
  expect(await m.must(alice, m.licenses, licensesAbi, 'licenseCount')).toBe(next - 1n)
}

describe('C1 the cumulative floors of a route can rise by more than a claim pays', () => {
  // Route: leaf at 4,000 bps (the miner's license), root at 5,000 (fixed when bob registered the leaf). From 9 to
  // 10 both floors tick: floor(10·0.4) − floor(9·0.4) = 1 and floor(10·0.5) − floor(9·0.5) = 1, so the claim must
  // retain 2 of the 1 it pays. Before the fix `paid − royalties` underflowed: Panic(0x11), no reason, and the whole
  // claimBatch that carried the voucher with it.
  async function route() {
    const root = await m.register(alice, [], { royaltyBps: 5_000 })
    await m.buy(bob, root)
    const leaf = await m.register(bob, [root], { royaltyBps: 4_000 })
    await m.buy(miner, leaf)
    return { root, leaf }
  }

  it('a model channel: the claim reverts with PaymentChannelsRoyaltiesOverClaim, nothing moves, a larger voucher pays', async () => {
    const { root, leaf } = await route()
    const channel = await open(1_000_000n)
    await mustClaim(await whole(channel, 9n, leaf))
    const before = await m.balance(miner)
    expect(await m.fails(miner, m.pc, paymentChannelsAbi, 'claim', [await whole(channel, 10n, leaf)])).toEqual({
      errorName: 'PaymentChannelsRoyaltiesOverClaim',
      args: [channel, 2n, 1n],
    })
    // The next voucher whose increase covers the route's floors pays (here all of it to the route).
    await mustClaim(await whole(channel, 11n, leaf))
    expect(await m.balance(miner)).toBe(before)
    await m.settle(channel)
    expect([await royaltiesOf(leaf), await royaltiesOf(root)]).toEqual([4n, 5n]) // floor(11·0.4), floor(11·0.5)
    await expectConserved([leaf, root])
  })

  it('a general split: the same named error', async () => {
    const { root, leaf } = await route()
    const channel = await open(1_000_000n)
    await mustClaim(await m.voucher(channel, 20n, [{ modelId: leaf, cumulativeAmount: 9n }]))
    expect(
      await m.fails(miner, m.pc, paymentChannelsAbi, 'claim', [
        await m.voucher(channel, 21n, [{ modelId: leaf, cumulativeAmount: 10n }]),
      ]),
    ).toEqual({ errorName: 'PaymentChannelsRoyaltiesOverClaim', args: [channel, 2n, 1n] })
    await expectConserved([leaf, root])
  })
})

describe('C1 property: a claim pays the payee its increase less the route floors, or reverts by name', () => {
  it('property: over random routes and claim pairs the payee never gets a negative share and credits equal the floors of the end', async () => {
    // Three routes: 40 % + 50 %, three entries at 33.33 %, two at 50 % (a 100 % route: the overshoot at any size).
    const routes: { leaf: bigint; models: bigint[]; bps: bigint[] }[] = []
    for (const levels of [
      [5_000, 4_000],
      [3_333, 3_333, 3_333],
      [5_000, 5_000],
    ]) {
      const owner = levels.length === 3 ? bob : alice
      let id = await m.register(owner, [], { royaltyBps: levels[0] ?? 0 })
      const models = [id]
      for (const bps of levels.slice(1)) {
        await m.buy(owner, id)
        id = await m.register(owner, [id], { royaltyBps: bps })
        models.unshift(id) // the leaf first, as the route is read
      }
      await m.buy(miner, id)
      routes.push({ leaf: id, models, bps: [...levels].reverse().map(BigInt) })
    }
    const owedBy = (amount: bigint, bps: bigint[]) => bps.map((b) => (amount * b) / 10_000n)
    const sum = (xs: bigint[]) => xs.reduce((a, b) => a + b, 0n)
    let overshoots = 0
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 2 }),
        fc.bigInt({ min: 1n, max: 2_000n }),
        fc.bigInt({ min: 1n, max: 60n }),
        async (which, a, d) => {
          const route = routes[which]
          if (!route) throw new Error('no route')
          await m.chain.evm.stateManager.checkpoint()
          try {
            const channel = await m.open(miner, 1_000_000n)
            const before = await Promise.all(route.models.map(royaltiesOf))
            await mustClaim(await whole(channel, a, route.leaf))
            const paidBefore = await m.balance(miner)
            const b = a + d
            const due = sum(owedBy(b, route.bps)) - sum(owedBy(a, route.bps))
            const r = await claim(await whole(channel, b, route.leaf))
            if (due > d) {
              overshoots++
              expect(r.ok).toBe(false)
              expect(
                await m.fails(miner, m.pc, paymentChannelsAbi, 'claim', [await whole(channel, b, route.leaf)]),
              ).toEqual({ errorName: 'PaymentChannelsRoyaltiesOverClaim', args: [channel, due, d] })
            } else {
              expect(r.ok).toBe(true)
              expect((await m.balance(miner)) - paidBefore).toBe(d - due)
            }
            await m.settle(channel)
            const end = due > d ? a : b
            const credited = (await Promise.all(route.models.map(royaltiesOf))).map((x, i) => x - (before[i] ?? 0n))
            expect(credited).toEqual(owedBy(end, route.bps))
          } finally {
            await m.chain.evm.stateManager.revert()
          }
        },
      ),
      { numRuns: 120 },
    )
    expect(overshoots).toBeGreaterThan(0) // the generator reaches the case
  })
})

describe('EIP-7825: the heaviest lazy-settlement transactions fit one transaction', () => {
  it('claimBatch of 100 model channels that all rebind (8-model route), then settleRoyalties of 100', async () => {
    let parent = await m.register(alice, [], { royaltyBps: 500 })
    for (let depth = 1; depth < 8; depth++) {
      await m.buy(alice, parent)
      parent = await m.register(alice, [parent], { royaltyBps: 500 })
    }
    const leaf = parent
    await m.buy(miner, leaf)
    const ids: bigint[] = []
    for (let i = 0; i < 100; i++) {
      const channel = await open(100_000n)
      ids.push(channel)
      await mustClaim(await whole(channel, 10_000n, leaf)) // bound to the first license
    }
    const renewed = await m.buy(miner, leaf)
    await m.must(miner, m.licenses, licensesAbi, 'activate', [renewed])
    const vouchers = await Promise.all(ids.map((channel, i) => whole(channel, 20_000n + BigInt(i), leaf)))
    const batch = await m.chain.call(miner, m.pc, paymentChannelsAbi, 'claimBatch', [vouchers], {
      gasLimit: 30_000_000n,
    })
    expect(batch.ok).toBe(true)
    const bytes = BigInt(
      size(encodeFunctionData({ abi: paymentChannelsAbi, functionName: 'claimBatch', args: [vouchers] })),
    )
    // 21,000 + EIP-7623's 40 gas per calldata byte (an upper bound) + execution.
    expect(21_000n + 40n * bytes + batch.gasUsed).toBeLessThan(TX_GAS_CAP)
    const settle = await m.chain.call(alice, m.pc, paymentChannelsAbi, 'settleRoyalties', [ids], {
      gasLimit: 30_000_000n,
    })
    expect(settle.ok).toBe(true)
    expect(settle.gasUsed).toBeLessThan(TX_GAS_CAP / 2n)
    console.info(
      `GAS claimBatch of 100 rebinding model channels (8-model route): ${batch.gasUsed} execution, ${bytes} bytes`,
    )
    console.info(`GAS settleRoyalties of 100 model channels (8-model route): ${settle.gasUsed}`)
    expect((await m.unsettled(ids[0] ?? 0n)).amount).toBe(0n)
  })
})

describe('verified safe: lazy settlement credits exactly what the claims retained', () => {
  it('rebinding between licenses of different royalty, back again, then leaving the fast path and closing: exact credits, conservation to the unit', async () => {
    const root = await m.register(alice, [], { royaltyBps: 1_000 })
    const l1 = await m.buy(miner, root) // 10 %
    const terms = (await m.must(alice, m.registry, modelRegistryAbi, 'termsOf', [root])) as Record<string, unknown>
    await m.must(alice, m.registry, modelRegistryAbi, 'setTerms', [root, { ...terms, royaltyBps: 2_000 }])
    const l2 = await m.buy(miner, root) // 20 %, not active (the active one is perpetual too)
    const channel = await open(1_000_000n)
    const paidTo = async () => m.balance(miner)
    const start = await paidTo()

    await mustClaim(await whole(channel, 10_001n, root)) // bound to l1, retains floor(10,001·0.1) = 1,000
    expect((await m.unsettled(channel)).licenseId).toBe(l1)
    await m.must(miner, m.licenses, licensesAbi, 'activate', [l2])
    await mustClaim(await whole(channel, 20_003n, root)) // settles l1 [0, 10,001]; retains 4,000 − 2,000 at 20 %
    expect(await royaltiesOf(root)).toBe(1_000n)
    expect(await m.unsettled(channel)).toMatchObject({ licenseId: l2, amount: 10_002n, royalties: [2_000n] })
    await m.must(miner, m.licenses, licensesAbi, 'activate', [l1]) // back to 10 %
    await mustClaim(await whole(channel, 30_007n, root)) // settles l2; retains 3,000 − 2,000 at 10 %
    expect(await royaltiesOf(root)).toBe(3_000n)
    await expectConserved([root])
    // Anyone settles, twice, in any order with a claim: no second credit.
    await m.settle(channel, channel)
    await m.settle(channel)
    expect(await royaltiesOf(root)).toBe(4_000n)
    // A general voucher takes it off the fast path: modelClaimed goes on from the channel's claimed amount.
    await mustClaim(await m.voucher(channel, 40_000n, [{ modelId: root, cumulativeAmount: 35_000n }]))
    expect(await m.unsettled(channel)).toMatchObject({ licenseId: 0n, amount: 0n })
    expect(await m.must(alice, m.pc, paymentChannelsAbi, 'modelClaimed', [channel, root])).toBe(35_000n)
    expect(await royaltiesOf(root)).toBe(4_000n + 500n) // floor(35,000·0.1) − floor(30,007·0.1)
    await expectConserved([root])
    await m.must(miner, m.pc, paymentChannelsAbi, 'closeByPayee', [channel])
    await m.settle(channel)
    expect(await royaltiesOf(root)).toBe(4_500n)
    expect((await paidTo()) - start).toBe(40_000n - 4_500n)
    await expectConserved([root])
  })

  it('license ids at the 24-bit boundary: 2^24 − 1 binds; a renewal to 2^24 leaves the fast path with the same credits', async () => {
    const root = await m.register(alice, [], { royaltyBps: 1_000 })
    await setNextLicenseId(2n ** 24n - 1n)
    const last = await m.buy(miner, root)
    expect(last).toBe(2n ** 24n - 1n)
    const channel = await open(1_000_000n)
    await mustClaim(await whole(channel, 10_000n, root))
    expect((await m.unsettled(channel)).licenseId).toBe(last)
    const big = await m.buy(miner, root) // 2^24: no room in the channel's slot
    await m.must(miner, m.licenses, licensesAbi, 'activate', [big])
    expect(await activeId(root)).toBe(2n ** 24n)
    await mustClaim(await whole(channel, 20_000n, root))
    // The old license settled [0, 10,000], the new one credited at the claim [10,000, 20,000]; no binding left.
    expect(await royaltiesOf(root)).toBe(2_000n)
    expect(await m.unsettled(channel)).toMatchObject({ licenseId: 0n, amount: 0n })
    expect(await m.must(alice, m.pc, paymentChannelsAbi, 'modelClaimed', [channel, root])).toBe(20_000n)
    // A fresh channel under that license never binds: credited at every claim.
    const fresh = await open(1_000_000n)
    await mustClaim(await whole(fresh, 5_000n, root))
    expect((await m.unsettled(fresh)).licenseId).toBe(0n)
    expect(await royaltiesOf(root)).toBe(2_500n)
    await expectConserved([root])
  })

  it('a close always settles: a license expired days ago, a route of 8 models, bounded gas, and nothing left behind', async () => {
    let parent = await m.register(alice, [], { royaltyBps: 500 })
    const lineage = [parent]
    for (let depth = 1; depth < 8; depth++) {
      await m.buy(alice, parent)
      parent = await m.register(alice, [parent], { royaltyBps: 500, licenseDuration: depth === 7 ? DAY : 0n })
      lineage.push(parent)
    }
    const leaf = parent
    await m.buy(miner, leaf)
    const channel = await open(1_000_000n)
    await mustClaim(await whole(channel, 100_003n, leaf))
    m.chain.now += 10n * DAY // the license expired long ago: claims refuse it, the close must not
    expect((await claim(await whole(channel, 200_000n, leaf))).ok).toBe(false)
    await m.must(payer, m.pc, paymentChannelsAbi, 'requestClose', [channel])
    m.chain.now += WINDOW + 1n
    const payerBefore = await m.balance(payer)
    const r = await m.chain.call(payer, m.pc as EvmAddress, paymentChannelsAbi, 'withdraw', [channel])
    expect(r.ok).toBe(true)
    expect(r.gasUsed).toBeLessThan(400_000n) // 8 cold credit slots, two views: far below any cap
    console.info(`GAS withdraw settling a route of 8 models (cold credits): ${r.gasUsed}`)
    expect((await m.balance(payer)) - payerBefore).toBe(1_000_000n - 100_003n)
    for (const id of lineage) expect(await royaltiesOf(id)).toBe(5_000n) // floor(100,003·0.05) each
    await m.settle(channel) // closed: nothing
    for (const id of lineage) expect(await royaltiesOf(id)).toBe(5_000n)
    await expectConserved(lineage)
  })

  it('B1 holds on a bound channel: revoking an expired license keeps the hour; a renewal rebinds and pays again', async () => {
    const id = await m.register(alice, [], { licenseDuration: DAY })
    const license = await m.buy(miner, id)
    const { expiresAt } = (await m.must(alice, m.licenses, licensesAbi, 'getLicense', [license])) as {
      expiresAt: bigint
    }
    const channel = await open(1_000_000n)
    await mustClaim(await whole(channel, 1_000n, id))
    m.chain.now = expiresAt + 1n
    await m.must(alice, m.licenses, licensesAbi, 'revoke', [license]) // after its expiry: the end stays the expiry
    m.chain.now = expiresAt + 3_600n
    expect(
      (await m.fails(miner, m.pc, paymentChannelsAbi, 'claim', [await whole(channel, 2_000n, id)])).errorName,
    ).toBe('PaymentChannelsLicenseExpired')
    const renewed = await m.buy(miner, id)
    await mustClaim(await whole(channel, 2_000n, id))
    expect((await m.unsettled(channel)).licenseId).toBe(renewed)
    expect(await royaltiesOf(id)).toBe(100n) // the expired license settled [0, 1,000] at the rebind
    await expectConserved([id])
  })
})
