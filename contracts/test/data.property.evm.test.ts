/**
 * Data owners' payments over random action sequences on the real contracts (in-process EVM): datasets registered
 * with random contributors, grants of every kind bought at random terms, terms changed, datasets sold as NFTs, grants
 * given away and revoked, time passing, withdrawals. A TypeScript model (the SDK's `grantPrice` and
 * `splitDataPayment`) predicts every price, every credit and every grant's validity. After each action the contract
 * holds exactly the sum of what it owes and each account's credit is what the model says (every price paid moved
 * from the buyer, every withdrawal to the withdrawer); after each sequence tokens are conserved — what the actors hold
 * plus what the contract holds equals what was minted — and each grant's validity is the model's. 1,000 sequences here
 * (DATA_PROPERTY_RUNS for more; `npm run bench -- properties` runs 5,000).
 */
import { grantKindIndex, grantPrice, SOLD_KINDS, splitDataPayment } from '@mycel/sdk'
import fc from 'fast-check'
import { type Address, getAddress } from 'viem'
import { describe, expect, it } from 'vitest'
import { type DataMarket, deployData } from './helpers/data.ts'
import { fromSnapshot } from './helpers/evm.ts'

const RUNS = Number(process.env.DATA_PROPERTY_RUNS ?? 1_000)
const actors = [1, 2, 3, 4, 5].map((i) => getAddress(`0x${(0xe0 + i).toString(16).padStart(40, '0')}`))
const MINT = 10n ** 12n
const FOREVER = 2n ** 64n - 1n

const actor = fc.integer({ min: 0, max: actors.length - 1 })
const action = fc.oneof(
  fc.record({
    t: fc.constant('register' as const),
    who: actor,
    shares: fc.array(fc.record({ who: actor, bps: fc.integer({ min: 1, max: 4_000 }) }), { maxLength: 3 }),
  }),
  fc.record({
    t: fc.constant('buy' as const),
    who: actor,
    grantee: actor,
    dataset: fc.nat(),
    kind: fc.constantFrom(...SOLD_KINDS),
    records: fc.uniqueArray(fc.integer({ min: 0, max: 19 }), { minLength: 1, maxLength: 6 }),
    queries: fc.integer({ min: 1, max: 50 }),
  }),
  fc.record({
    t: fc.constant('terms' as const),
    dataset: fc.nat(),
    prices: fc.array(fc.bigInt({ min: 0n, max: 10n ** 6n }), { minLength: 4, maxLength: 4 }),
    offers: fc.subarray([...SOLD_KINDS]),
    duration: fc.constantFrom(0, 60, 3600),
  }),
  fc.record({ t: fc.constant('sell' as const), dataset: fc.nat(), to: actor }),
  fc.record({
    t: fc.constant('issue' as const),
    dataset: fc.nat(),
    to: actor,
    duration: fc.constantFrom(0n, 30n, 600n),
  }),
  fc.record({ t: fc.constant('revoke' as const), who: actor, grant: fc.nat() }),
  fc.record({ t: fc.constant('wait' as const), seconds: fc.constantFrom(1n, 59n, 61n, 3_601n) }),
  fc.record({ t: fc.constant('withdraw' as const), who: actor }),
)

type Action = typeof action extends fc.Arbitrary<infer A> ? A : never

type ModelDataset = {
  owner: Address
  shares: { payee: Address; bps: number }[]
  terms: ReturnType<DataMarket['terms']>
}
type ModelGrant = { dataset: number; expiresAt: bigint; revoked: boolean }

