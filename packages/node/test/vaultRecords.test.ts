/**
 * The personal data vault against the real contracts on anvil and a real vault database: records kept one by one,
 * served per record and per query to grants read on chain.
 *
 * Property (fast-check, random sequences): over random records grants (random records, forever or one hour), owner
 * revocations, hours passing, and requests signed by random accounts for random records of random grants, the vault
 * serves exactly when the signer holds a valid, unrevoked, unexpired records grant naming every record asked (and the
 * list it gives is the grant's), and then exactly those records, byte for byte — never a record outside a grant.
 * Queries: each answer spends one of the grant's queries and no more are answered; a refused query spends none; a
 * replay is refused; the answer is over at least 5 records. Every request is in the owner's log.
 */
import {
  dataRequestBody,
  dataRequestDomain,
  deployMycel,
  type GrantKind,
  issueGrant,
  type MycelAddresses,
  revokeGrant,
  signDataRequest,
} from '@mycel/sdk'
import fc from 'fast-check'
import { parseEther } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestChain, type TestChain, tempDir } from '../../../test/helpers/chain.ts'
import { createContentStore } from '../src/content/contentStore.ts'
import { unwrapKey } from '../src/data/encryption.ts'
import type { RecordsPayload } from '../src/data/vaultClient.ts'
import { readReleases } from '../src/db/stores/vault.ts'
import { devnetAccount, devnetPrivateKey } from '../src/devnet/accounts.ts'
import { DataRequestError } from '../src/vault/errors.ts'
import type { ReleaseContext } from '../src/vault/release.ts'
import { recordsRequestHash, serveQuery, serveRecords } from '../src/vault/serve.ts'
import { openVault, registerSealed, sealDataset, type Vault } from '../src/vault/vault.ts'

const COUNT = 40
const records = Array.from({ length: COUNT }, (_, i) =>
  JSON.stringify({ note: `note ${i}`, label: i % 3 === 0 ? 'work' : 'home', minutes: 10 + i }),
)
const OWNER = 8
const PEOPLE = [9, 7, 6] // grantees and strangers

let t: TestChain
let addresses: MycelAddresses
let vault: Vault
let ctx: ReleaseContext
let datasetId: bigint

beforeAll(async () => {
  t = await startTestChain()
  const deployer = t.wallet(0)
  addresses = (
    await deployMycel(deployer, {
      treasury: deployer.account.address,
      initialSupply: parseEther('1000'),
      testStablecoin: true,
    })
  ).addresses
  const dir = tempDir('mycel-vault-records-')
  vault = await openVault(dir)
  const store = createContentStore(dir)
  const sealed = await sealDataset(vault, store, {
    bytes: Buffer.from(`${records.join('\n')}\n`),
    name: 'my notes',
    keepRecords: true,
  })
  store.close()
  ;({ datasetId } = await registerSealed(vault, t.wallet(OWNER), {
    chainId: t.chain.id,
    datasetRegistry: addresses.datasetRegistry,
    sealed,
    license: 'CC-BY-NC-4.0',
    provider: 'http://127.0.0.1:1',
    terms: {
      currency: addresses.testUsd as `0x${string}`,
      offers: ['records', 'queries'],
      grantDuration: 3600,
      accessPrice: 0n,
      trainingPrice: 0n,
      recordPrice: 10n,
      queryPrice: 5n,
    },
    contributors: [],
  }))
  ctx = { client: t.publicClient, chainId: t.chain.id, addresses, db: vault.db, vaultKey: vault.privateKey }
}, 120_000)

afterAll(async () => {
  vault?.close()
  await t?.stop()
})

/** A request signed by devnet account `who` (issued now by this machine's clock). */
async function signed(who: number, grantId: bigint, action: 'records' | 'query', body: `0x${string}`) {
  const issuedAt = Math.floor(Date.now() / 1000)
  const signature = await signDataRequest(devnetAccount(who), dataRequestDomain(t.chain.id, addresses.accessGrants), {
    grantId,
    action,
    body,
    issuedAt: BigInt(issuedAt),
  })
  return { grantId: grantId.toString(), issuedAt, signature }
}

const open = <shape>(who: number, sealed: `0x${string}`) =>
  JSON.parse(unwrapKey(devnetPrivateKey(who), Buffer.from(sealed.slice(2), 'hex')).toString('utf8')) as shape

