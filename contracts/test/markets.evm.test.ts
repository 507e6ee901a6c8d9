/**
 * The model market on the real compiled contracts (in-process EVM): ModelRegistry (registration, lineage, cycles,
 * the bound of 8, royalty totals, terms by the owner only, fractionalization), Licenses (mint fee, snapshot,
 * expiry, revocation, the active-license rule on transfer, release to the recipient by anyone) and PaymentChannels'
 * model split (exact credits up a two-level route, every named error, a forged split, the batch skip rule).
 *
 * Longer than 400 lines: every rule of the issue for the three contracts, over one deployment per block.
 */
import { licensesAbi, modelRegistryAbi, paymentChannelsAbi, toContractTerms } from '@mycel/sdk'
import { type Address, getAddress } from 'viem'
import { beforeAll, describe, expect, it } from 'vitest'
import { defaultTerms, deployMarket, type Market, payer, WINDOW } from './helpers/market.ts'

const alice = getAddress('0x000000000000000000000000000000000000a11c') // model owner
const bob = getAddress('0x0000000000000000000000000000000000000b0b') // derivative author
const miner = getAddress('0x00000000000000000000000000000000000000f1') // payee
const stranger = getAddress('0x00000000000000000000000000000000000000e5')
const vault = getAddress('0x000000000000000000000000000000000000fa17')
const timelock = getAddress('0x0000000000000000000000000000000000007104')
const same = (a: unknown, b: string) => expect(String(a).toLowerCase()).toBe(b.toLowerCase())

async function setup(): Promise<Market> {
  const m = await deployMarket()
  for (const who of [alice, bob, miner, stranger]) await m.mint(who, 10n ** 12n)
  return m
}

const route = async (m: Market, id: bigint) => {
  const [ids, bps] = (await m.must(alice, m.registry, modelRegistryAbi, 'royaltyRoute', [id])) as [bigint[], bigint[]]
  return ids.map((modelId, i) => [modelId, bps[i]])
}

