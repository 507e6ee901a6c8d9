/**
 * The data market's contracts (DatasetRegistry, AccessGrants) on the in-process EVM: registration and its refusals,
 * each grant kind bought at its price and split between contributors and the owner, grants given away, expiry and
 * revocation, withdrawals, and every bad input refused by its named error with nothing lost.
 */
import { grantKindIndex } from '@mycel/sdk'
import { type Address, encodePacked, getAddress, keccak256 } from 'viem'
import { beforeEach, describe, expect, it } from 'vitest'
import { type DataMarket, deployData, listing } from './helpers/data.ts'

const owner = getAddress('0x00000000000000000000000000000000000000a1')
const buyer = getAddress('0x00000000000000000000000000000000000000b1')
const alice = getAddress('0x00000000000000000000000000000000000000c1')
const bob = getAddress('0x00000000000000000000000000000000000000c2')
const stranger = getAddress('0x00000000000000000000000000000000000000d1')

type GrantView = {
  datasetId: bigint
  grantee: Address
  kind: number
  expiresAt: bigint
  revoked: boolean
  units: number
  scope: string
  price: bigint
}

describe('DatasetRegistry', () => {
  let d: DataMarket
  beforeEach(async () => {
    d = await deployData()
  })

  it('registers a dataset with its listing, terms and contributors', async () => {
    const id = await d.register(owner, { contributors: [{ payee: alice, bps: 2_500 }] })
    expect(id).toBe(1n)
    const dataset = (await d.r(stranger, 'getDataset', [id])) as Record<string, unknown>
    expect(dataset.cid).toBe('bafkreidata')
    expect(dataset.recordCount).toBe(100)
    expect(dataset.contributorsBps).toBe(2_500)
    expect(await d.r(stranger, 'ownerOf', [id])).toBe(owner)
    expect(await d.r(stranger, 'sharesOf', [id])).toEqual([{ payee: alice, bps: 2_500 }])
    expect(await d.r(stranger, 'datasetCount')).toBe(1n)
  })

  it('refuses bad registrations by name', async () => {
    const reg = (over: Record<string, unknown>, contributors: unknown[] = [], terms = d.terms()) =>
      d.rFails(owner, 'register', [listing(over), terms, contributors])
    expect(await reg({ cid: '' })).toBe('DatasetRegistryInvalidString')
    expect(await reg({ schemaCid: 'x'.repeat(129) })).toBe('DatasetRegistryInvalidString')
    expect(await reg({ license: '' })).toBe('DatasetRegistryInvalidString')
    expect(await reg({ provider: '' })).toBe('DatasetRegistryInvalidString')
    expect(await reg({ recordCount: 0 })).toBe('DatasetRegistryNoRecords')
    expect(await reg({ recordsRoot: `0x${'00'.repeat(32)}` })).toBe('DatasetRegistryZeroRoot')
    const nine = Array.from({ length: 9 }, (_, i) => ({
      payee: getAddress(`0x${(i + 1).toString(16).padStart(40, '0')}`),
      bps: 1,
    }))
    expect(await reg({}, nine)).toBe('DatasetRegistryTooManyContributors')
    expect(await reg({}, [{ payee: alice, bps: 0 }])).toBe('DatasetRegistryBadShare')
    expect(await reg({}, [{ payee: `0x${'00'.repeat(20)}`, bps: 5 }])).toBe('DatasetRegistryBadShare')
    expect(
      await reg({}, [
        { payee: alice, bps: 6_000 },
        { payee: bob, bps: 4_001 },
      ]),
    ).toBe('DatasetRegistrySharesTooHigh')
    expect(await reg({}, [], { ...d.terms(), currency: `0x${'00'.repeat(20)}` })).toBe('DatasetRegistryNoCurrency')
    expect(await reg({}, [], { ...d.terms(), offers: 0x10 })).toBe('DatasetRegistryBadOffers')
    expect(await d.r(stranger, 'datasetCount')).toBe(0n)
  })

  it('lets only the owner change terms and provider, and the NFT carries that right', async () => {
    const id = await d.register(owner)
    expect(await d.rFails(stranger, 'setTerms', [id, d.terms()])).toBe('DatasetRegistryNotOwner')
    expect(await d.rFails(stranger, 'setProvider', [id, 'http://x'])).toBe('DatasetRegistryNotOwner')
    expect(await d.rFails(owner, 'setTerms', [9n, d.terms()])).toBe('DatasetRegistryUnknownDataset')
    await d.r(owner, 'setProvider', [id, 'http://10.0.0.2:8080'])
    expect(((await d.r(stranger, 'getDataset', [id])) as { provider: string }).provider).toBe('http://10.0.0.2:8080')
    await d.r(owner, 'transferFrom', [owner, alice, id])
    expect(await d.rFails(owner, 'setTerms', [id, d.terms()])).toBe('DatasetRegistryNotOwner')
    await d.r(alice, 'setTerms', [id, d.terms({ accessPrice: 7n })])
    expect(((await d.r(stranger, 'termsOf', [id])) as { accessPrice: bigint }).accessPrice).toBe(7n)
  })
})