describe('data payments (property, real contracts)', () => {
  it(`conserve tokens and credit exactly the model's split over ${RUNS} random sequences`, async () => {
    // One deployment; each sequence runs from a checkpoint of it and is reverted after (the EVM's state journal).
    const d = await deployData()
    for (const a of actors) await d.mint(a, MINT)
    const start = d.chain.now
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 14 }), (actions) =>
        fromSnapshot(d.chain, start, () => run(actions)),
      ),
      { numRuns: RUNS },
    )

    async function run(actions: Action[]) {
      const datasets: ModelDataset[] = []
      const grants: ModelGrant[] = []
      const owed = new Map<Address, bigint>(actors.map((a) => [a, 0n]))
      const check = async () => {
        let held = 0n
        for (const a of actors) {
          expect(await d.owed(a)).toBe(owed.get(a))
          held += owed.get(a) as bigint
        }
        expect(await d.balance(d.grants)).toBe(held)
      }
      for (const a of actions) {
        if (a.t === 'register') {
          const owner = actors[a.who] as Address
          const shares = a.shares.map((s) => ({ payee: actors[s.who] as Address, bps: s.bps }))
          const total = shares.reduce((s, x) => s + x.bps, 0)
          const r = await d.chain.call(owner, d.registry, (await import('@mycel/sdk')).datasetRegistryAbi, 'register', [
            {
              cid: 'bafkreidata',
              schemaCid: 'bafkreischema',
              recordsRoot: `0x${'cd'.repeat(32)}`,
              recordCount: 20,
              license: 'CC0-1.0',
              provider: 'http://127.0.0.1:1',
            },
            d.terms(),
            shares,
          ])
          expect(r.ok).toBe(total <= 10_000)
          if (r.ok) datasets.push({ owner, shares, terms: d.terms() })
        } else if (a.t === 'buy' && datasets.length > 0) {
          const index = a.dataset % datasets.length
          const ds = datasets[index] as ModelDataset
          const buyer = actors[a.who] as Address
          const records = a.kind === 'records' ? [...a.records].sort((x, y) => x - y) : []
          const queries = a.kind === 'queries' ? a.queries : 0
          const offered = (ds.terms.offers & (1 << grantKindIndex(a.kind))) !== 0
          const before = await d.balance(buyer)
          if (!offered) {
            const agreed = await d.r(buyer, 'termsHash', [BigInt(index + 1)])
            expect(
              await d.gFails(buyer, 'buy', [
                BigInt(index + 1),
                grantKindIndex(a.kind),
                actors[a.grantee],
                records,
                queries,
                agreed,
              ]),
            ).toBe('AccessGrantsNotOffered')
            continue
          }
          await d.buy(buyer, BigInt(index + 1), a.kind, { records, queries, grantee: actors[a.grantee] as Address })
          const price = grantPrice(ds.terms, a.kind, { records: records.length, queries })
          expect(before - (await d.balance(buyer))).toBe(price)
          for (const part of splitDataPayment(price, ds.owner, ds.shares)) {
            owed.set(part.payee, (owed.get(part.payee) as bigint) + part.amount)
          }
          const duration = BigInt(ds.terms.grantDuration)
          grants.push({
            dataset: index,
            expiresAt: duration === 0n ? FOREVER : d.chain.now + duration,
            revoked: false,
          })
        } else if (a.t === 'terms' && datasets.length > 0) {
          const index = a.dataset % datasets.length
          const ds = datasets[index] as ModelDataset
          const [accessPrice = 0n, trainingPrice = 0n, recordPrice = 0n, queryPrice = 0n] = a.prices
          const terms = d.terms({
            accessPrice,
            trainingPrice,
            recordPrice,
            queryPrice,
            offers: a.offers,
            grantDuration: a.duration,
          })
          await d.r(ds.owner, 'setTerms', [BigInt(index + 1), terms])
          ds.terms = terms
        } else if (a.t === 'sell' && datasets.length > 0) {
          const index = a.dataset % datasets.length
          const ds = datasets[index] as ModelDataset
          await d.r(ds.owner, 'transferFrom', [ds.owner, actors[a.to], BigInt(index + 1)])
          ds.owner = actors[a.to] as Address
        } else if (a.t === 'issue' && datasets.length > 0) {
          const index = a.dataset % datasets.length
          const ds = datasets[index] as ModelDataset
          await d.g(ds.owner, 'issue', [BigInt(index + 1), grantKindIndex('compute'), actors[a.to], [], 0, a.duration])
          grants.push({
            dataset: index,
            expiresAt: a.duration === 0n ? FOREVER : d.chain.now + a.duration,
            revoked: false,
          })
        } else if (a.t === 'revoke' && grants.length > 0) {
          const index = a.grant % grants.length
          const g = grants[index] as ModelGrant
          const who = actors[a.who] as Address
          const isOwner = (datasets[g.dataset] as ModelDataset).owner === who
          const r = await d.chain.call(who, d.grants, (await import('@mycel/sdk')).accessGrantsAbi, 'revoke', [
            BigInt(index + 1),
          ])
          expect(r.ok).toBe(isOwner && !g.revoked)
          if (r.ok) g.revoked = true
        } else if (a.t === 'wait') {
          d.chain.now += a.seconds
        } else if (a.t === 'withdraw') {
          const who = actors[a.who] as Address
          const due = owed.get(who) as bigint
          const before = await d.balance(who)
          if (due === 0n) expect(await d.gFails(who, 'withdraw', [d.usdAddress])).toBe('AccessGrantsNothingOwed')
          else {
            await d.g(who, 'withdraw', [d.usdAddress])
            expect((await d.balance(who)) - before).toBe(due)
            owed.set(who, 0n)
          }
        }
        await check()
      }
      // Conservation: the actors' tokens and the contract's add up to what was minted.
      let total = await d.balance(d.grants)
      for (const a of actors) total += await d.balance(a)
      expect(total).toBe(MINT * BigInt(actors.length))
      for (const [i, g] of grants.entries()) {
        expect(await d.g(actors[0] as Address, 'isValid', [BigInt(i + 1)])).toBe(
          !g.revoked && g.expiresAt > d.chain.now,
        )
      }
    }
  }, 600_000)
})