describe('ModelRegistry', () => {
  let m: Market
  beforeAll(async () => {
    m = await setup()
  })

  it('registers a model with its CIDs, format and terms; the owner receives its royalties', async () => {
    const id = await m.register(alice, [], { royaltyBps: 500 })
    const model = (await m.must(alice, m.registry, modelRegistryAbi, 'getModel', [id])) as Record<string, unknown>
    expect(model).toMatchObject({ weightsCid: 'bafkreiweights', cardCid: 'bafkreicard', format: 'onnx', parents: [] })
    same(await m.must(alice, m.registry, modelRegistryAbi, 'ownerOf', [id]), alice)
    const terms = (await m.must(alice, m.registry, modelRegistryAbi, 'termsOf', [id])) as Record<string, unknown>
    expect(terms).toMatchObject({ royaltyBps: 500, hasTerms: true, commercialUse: true })
    same(await m.must(alice, m.registry, modelRegistryAbi, 'royaltyRecipient', [id]), alice)
  })

  it('refuses bad strings, too many or duplicate parents, unknown parents (so no cycle can form), no currency', async () => {
    const none = toContractTerms(undefined)
    const reg = (w: string, parents: bigint[] = [], format = 'gguf', terms = none) =>
      m.fails(alice, m.registry, modelRegistryAbi, 'register', [w, 'card', format, parents, terms])
    expect((await reg('')).args).toEqual(['weightsCid', 0n, 128n])
    expect((await reg('x'.repeat(129))).args).toEqual(['weightsCid', 129n, 128n])
    expect((await reg('w', [], 'f'.repeat(33))).args).toEqual(['format', 33n, 32n])
    const root = await m.register(alice, [], null)
    expect((await reg('w', [root, root])).errorName).toBe('ModelRegistryDuplicateParent')
    expect((await reg('w', [root, root, root, root, root])).args).toEqual([5n, 4n])
    const count = (await m.must(alice, m.registry, modelRegistryAbi, 'modelCount')) as bigint
    // The id this registration would get is not an existing model: a model can never be its own ancestor, and
    // parents never change, so the lineage graph stays acyclic.
    expect(await reg('w', [count + 1n])).toEqual({ errorName: 'ModelRegistryUnknownModel', args: [count + 1n] })
    expect((await reg('w', [0n])).errorName).toBe('ModelRegistryUnknownModel')
    const noCurrency = { ...defaultTerms(m.usd.toString()), currency: '0x0000000000000000000000000000000000000000' }
    expect((await reg('w', [], 'onnx', noCurrency as never)).errorName).toBe('ModelRegistryNoCurrency')
  })

  it('registers a derivative only with a valid license of each parent whose terms allow derivatives', async () => {
    const open = await m.register(alice, [], { royaltyBps: 800 })
    const closed = await m.register(alice, [], { derivativesAllowed: false })
    const free = await m.register(alice, [], null)
    const reg = (parents: bigint[]) =>
      m.fails(bob, m.registry, modelRegistryAbi, 'register', ['w', 'c', 'onnx', parents, toContractTerms(undefined)])
    expect(await reg([open])).toEqual({ errorName: 'ModelRegistryParentLicenseRequired', args: [open, bob] })
    await m.buy(bob, closed)
    expect(await reg([closed])).toEqual({ errorName: 'ModelRegistryDerivativesNotAllowed', args: [closed] })
    await m.buy(bob, open)
    // A parent without terms needs no license and takes no royalty.
    const child = await m.register(bob, [open, free], { royaltyBps: 200 })
    expect(await route(m, child)).toEqual([
      [open, 800n],
      [free, 0n],
    ])
    const grandchild = await m.register(bob, [child], null).catch((e: Error) => e.message)
    expect(grandchild).toMatch(/ModelRegistryParentLicenseRequired/)
    await m.buy(bob, child)
    // A model whose ancestors take royalties needs terms of its own (attacks.markets.evm.test.ts shows why).
    const g = await m.register(bob, [child], { royaltyBps: 0 })
    // The parent at the bps of the registrant's license, then the parent's own route.
    expect(await route(m, g)).toEqual([
      [child, 200n],
      [open, 800n],
      [free, 0n],
    ])
  })

  it('deduplicates the lineage and bounds it at 8 models (ModelRegistryLineageTooDeep)', async () => {
    const a = await m.register(alice, [], null)
    const b = await m.register(alice, [a], null)
    const c = await m.register(alice, [a], null)
    const d = await m.register(alice, [b, c], null)
    expect((await route(m, d)).map(([id]) => id)).toEqual([b, a, c])
    let tip = a
    for (let depth = 2; depth <= 8; depth++) tip = await m.register(alice, [tip], null)
    expect((await route(m, tip)).length).toBe(7)
    const deeper = await m.fails(alice, m.registry, modelRegistryAbi, 'register', [
      'w',
      'c',
      'onnx',
      [tip],
      toContractTerms(undefined),
    ])
    expect(deeper).toEqual({ errorName: 'ModelRegistryLineageTooDeep', args: [9n, 8n] })
  })

  it('keeps the route total within 10,000 bps, at registration and on every change of terms', async () => {
    const root = await m.register(alice, [], { royaltyBps: 6_000 })
    await m.buy(bob, root)
    const over = defaultTerms(m.usd.toString(), { royaltyBps: 4_001 })
    expect(await m.fails(bob, m.registry, modelRegistryAbi, 'register', ['w', 'c', 'onnx', [root], over])).toEqual({
      errorName: 'ModelRegistryRoyaltyTooHigh',
      args: [10_001n, 10_000n],
    })
    const child = await m.register(bob, [root], { royaltyBps: 4_000 })
    expect((await m.fails(bob, m.registry, modelRegistryAbi, 'setTerms', [child, over])).errorName).toBe(
      'ModelRegistryRoyaltyTooHigh',
    )
  })

  it('lets only the owner change terms; licenses keep the terms they were bought under', async () => {
    const id = await m.register(alice, [], { royaltyBps: 1_000 })
    const license = await m.buy(miner, id)
    const next = defaultTerms(m.usd.toString(), { royaltyBps: 2_500 })
    expect(await m.fails(stranger, m.registry, modelRegistryAbi, 'setTerms', [id, next])).toEqual({
      errorName: 'ModelRegistryNotOwner',
      args: [id, stranger],
    })
    await m.must(alice, m.registry, modelRegistryAbi, 'setTerms', [id, next])
    expect(
      ((await m.must(alice, m.registry, modelRegistryAbi, 'termsOf', [id])) as { royaltyBps: number }).royaltyBps,
    ).toBe(2_500)
    const held = (await m.must(miner, m.licenses, licensesAbi, 'getLicense', [license])) as {
      terms: { royaltyBps: number }
    }
    expect(held.terms.royaltyBps).toBe(1_000)
    expect(await m.must(miner, m.licenses, licensesAbi, 'validLicense', [miner, id])).toEqual([license, 1_000])
  })

  it('fractionalizes: the vault receives royalties, the NFT and so the terms move to the timelock', async () => {
    const id = await m.register(alice, [], {})
    expect(
      (await m.fails(stranger, m.registry, modelRegistryAbi, 'fractionalize', [id, vault, timelock])).errorName,
    ).toBe('ModelRegistryNotOwner')
    await m.must(alice, m.registry, modelRegistryAbi, 'fractionalize', [id, vault, timelock])
    same(await m.must(alice, m.registry, modelRegistryAbi, 'ownerOf', [id]), timelock)
    same(await m.must(alice, m.registry, modelRegistryAbi, 'royaltyRecipient', [id]), vault)
    same(await m.must(alice, m.registry, modelRegistryAbi, 'vaultOf', [id]), vault)
    const terms = defaultTerms(m.usd.toString(), { royaltyBps: 42 })
    expect((await m.fails(alice, m.registry, modelRegistryAbi, 'setTerms', [id, terms])).errorName).toBe(
      'ModelRegistryNotOwner',
    )
    await m.must(timelock, m.registry, modelRegistryAbi, 'setTerms', [id, terms])
    expect(await m.fails(timelock, m.registry, modelRegistryAbi, 'fractionalize', [id, vault, timelock])).toEqual({
      errorName: 'ModelRegistryAlreadyFractionalized',
      args: [id, expect.stringMatching(/fa17$/i)],
    })
  })
})