const issue = async (kind: GrantKind, grantee: number, scope: { records?: number[]; queries?: number }, hours = 0) =>
  (
    await issueGrant(t.wallet(OWNER), {
      accessGrants: addresses.accessGrants,
      datasetId,
      kind,
      grantee: devnetAccount(grantee).address,
      duration: BigInt(hours * 3600),
      ...scope,
    })
  ).grantId

const subset = fc
  .uniqueArray(fc.integer({ min: 0, max: COUNT + 2 }), { minLength: 1, maxLength: 6 })
  .map((l) => l.sort((a, b) => a - b))
const step = fc.oneof(
  fc.record({
    kind: fc.constant('issue' as const),
    grantee: fc.constantFrom(...PEOPLE.slice(0, 2)),
    records: subset.map((l) => l.filter((r) => r < COUNT)).filter((l) => l.length > 0),
    hours: fc.constantFrom(0, 1),
  }),
  fc.record({ kind: fc.constant('revoke' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('wait' as const) }),
  // A request as its grantee would make it (the grant's own records, or some of them with the whole list).
  fc.record({ kind: fc.constant('ask' as const), pick: fc.nat(), some: fc.boolean(), seed: fc.nat() }),
  fc.record({
    kind: fc.constant('request' as const),
    signer: fc.constantFrom(...PEOPLE),
    pick: fc.nat(),
    records: subset,
    giveGranted: fc.boolean(),
    unknown: fc.boolean(),
  }),
)

type Modelled = { id: bigint; grantee: number; records: number[]; endsAt: number; revoked: boolean }

describe('the personal data vault', () => {
  it('property: never serves a record outside a valid grant, and serves every record a valid grant names', async () => {
    let served = 0
    let refused = 0
    // fc.check, then the report: fc.assert let a failure of this property pass here (fast-check 4, async, chain I/O).
    const result = await fc.check(
      fc.asyncProperty(fc.array(step, { minLength: 3, maxLength: 9 }), async (steps) => {
        const grants: Modelled[] = []
        for (const s of steps) {
          const now = Number((await t.publicClient.getBlock()).timestamp)
          if (s.kind === 'issue') {
            const id = await issue('records', s.grantee, { records: s.records }, s.hours)
            const chainNow = Number((await t.publicClient.getBlock()).timestamp)
            grants.push({
              id,
              grantee: s.grantee,
              records: s.records,
              endsAt: s.hours === 0 ? Number.POSITIVE_INFINITY : chainNow + 3600,
              revoked: false,
            })
          } else if (s.kind === 'revoke') {
            const g = grants.filter((x) => !x.revoked)[s.pick % Math.max(1, grants.length)]
            if (!g) continue
            await revokeGrant(t.wallet(OWNER), { accessGrants: addresses.accessGrants, grantId: g.id })
            g.revoked = true
          } else if (s.kind === 'wait') {
            await t.increaseTime(2 * 3600)
          } else {
            if (s.kind === 'ask' && grants.length === 0) continue
            const picked = grants[s.pick % Math.max(1, grants.length)]
            type Request = { signer: number; records: number[]; giveGranted: boolean; unknown: boolean }
            let r: Request
            if (s.kind === 'ask') {
              const own = picked as Modelled
              const some = s.some ? own.records.filter((_, i) => (s.seed >> i) & 1) : own.records
              r = {
                signer: own.grantee,
                records: some.length > 0 ? some : own.records,
                giveGranted: s.some,
                unknown: false,
              }
            } else r = s
            const g = r.unknown || grants.length === 0 ? undefined : picked
            const grantId = g ? g.id : 10_000n + BigInt(s.pick % 100)
            const body = {
              ...(await signed(r.signer, grantId, 'records', recordsRequestHash(r.records))),
              records: r.records,
              ...(r.giveGranted && g ? { granted: g.records } : {}),
            }
            const named = g ? new Set(g.records) : new Set<number>()
            const listMatches = g ? (r.giveGranted ? true : g.records.join() === r.records.join()) : false
            const expected =
              g !== undefined &&
              g.grantee === r.signer &&
              !g.revoked &&
              now < g.endsAt &&
              listMatches &&
              r.records.every((r) => named.has(r))
            let answer: Awaited<ReturnType<typeof serveRecords>> | undefined
            try {
              answer = await serveRecords(ctx, body)
            } catch (error) {
              if (!(error instanceof DataRequestError)) throw error
            }
            expect(answer !== undefined, JSON.stringify({ r, g: g && { ...g, id: `${g.id}` }, now })).toBe(expected)
            if (!answer) {
              refused++
              continue
            }
            served++
            const payload = open<RecordsPayload>(r.signer, answer.sealed)
            expect(payload.records.map((r) => r.index)).toEqual(r.records)
            for (const r of payload.records) expect(Buffer.from(r.data, 'base64').toString()).toBe(records[r.index])
          }
        }
      }),
      { numRuns: 60 },
    )
    if (result.failed) throw new Error(fc.defaultReportMessage(result))
    // Both sides of the property were exercised.
    expect(served).toBeGreaterThan(0)
    expect(refused).toBeGreaterThan(0)
  }, 600_000)

  it('answers queries within the grant’s count, never twice for one signature, never over fewer than 5 records', async () => {
    const grantId = await issue('queries', 9, { queries: 2 })
    const ask = async (query: string, who = 9) =>
      serveQuery(ctx, { ...(await signed(who, grantId, 'query', dataRequestBody(query))), query })
    const fail = async (promise: Promise<unknown>) => {
      try {
        await promise
      } catch (error) {
        return (error as DataRequestError).code
      }
      throw new Error('expected a refusal')
    }
    // A query singling out a few records is refused and spends nothing.
    expect(await fail(ask('{"select":"count","where":{"minutes":12}}'))).toBe('QUERY_REFUSED')
    expect(await fail(ask('{"select":"drop"}'))).toBe('INVALID_QUERY')
    expect(await fail(ask('{"select":"count"}', 7))).toBe('NOT_GRANTEE')
    const histogram = await ask('{"select":"histogram","field":"label"}')
    expect(open(9, histogram.sealed)).toEqual({
      select: 'histogram',
      field: 'label',
      matched: COUNT,
      buckets: { home: records.filter((r) => r.includes('"home"')).length, work: 14 },
      suppressed: 0,
    })
    // A replayed request is refused, not answered again.
    const once = { ...(await signed(9, grantId, 'query', dataRequestBody('{"select":"mean","field":"minutes"}'))) }
    const body = { ...once, query: '{"select":"mean","field":"minutes"}' }
    const mean = await serveQuery(ctx, body)
    expect(open<{ value: number }>(9, mean.sealed).value).toBeCloseTo(10 + (COUNT - 1) / 2, 9)
    expect(await fail(serveQuery(ctx, body))).toBe('QUERIES_USED_UP')
    expect(await fail(ask('{"select":"count"}'))).toBe('QUERIES_USED_UP')
    // A records grant gets no answers; a queries grant no records.
    const recordsGrant = await issue('records', 9, { records: [1, 2] })
    expect(
      await fail(
        serveQuery(ctx, {
          ...(await signed(9, recordsGrant, 'query', dataRequestBody('{"select":"count"}'))),
          query: '{"select":"count"}',
        }),
      ),
    ).toBe('NO_QUERIES_FOR_KIND')
    expect(
      await fail(
        serveRecords(ctx, { ...(await signed(9, grantId, 'records', recordsRequestHash([1]))), records: [1] }),
      ),
    ).toBe('NO_RECORDS_FOR_KIND')
    const log = readReleases(vault.db, { limit: 200, chainId: t.chain.id, datasetId: datasetId.toString() })
    const answered = log.filter((r) => r.action === 'query' && r.released && r.grantId === grantId.toString())
    expect(answered).toHaveLength(2)
    expect(log.some((r) => r.action === 'query' && !r.released && r.reason === 'queries used up')).toBe(true)
  }, 120_000)

  it('a replay of an answered query is refused as a replay while queries remain', async () => {
    const grantId = await issue('queries', 9, { queries: 5 })
    const query = '{"select":"count"}'
    const body = { ...(await signed(9, grantId, 'query', dataRequestBody(query))), query }
    expect(open<{ value: number }>(9, (await serveQuery(ctx, body)).sealed).value).toBe(COUNT)
    await expect(serveQuery(ctx, body)).rejects.toMatchObject({ code: 'REPLAYED_REQUEST' })
  })
})