describe('AccessGrants', () => {
  let d: DataMarket
  let id: bigint
  beforeEach(async () => {
    d = await deployData()
    await d.mint(buyer, 10n ** 9n)
    id = await d.register(owner, {
      contributors: [
        { payee: alice, bps: 2_000 },
        { payee: bob, bps: 333 },
      ],
    })
  })

  it('sells each kind at its price, split between contributors and the owner to the unit', async () => {
    const before = await d.balance(buyer)
    const access = await d.buy(buyer, id, 'access')
    const training = await d.buy(buyer, id, 'training')
    const records = await d.buy(buyer, id, 'records', { records: [0, 5, 99] })
    const queries = await d.buy(buyer, id, 'queries', { queries: 7 })
    const paid = 1_000n + 5_000n + 30n + 21n
    expect(before - (await d.balance(buyer))).toBe(paid)
    expect(await d.balance(d.grants)).toBe(paid)
    const shares = [1_000n, 5_000n, 30n, 21n].map((p) => ({ alice: (p * 2_000n) / 10_000n, bob: (p * 333n) / 10_000n }))
    const aliceOwed = shares.reduce((s, x) => s + x.alice, 0n)
    const bobOwed = shares.reduce((s, x) => s + x.bob, 0n)
    expect(await d.owed(alice)).toBe(aliceOwed)
    expect(await d.owed(bob)).toBe(bobOwed)
    expect(await d.owed(owner)).toBe(paid - aliceOwed - bobOwed)
    const r = (await d.g(stranger, 'getGrant', [records])) as GrantView
    expect(r.kind).toBe(grantKindIndex('records'))
    expect(r.units).toBe(3)
    expect(r.price).toBe(30n)
    expect(r.scope).toBe(keccak256(encodePacked(['uint32[]'], [[0, 5, 99]])))
    expect(((await d.g(stranger, 'getGrant', [queries])) as GrantView).units).toBe(7)
    for (const g of [access, training, records, queries]) expect(await d.g(stranger, 'isValid', [g])).toBe(true)
    // Everyone withdraws; the contract ends empty.
    for (const who of [alice, bob, owner]) await d.g(who, 'withdraw', [d.usdAddress])
    expect(await d.balance(d.grants)).toBe(0n)
    expect(await d.balance(owner)).toBe(paid - aliceOwed - bobOwed)
    expect(await d.gFails(owner, 'withdraw', [d.usdAddress])).toBe('AccessGrantsNothingOwed')
  })

  it('ends a grant at its expiry and at a revocation (the owner only, nothing refunded)', async () => {
    const g = await d.buy(buyer, id, 'access')
    const { expiresAt } = (await d.g(stranger, 'getGrant', [g])) as GrantView
    expect(expiresAt).toBe(d.chain.now + 3600n)
    d.chain.now += 3599n
    expect(await d.g(stranger, 'isValid', [g])).toBe(true)
    d.chain.now += 1n
    expect(await d.g(stranger, 'isValid', [g])).toBe(false)
    const h = await d.buy(buyer, id, 'access')
    expect(await d.gFails(buyer, 'revoke', [h])).toBe('AccessGrantsNotDatasetOwner')
    const owed = await d.owed(owner)
    await d.g(owner, 'revoke', [h])
    expect(await d.g(stranger, 'isValid', [h])).toBe(false)
    expect(((await d.g(stranger, 'getGrant', [h])) as GrantView).revoked).toBe(true)
    expect(await d.owed(owner)).toBe(owed)
    expect(await d.gFails(owner, 'revoke', [h])).toBe('AccessGrantsAlreadyRevoked')
    expect(await d.gFails(owner, 'revoke', [99n])).toBe('AccessGrantsUnknownGrant')
    expect(await d.g(stranger, 'isValid', [99n])).toBe(false)
  })

  it('gives grants away as the owner only, compute grants included, with or without an end', async () => {
    expect(await d.gFails(stranger, 'issue', [id, grantKindIndex('compute'), stranger, [], 0, 0n])).toBe(
      'AccessGrantsNotDatasetOwner',
    )
    const forever = (await d.g(owner, 'issue', [id, grantKindIndex('compute'), alice, [], 0, 0n])) as bigint
    const hour = (await d.g(owner, 'issue', [id, grantKindIndex('records'), bob, [1, 2], 0, 60n])) as bigint
    const f = (await d.g(stranger, 'getGrant', [forever])) as GrantView
    expect(f.expiresAt).toBe(2n ** 64n - 1n)
    expect(f.price).toBe(0n)
    expect(((await d.g(stranger, 'getGrant', [hour])) as GrantView).expiresAt).toBe(d.chain.now + 60n)
    expect(await d.balance(d.grants)).toBe(0n)
    // A dataset sold as an NFT: the new owner issues and revokes, and takes the rest of later payments.
    await d.r(owner, 'transferFrom', [owner, stranger, id])
    expect(await d.gFails(owner, 'revoke', [forever])).toBe('AccessGrantsNotDatasetOwner')
    await d.g(stranger, 'revoke', [forever])
    await d.buy(buyer, id, 'access')
    expect(await d.owed(stranger)).toBe(1_000n - 200n - 33n)
    expect(await d.owed(owner)).toBe(0n)
  })

  it('refuses bad purchases by name and takes nothing', async () => {
    const agreed = await d.r(buyer, 'termsHash', [id])
    const buy = (kind: number, records: number[], queries: number, hash = agreed, grantee: Address = buyer, ds = id) =>
      d.gFails(buyer, 'buy', [ds, kind, grantee, records, queries, hash])
    const before = await d.balance(buyer)
    expect(await buy(grantKindIndex('compute'), [], 0)).toBe('AccessGrantsNotForSale')
    expect(await buy(grantKindIndex('access'), [], 0, `0x${'11'.repeat(32)}`)).toBe('AccessGrantsTermsChanged')
    expect(await buy(grantKindIndex('access'), [], 0, agreed as `0x${string}`, `0x${'00'.repeat(20)}`)).toBe(
      'AccessGrantsZeroGrantee',
    )
    expect(await buy(grantKindIndex('access'), [1], 0)).toBe('AccessGrantsBadScope')
    expect(await buy(grantKindIndex('training'), [], 2)).toBe('AccessGrantsBadScope')
    expect(await buy(grantKindIndex('records'), [], 0)).toBe('AccessGrantsBadScope')
    expect(await buy(grantKindIndex('records'), [1], 1)).toBe('AccessGrantsBadScope')
    expect(await buy(grantKindIndex('records'), [3, 3], 0)).toBe('AccessGrantsBadRecord')
    expect(await buy(grantKindIndex('records'), [5, 4], 0)).toBe('AccessGrantsBadRecord')
    expect(await buy(grantKindIndex('records'), [100], 0)).toBe('AccessGrantsBadRecord')
    expect(
      await buy(
        grantKindIndex('records'),
        Array.from({ length: 1025 }, (_, i) => i),
        0,
      ),
    ).toBe('AccessGrantsTooManyRecords')
    expect(await buy(grantKindIndex('queries'), [], 0)).toBe('AccessGrantsBadScope')
    expect(await buy(grantKindIndex('access'), [], 0, agreed as `0x${string}`, buyer, 42n)).toBe(
      'DatasetRegistryUnknownDataset',
    )
    await d.r(owner, 'setTerms', [id, d.terms({ offers: ['records'] })])
    const now = await d.r(buyer, 'termsHash', [id])
    expect(await buy(grantKindIndex('access'), [], 0, now as `0x${string}`)).toBe('AccessGrantsNotOffered')
    // The terms changed under the first hash: a purchase that read them before is refused.
    expect(await buy(grantKindIndex('records'), [1], 0)).toBe('AccessGrantsTermsChanged')
    expect(await d.balance(buyer)).toBe(before)
    expect(await d.g(stranger, 'grantCount')).toBe(0n)
  })

  it('gives a free offer away to any buyer and lasts forever under a duration of 0', async () => {
    await d.r(owner, 'setTerms', [id, d.terms({ accessPrice: 0n, grantDuration: 0 })])
    const before = await d.balance(stranger)
    const agreed = await d.r(stranger, 'termsHash', [id])
    const g = (await d.g(stranger, 'buy', [id, 0, stranger, [], 0, agreed])) as bigint
    expect(await d.balance(stranger)).toBe(before)
    expect(((await d.g(stranger, 'getGrant', [g])) as GrantView).expiresAt).toBe(2n ** 64n - 1n)
  })

  it('buys for another grantee: the payer pays, the grantee holds', async () => {
    const g = await d.buy(buyer, id, 'training', { grantee: stranger })
    expect(((await d.g(stranger, 'getGrant', [g])) as GrantView).grantee).toBe(stranger)
  })
})