describe('Licenses', () => {
  let m: Market
  beforeAll(async () => {
    m = await setup()
  })

  it('refuses a model without terms or an unknown model, with named errors', async () => {
    const bare = await m.register(alice, [], null)
    const none = `0x${'00'.repeat(32)}`
    expect(await m.fails(miner, m.licenses, licensesAbi, 'buy', [bare, none])).toEqual({
      errorName: 'LicensesModelWithoutTerms',
      args: [bare],
    })
    expect((await m.fails(miner, m.licenses, licensesAbi, 'buy', [9_999n, none])).errorName).toBe(
      'ModelRegistryUnknownModel',
    )
  })

  it('sells only under the terms the buyer agreed to: terms changed in front of a purchase revert it (audit A1)', async () => {
    const id = await m.register(alice, [], { royaltyBps: 500, mintFee: 1_000n })
    const agreed = (await m.must(miner, m.licenses, licensesAbi, 'termsHash', [id])) as string
    // The owner raises the royalty and the fee right before the miner's purchase is mined.
    await m.must(alice, m.registry, modelRegistryAbi, 'setTerms', [
      id,
      defaultTerms(m.usd.toString(), { royaltyBps: 10_000, mintFee: 10n ** 9n }),
    ])
    const current = await m.must(miner, m.licenses, licensesAbi, 'termsHash', [id])
    const before = await m.balance(miner)
    expect(await m.fails(miner, m.licenses, licensesAbi, 'buy', [id, agreed])).toEqual({
      errorName: 'LicensesTermsChanged',
      args: [id, agreed, current],
    })
    expect(await m.balance(miner)).toBe(before)
    // Agreeing to the new terms (read again) buys under them.
    expect(await m.call(miner, m.licenses, licensesAbi, 'buy', [id, current])).toMatchObject({ ok: true })
  })

  it('holds the mint fee per model and token and releases it to the royalty recipient, whoever asks', async () => {
    const id = await m.register(alice, [], { mintFee: 25_000n })
    const before = await m.balance(miner)
    await m.buy(miner, id)
    expect(before - (await m.balance(miner))).toBe(25_000n)
    expect(await m.must(alice, m.licenses, licensesAbi, 'royaltiesOf', [id, m.usd.toString()])).toBe(25_000n)
    // Anyone may trigger the release (audit A2): the money goes to the recipient, never to the caller.
    const aliceBefore = await m.balance(alice)
    const strangerBefore = await m.balance(stranger)
    await m.must(stranger, m.licenses, licensesAbi, 'releaseRoyalties', [id, m.usd.toString()])
    expect((await m.balance(alice)) - aliceBefore).toBe(25_000n)
    expect(await m.balance(stranger)).toBe(strangerBefore)
    expect(await m.must(alice, m.licenses, licensesAbi, 'royaltiesOf', [id, m.usd.toString()])).toBe(0n)
    await m.buy(stranger, id)
    await m.must(alice, m.registry, modelRegistryAbi, 'fractionalize', [id, vault, timelock])
    // Fractionalized: the vault is the recipient, whoever calls (the former owner too).
    const aliceAfter = await m.balance(alice)
    await m.must(alice, m.licenses, licensesAbi, 'releaseRoyalties', [id, m.usd.toString()])
    expect(await m.balance(vault)).toBe(25_000n)
    expect(await m.balance(alice)).toBe(aliceAfter)
  })

  it('expires after the license duration and can be revoked by the model owner only', async () => {
    const id = await m.register(alice, [], { licenseDuration: 100n })
    const license = await m.buy(miner, id)
    expect(await m.must(miner, m.licenses, licensesAbi, 'hasValidLicense', [miner, id])).toBe(true)
    m.chain.now += 100n
    expect(await m.must(miner, m.licenses, licensesAbi, 'hasValidLicense', [miner, id])).toBe(false)
    expect((await m.fails(miner, m.licenses, licensesAbi, 'activate', [license])).errorName).toBe('LicensesExpired')
    const fresh = await m.buy(miner, id)
    expect(await m.must(miner, m.licenses, licensesAbi, 'validLicense', [miner, id])).toEqual([fresh, 1_000])
    expect(await m.fails(stranger, m.licenses, licensesAbi, 'revoke', [fresh])).toEqual({
      errorName: 'LicensesNotModelOwner',
      args: [fresh, stranger],
    })
    await m.must(alice, m.licenses, licensesAbi, 'revoke', [fresh])
    expect(await m.must(miner, m.licenses, licensesAbi, 'hasValidLicense', [miner, id])).toBe(false)
    expect((await m.fails(alice, m.licenses, licensesAbi, 'revoke', [fresh])).errorName).toBe('LicensesRevoked')
    expect((await m.fails(miner, m.licenses, licensesAbi, 'activate', [fresh])).errorName).toBe('LicensesRevoked')
  })

  it('binds a license to its buyer: no transfer, ERC-5192 locked; the active one follows buys and revocations', async () => {
    const id = await m.register(alice, [], { licenseDuration: 1_000n })
    const first = await m.buy(miner, id)
    for (const fn of ['transferFrom', 'safeTransferFrom']) {
      expect(await m.fails(miner, m.licenses, licensesAbi, fn, [miner, stranger, first])).toEqual({
        errorName: 'LicensesNonTransferable',
        args: [first],
      })
    }
    expect(await m.must(miner, m.licenses, licensesAbi, 'ownerOf', [first])).toBe(miner)
    expect(await m.must(miner, m.licenses, licensesAbi, 'locked', [first])).toBe(true)
    expect(await m.must(miner, m.licenses, licensesAbi, 'supportsInterface', ['0xb45a3c0e'])).toBe(true)
    expect((await m.fails(miner, m.licenses, licensesAbi, 'locked', [99n])).errorName).toBe('LicensesUnknownLicense')
    // A later purchase that outlasts the active license replaces it; revoking the active one leaves none active
    // until the holder activates another it holds.
    m.chain.now += 10n
    const second = await m.buy(miner, id)
    expect(await m.must(miner, m.licenses, licensesAbi, 'validLicense', [miner, id])).toEqual([second, 1_000])
    await m.must(alice, m.licenses, licensesAbi, 'revoke', [second])
    expect(await m.must(miner, m.licenses, licensesAbi, 'hasValidLicense', [miner, id])).toBe(false)
    expect((await m.fails(stranger, m.licenses, licensesAbi, 'activate', [first])).errorName).toBe('LicensesNotHolder')
    await m.must(miner, m.licenses, licensesAbi, 'activate', [first])
    expect(await m.must(miner, m.licenses, licensesAbi, 'validLicense', [miner, id])).toEqual([first, 1_000])
  })
})

describe('PaymentChannels with a model split', () => {
  let m: Market
  let root: bigint // alice's, 10 %
  let parent: bigint // bob's derivative of root, 5 %
  let leaf: bigint // bob's derivative of parent, 3 %
  const usd = () => m.usd.toString()
  const royalties = async (id: bigint) =>
    (await m.must(alice, m.pc, paymentChannelsAbi, 'royaltiesOf', [id, usd()])) as bigint
  const claim = (c: unknown) => m.call(miner, m.pc, paymentChannelsAbi, 'claim', [c])
  const fail = (c: unknown) => m.fails(miner, m.pc, paymentChannelsAbi, 'claim', [c])

  beforeAll(async () => {
    m = await setup()
    root = await m.register(alice, [], { royaltyBps: 1_000 })
    await m.buy(bob, root)
    parent = await m.register(bob, [root], { royaltyBps: 500 })
    await m.buy(bob, parent)
    leaf = await m.register(bob, [parent], { royaltyBps: 300 })
    for (const id of [root, leaf]) await m.buy(miner, id)
  })

  it('credits one model its license royalty and pays the payee the rest, exactly', async () => {
    const channel = await m.open(miner, 1_000_000n)
    const before = await m.balance(miner)
    const r = await claim(await m.voucher(channel, 10_007n, [{ modelId: root, cumulativeAmount: 6_007n }]))
    expect(r.ok).toBe(true)
    expect(await royalties(root)).toBe(600n) // floor(6007 · 1000 / 10000)
    expect((await m.balance(miner)) - before).toBe(10_007n - 600n)
    expect(await m.must(alice, m.pc, paymentChannelsAbi, 'modelClaimed', [channel, root])).toBe(6_007n)
    // The next voucher pays only the increase of each model.
    await claim(await m.voucher(channel, 20_000n, [{ modelId: root, cumulativeAmount: 9_007n }]))
    expect(await royalties(root)).toBe(900n)
    expect((await m.balance(miner)) - before).toBe(20_000n - 900n)
  })

  it('credits a derivative two levels deep up its whole route', async () => {
    const channel = await m.open(miner, 1_000_000n)
    const start = await Promise.all([leaf, parent, root].map(royalties))
    const before = await m.balance(miner)
    const r = await claim(await m.voucher(channel, 50_000n, [{ modelId: leaf, cumulativeAmount: 40_000n }]))
    expect(r.ok).toBe(true)
    const after = await Promise.all([leaf, parent, root].map(royalties))
    // leaf at the miner's license (3 %), parent at bob's license of it (5 %), root at bob's license of it (10 %).
    expect(after.map((a, i) => a - (start[i] ?? 0n))).toEqual([1_200n, 2_000n, 4_000n])
    expect((await m.balance(miner)) - before).toBe(50_000n - 7_200n)
  })

  it('still takes plain vouchers (the Voucher digest, unchanged) and refuses forged splits', async () => {
    const channel = await m.open(miner, 1_000_000n)
    expect((await claim(await m.voucher(channel, 1_000n))).ok).toBe(true)
    const signed = await m.voucher(channel, 5_000n, [{ modelId: root, cumulativeAmount: 4_000n }])
    // The miner cannot under-report: another split, or none, does not match the payer's signature.
    for (const models of [
      [{ modelId: root, cumulativeAmount: 1n }],
      [],
      [{ modelId: leaf, cumulativeAmount: 4_000n }],
    ]) {
      const forged = await fail({ ...signed, models })
      expect(forged.errorName).toBe('PaymentChannelsInvalidSigner')
    }
    expect((await claim(signed)).ok).toBe(true)
  })

  it('refuses each broken split with its own named error', async () => {
    const channel = await m.open(miner, 1_000_000n)
    const bare = await m.register(alice, [], null)
    const unlicensed = await m.register(alice, [], {})
    const noCommerce = await m.register(alice, [], { commercialUse: false })
    await m.buy(miner, noCommerce)
    const v = (amount: bigint, models: { modelId: bigint; cumulativeAmount: bigint }[]) =>
      m.voucher(channel, amount, models)
    expect(
      await fail(
        await v(100n, [
          { modelId: leaf, cumulativeAmount: 1n },
          { modelId: root, cumulativeAmount: 1n },
        ]),
      ),
    ).toEqual({
      errorName: 'PaymentChannelsSplitNotSorted',
      args: [channel, 1n],
    })
    expect((await fail(await v(100n, [{ modelId: root, cumulativeAmount: 0n }]))).errorName).toBe(
      'PaymentChannelsSplitZeroAmount',
    )
    expect(
      await fail(
        await v(100n, [
          { modelId: root, cumulativeAmount: 60n },
          { modelId: leaf, cumulativeAmount: 41n },
        ]),
      ),
    ).toEqual({ errorName: 'PaymentChannelsSplitOverAmount', args: [channel, 101n, 100n] })
    expect((await fail(await v(100n, [{ modelId: 9_999n, cumulativeAmount: 1n }]))).errorName).toBe(
      'PaymentChannelsUnknownModel',
    )
    expect((await fail(await v(100n, [{ modelId: bare, cumulativeAmount: 1n }]))).errorName).toBe(
      'PaymentChannelsModelWithoutTerms',
    )
    expect(await fail(await v(100n, [{ modelId: unlicensed, cumulativeAmount: 1n }]))).toEqual({
      errorName: 'PaymentChannelsNoValidLicense',
      args: [channel, unlicensed, expect.stringMatching(/f1$/i)],
    })
    expect((await fail(await v(100n, [{ modelId: noCommerce, cumulativeAmount: 1n }]))).errorName).toBe(
      'PaymentChannelsLicenseNotCommercial',
    )
    expect((await claim(await v(100n, [{ modelId: root, cumulativeAmount: 50n }]))).ok).toBe(true)
    expect(await fail(await v(200n, [{ modelId: root, cumulativeAmount: 49n }]))).toEqual({
      errorName: 'PaymentChannelsModelAmountTooLow',
      args: [channel, root, 49n, 50n],
    })
    // A plain voucher in between, then a split whose increase exceeds what the claim pays.
    expect((await claim(await v(150n, []))).ok).toBe(true)
    expect(await fail(await v(160n, [{ modelId: root, cumulativeAmount: 100n }]))).toEqual({
      errorName: 'PaymentChannelsSplitOverClaim',
      args: [channel, 50n, 10n],
    })
  })

  it('accepts a license that ended (expired or revoked) for one challenge period, then reverts; an unchanged model needs no license', async () => {
    const timed = await m.register(alice, [], { licenseDuration: 1_000n })
    const revocable = await m.register(alice, [], {})
    const timedLicense = await m.buy(miner, timed)
    const revLicense = await m.buy(miner, revocable)
    const channel = await m.open(miner, 1_000_000n)
    const split = (a: bigint, b: bigint) => [
      { modelId: timed, cumulativeAmount: a },
      { modelId: revocable, cumulativeAmount: b },
    ]
    expect((await claim(await m.voucher(channel, 100n, split(10n, 10n)))).ok).toBe(true)
    await m.must(alice, m.licenses, licensesAbi, 'revoke', [revLicense])
    const revokedAt = m.chain.now
    // Ended for serving at once; what was served before stays claimable for one challenge period (audit P4).
    expect(await m.must(miner, m.licenses, licensesAbi, 'hasValidLicense', [miner, revocable])).toBe(false)
    expect((await claim(await m.voucher(channel, 200n, split(20n, 20n)))).ok).toBe(true)
    m.chain.now = revokedAt + WINDOW - 1n
    expect((await claim(await m.voucher(channel, 300n, split(30n, 30n)))).ok).toBe(true)
    m.chain.now = revokedAt + WINDOW
    expect(await fail(await m.voucher(channel, 400n, split(40n, 40n)))).toEqual({
      errorName: 'PaymentChannelsLicenseExpired',
      args: [channel, revocable, revLicense, revokedAt],
    })
    // The payee's way out after the grace: a voucher that pays no more for the ended model still settles.
    expect((await claim(await m.voucher(channel, 400n, split(40n, 30n)))).ok).toBe(true)
    // The timed license ends 1,000 s after its purchase; claims accept it until one window after that.
    const expiresAt = (
      (await m.must(miner, m.licenses, licensesAbi, 'activeLicense', [miner, timed])) as {
        expiresAt: bigint
      }
    ).expiresAt
    m.chain.now = expiresAt + WINDOW - 1n
    expect((await claim(await m.voucher(channel, 500n, split(50n, 30n)))).ok).toBe(true)
    m.chain.now = expiresAt + WINDOW
    expect(await fail(await m.voucher(channel, 600n, split(60n, 30n)))).toEqual({
      errorName: 'PaymentChannelsLicenseExpired',
      args: [channel, timed, timedLicense, expiresAt],
    })
  })

  it('binds a model channel to the license at its first claim, settles its royalties later, and leaves the fast path on any other voucher', async () => {
    const channel = await m.open(miner, 1_000_000n)
    const whole = (amount: bigint, modelId = leaf) =>
      m.voucher(channel, amount, [{ modelId, cumulativeAmount: amount }])
    const claimedOf = async (id: bigint) =>
      (await m.must(alice, m.pc, paymentChannelsAbi, 'modelClaimed', [channel, id])) as bigint
    const start = await Promise.all([leaf, parent, root].map(royalties))
    const gained = async () =>
      (await Promise.all([leaf, parent, root].map(royalties))).map((a, i) => a - (start[i] ?? 0n))
    const before = await m.balance(miner)
    const license = ((await m.must(alice, m.licenses, licensesAbi, 'validLicense', [miner, leaf])) as [bigint])[0]
    // Model channel: the whole amount pays the leaf, so the leaf's amount is the channel's claimed.
    expect((await claim(await whole(10_001n))).ok).toBe(true)
    expect((await claim(await whole(30_001n))).ok).toBe(true)
    expect([await claimedOf(leaf), await claimedOf(root)]).toEqual([30_001n, 0n])
    // The route's royalties are retained (the miner got the rest) but not credited until settled:
    // floor(30,001 · bps / 10,000) at 3 %, 5 %, 10 %.
    expect((await m.balance(miner)) - before).toBe(30_001n - 900n - 1_500n - 3_000n)
    expect(await gained()).toEqual([0n, 0n, 0n])
    expect(await m.unsettled(channel)).toEqual({
      licenseId: license,
      amount: 30_001n,
      modelIds: [leaf, parent, root],
      royalties: [900n, 1_500n, 3_000n],
    })
    // Anyone settles; twice is a no-op.
    await m.settle(channel)
    await m.settle(channel)
    expect(await gained()).toEqual([900n, 1_500n, 3_000n])
    expect((await m.unsettled(channel)).amount).toBe(0n)
    // The leaf's license revoked, one challenge period ago: the fast path checks it like the general one.
    await m.must(bob, m.licenses, licensesAbi, 'revoke', [license])
    const revokedAt = m.chain.now
    m.chain.now += WINDOW
    expect(await fail(await whole(40_000n))).toEqual({
      errorName: 'PaymentChannelsLicenseExpired',
      args: [channel, leaf, license, revokedAt],
    })
    // A new license: the next claim binds it (what the old one retained was settled, here already).
    const renewed = await m.buy(miner, leaf)
    expect((await claim(await whole(32_001n))).ok).toBe(true)
    expect(await m.unsettled(channel)).toEqual({
      licenseId: renewed,
      amount: 2_000n,
      modelIds: [leaf, parent, root],
      royalties: [960n - 900n, 1_600n - 1_500n, 3_200n - 3_000n],
    })
    // A plain voucher leaves the fast path: it settles, and the leaf keeps what the binding implied.
    expect((await claim(await m.voucher(channel, 35_000n))).ok).toBe(true)
    expect(await gained()).toEqual([960n, 1_600n, 3_200n])
    expect(await claimedOf(leaf)).toBe(32_001n)
    expect((await m.unsettled(channel)).licenseId).toBe(0n)
    // Model 0 never binds: the general rules name it.
    expect((await fail(await whole(36_000n, 0n))).errorName).toBe('PaymentChannelsUnknownModel')
    // A whole-amount voucher now follows the general rules: the leaf's increase exceeds what the claim pays.
    expect(await fail(await whole(36_000n))).toEqual({
      errorName: 'PaymentChannelsSplitOverClaim',
      args: [channel, 3_999n, 1_000n],
    })
    expect((await claim(await m.voucher(channel, 40_000n, [{ modelId: leaf, cumulativeAmount: 33_001n }]))).ok).toBe(
      true,
    )
    expect(await claimedOf(leaf)).toBe(33_001n)
    // Credited at the claim, by the same rule: floor(33,001 · bps / 10,000).
    expect(await gained()).toEqual([990n, 1_650n, 3_300n])
    expect((await m.balance(miner)) - before).toBe(40_000n - 990n - 1_650n - 3_300n)
    // A second model channel bound to another model; another model on it is the general path.
    const other = await m.open(miner, 1_000_000n)
    expect((await claim(await m.voucher(other, 500n, [{ modelId: root, cumulativeAmount: 500n }]))).ok).toBe(true)
    expect(await m.must(alice, m.pc, paymentChannelsAbi, 'modelClaimed', [other, root])).toBe(500n)
    expect(await m.must(alice, m.pc, paymentChannelsAbi, 'modelClaimed', [other, leaf])).toBe(0n)
    const mixed = [
      { modelId: root, cumulativeAmount: 600n },
      { modelId: leaf, cumulativeAmount: 100n },
    ]
    expect((await claim(await m.voucher(other, 700n, mixed))).ok).toBe(true)
    expect(await m.must(alice, m.pc, paymentChannelsAbi, 'modelClaimed', [other, root])).toBe(600n)
    // root: 50 settled on leaving the fast path, 60 − 50 more, 10 from the leaf; the leaf 3, its parent 5.
    expect(await gained()).toEqual([993n, 1_655n, 3_300n + 60n + 10n])
    await m.must(miner, m.pc, paymentChannelsAbi, 'closeByPayee', [other])
    expect((await m.fails(alice, m.pc, paymentChannelsAbi, 'getChannel', [other])).errorName).toBe(
      'PaymentChannelsUnknownChannel',
    )
  })

  it('settles a model channel when it closes, by the payee at once or by the payer after the window', async () => {
    const start = await royalties(root)
    const a = await m.open(miner, 1_000_000n)
    const b = await m.open(miner, 1_000_000n)
    for (const [channel, amount] of [
      [a, 1_234n],
      [b, 5_678n],
    ] as const) {
      expect((await claim(await m.voucher(channel, amount, [{ modelId: root, cumulativeAmount: amount }]))).ok).toBe(
        true,
      )
    }
    expect(await royalties(root)).toBe(start)
    await m.must(miner, m.pc, paymentChannelsAbi, 'closeByPayee', [a])
    expect((await royalties(root)) - start).toBe(123n)
    await m.must(payer, m.pc, paymentChannelsAbi, 'requestClose', [b])
    m.chain.now += WINDOW + 1n
    const refund = await m.balance(payer)
    await m.must(payer, m.pc, paymentChannelsAbi, 'withdraw', [b])
    expect((await m.balance(payer)) - refund).toBe(1_000_000n - 5_678n)
    expect((await royalties(root)) - start).toBe(123n + 567n)
    // A closed channel has nothing to settle, and settling it is skipped, not refused.
    expect((await m.unsettled(a)).licenseId).toBe(0n)
    await m.settle(a, b, 10n ** 9n)
    expect((await royalties(root)) - start).toBe(690n)
  })

  it('keeps the batch skip rule and retains royalties for the entries it pays', async () => {
    const a = await m.open(miner, 1_000_000n)
    const b = await m.open(miner, 1_000_000n)
    const va = await m.voucher(a, 1_000n, [{ modelId: root, cumulativeAmount: 1_000n }])
    expect((await claim(va)).ok).toBe(true)
    const start = await royalties(root)
    const before = await m.balance(miner)
    const vb = await m.voucher(b, 2_000n, [{ modelId: root, cumulativeAmount: 2_000n }])
    const r = await m.call(miner, m.pc, paymentChannelsAbi, 'claimBatch', [[va, vb]])
    expect(r.ok).toBe(true)
    expect((await m.balance(miner)) - before).toBe(1_800n)
    await m.settle(a, b)
    // a's 100 (its claim before the batch) and b's 200.
    expect((await royalties(root)) - start).toBe(300n)
  })

  it('releases royalties to the royalty recipient whoever asks, then to the vault once fractionalized', async () => {
    const owed = await royalties(root)
    expect(owed).toBeGreaterThan(0n)
    // Anyone may trigger it (audit A2): the money goes to the recipient, never to the caller.
    const before = await m.balance(alice)
    const strangerBefore = await m.balance(stranger)
    await m.must(stranger, m.pc, paymentChannelsAbi, 'releaseRoyalties', [root, usd()])
    expect((await m.balance(alice)) - before).toBe(owed)
    expect(await m.balance(stranger)).toBe(strangerBefore)
    expect(await royalties(root)).toBe(0n)
    const channel = await m.open(miner, 1_000_000n)
    await claim(await m.voucher(channel, 1_000n, [{ modelId: root, cumulativeAmount: 1_000n }]))
    await m.settle(channel)
    await m.must(alice, m.registry, modelRegistryAbi, 'fractionalize', [root, vault, timelock])
    const aliceAfter = await m.balance(alice)
    await m.must(alice, m.pc, paymentChannelsAbi, 'releaseRoyalties', [root, usd()])
    expect(await m.balance(vault as Address)).toBe(100n)
    expect(await m.balance(alice)).toBe(aliceAfter)
  })
})
