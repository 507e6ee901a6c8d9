/**
 * `/api/models` on a real node (embedded devnet, seeded model market): the catalog's shape and contents (names from
 * the cards, terms, routes, lineage, licenses, the fractionalized `text`), its 400/404 answers, the seeding being
 * idempotent (a second pass sends no transaction), and a full governance round from the API — delegate, propose a
 * new minimum price, vote, queue, execute — after which the model's terms carry the new price.
 */
import { rmSync } from 'node:fs'
import { getModel, type MycelAddresses } from '@mycel/sdk'
import { createWalletClient, http } from 'viem'
import { getTransactionCount } from 'viem/actions'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '../../../test/helpers/chain.ts'
import type { MycelNode } from '../src/app/start.ts'
import { createContentStore } from '../src/content/contentStore.ts'
import { devnetAccount } from '../src/devnet/accounts.ts'
import { seedModels, TEXT_SHARES } from '../src/devnet/models.ts'
import type { CatalogAnswer, CatalogModel } from '../src/markets/catalog.ts'
import { startTestNode } from './testNode.ts'

const dataDir = tempDir('mycel-models-api-')
let node: MycelNode
const addr = (i: number) => devnetAccount(i).address

beforeAll(async () => {
  node = await startTestNode(dataDir, { validator: 'off', epochs: 'off' })
}, 120_000)
afterAll(async () => {
  await node?.stop()
  rmSync(dataDir, { recursive: true, force: true })
})

const get = async (path: string) => {
  const response = await fetch(`${node.url}${path}`)
  return { status: response.status, body: (await response.json()) as never }
}
const post = async (path: string, body: unknown) => {
  const response = await fetch(`${node.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}
const rpc = (method: string, params: unknown[] = []) =>
  fetch(node.rpcUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  })
const passTime = async (seconds: number) => {
  await rpc('evm_increaseTime', [seconds])
  await rpc('evm_mine')
}

describe('GET /api/models', () => {
  it('lists the seeded market: digits, text (fractionalized) and the derivative digits-1000', async () => {
    const { status, body } = await get('/api/models')
    expect(status).toBe(200)
    const answer = body as CatalogAnswer
    expect(answer.registry).toBe(node.addresses.modelRegistry)
    expect(answer.models.map((m) => [m.id, m.name, m.format])).toEqual([
      ['1', 'digits', 'onnx'],
      ['2', 'text', 'onnx'],
      ['3', 'digits-1000', 'onnx'],
    ])
    const [digits, text, derivative] = answer.models as [CatalogModel, CatalogModel, CatalogModel]
    expect(digits.terms).toMatchObject({ royaltyBps: 1000, minPricePerRequest: '500', mintFee: '5000000' })
    expect(digits.terms?.currencySymbol).toBe('tUSD')
    expect(digits.children).toEqual(['3'])
    expect(digits.registeredAt).toBeGreaterThan(0)
    expect(derivative.registeredAt).toBeGreaterThan(digits.registeredAt) // blocks, in registration order
    expect(derivative.parents).toEqual(['1'])
    expect(derivative.owner).toBe(addr(4))
    expect(derivative.route).toEqual([
      { modelId: '3', bps: 300 },
      { modelId: '1', bps: 1000 },
    ])
    // Account 4 bought a digits license to register its derivative; the node's miner (account 2) one to serve it.
    expect(digits.licenses.map((l) => l.holder).sort()).toEqual([addr(2), addr(4)].sort())
    expect(digits.licenses.every((l) => l.valid && !l.revoked && l.expiresAt === 0 && l.royaltyBps === 1000)).toBe(true)
    // Mint fees paid so far: two digits licenses at 5 tUSD.
    expect(digits.royalties.mintFees).toEqual([{ token: digits.terms?.currency, symbol: 'tUSD', amount: '10000000' }])
    expect(digits.servedBy).toContain(node.roles.miner?.payee)
    expect(digits.fractional).toBeNull()
    const f = text.fractional
    expect(f).not.toBeNull()
    expect(f).toMatchObject({ symbol: 'TXT', totalSupply: `${TEXT_SHARES}`, wiringOk: true })
    expect(text.owner).toBe(f?.timelock)
    const shares = Object.fromEntries(f?.holders.map((h) => [h.address, [h.shares, h.votes]]) ?? [])
    expect(shares).toEqual({
      [addr(0)]: [`${TEXT_SHARES / 2n}`, `${TEXT_SHARES / 2n}`],
      [addr(1)]: [`${TEXT_SHARES / 5n}`, `${TEXT_SHARES / 5n}`],
      [addr(2)]: [`${TEXT_SHARES / 5n}`, `${TEXT_SHARES / 5n}`],
      [addr(3)]: [`${TEXT_SHARES / 10n}`, `${TEXT_SHARES / 10n}`],
    })
  })

  it('answers one model, 400 for a malformed id and 404 for an unknown one', async () => {
    const one = await get('/api/models/3')
    expect(one.status).toBe(200)
    expect((one.body as CatalogModel).name).toBe('digits-1000')
    for (const bad of ['0', 'abc', '-1', '1.5', '01']) {
      const r = await get(`/api/models/${bad}`)
      expect(r.status, bad).toBe(400)
      expect((r.body as { error: { code: string } }).error.code).toBe('INVALID_MODEL_ID')
    }
    const unknown = await get('/api/models/99')
    expect(unknown.status).toBe(404)
    expect((unknown.body as { error: { code: string } }).error.code).toBe('UNKNOWN_MODEL')
  })

  it('seeding again sends no transaction (idempotent restart)', async () => {
    const accounts = [0, 1, 2, 3, 4].map(addr)
    const wallet = createWalletClient({ account: devnetAccount(0), transport: http(node.rpcUrl) })
    const nonces = () =>
      Promise.all(accounts.map((address) => getTransactionCount(wallet, { address, blockTag: 'pending' })))
    const before = await nonces()
    const store = createContentStore(tempDir('mycel-models-seed-'))
    try {
      const { registered } = await seedModels(wallet as never, node.addresses as MycelAddresses, store)
      expect(registered).toEqual([])
    } finally {
      store.close()
    }
    expect(await nonces()).toEqual(before)
  })
})

describe('POST /api/models/:id/governance/*', () => {
  it('refuses bad bodies (400), unknown proposals (404) and models without governor (409)', async () => {
    expect((await post('/api/models/2/governance/propose', { account: 1 })).status).toBe(400)
    expect((await post('/api/models/2/governance/vote', { account: 12, proposalId: '1', support: 'for' })).status).toBe(
      400,
    )
    expect((await post('/api/models/2/governance/vote', '{not json')).body.error).toMatchObject({
      code: 'INVALID_REQUEST',
    })
    const unknown = await post('/api/models/2/governance/queue', { account: 0, proposalId: '12345' })
    expect(unknown.status).toBe(404)
    expect(unknown.body.error).toMatchObject({ code: 'UNKNOWN_PROPOSAL' })
    const plain = await post('/api/models/1/governance/delegate', { account: 0 })
    expect(plain.status).toBe(409)
    expect(plain.body.error).toMatchObject({ code: 'NOT_FRACTIONALIZED' })
    expect((await post('/api/models/9/governance/delegate', {})).status).toBe(404)
    expect((await post('/api/models/2/governance/frobnicate', {})).status).toBe(404)
  })

  it('runs a price proposal through delegate, propose, vote, queue and execute', async () => {
    const delegated = await post('/api/models/2/governance/delegate', { account: 3 })
    expect(delegated.status).toBe(200)
    expect(delegated.body).toMatchObject({ action: 'delegate', signer: addr(3), delegatee: addr(3) })
    const proposed = await post('/api/models/2/governance/propose', { account: 1, minPricePerRequest: '250' })
    expect(proposed.status).toBe(200)
    const proposalId = proposed.body.proposalId as string
    expect(proposalId).toMatch(/^\d+$/)
    await passTime(2)
    for (const account of [0, 1]) {
      const voted = await post('/api/models/2/governance/vote', { account, proposalId, support: 'for' })
      expect(voted.status, JSON.stringify(voted.body)).toBe(200)
    }
    const again = await post('/api/models/2/governance/vote', { account: 0, proposalId, support: 'for' })
    expect(again.status).toBe(409)
    expect(again.body.error).toMatchObject({ code: 'GOVERNANCE_REJECTED' })
    const during = (await get('/api/models/2')).body as CatalogModel
    const listed = during.fractional?.proposals.find((p) => p.id === proposalId)
    expect(listed).toMatchObject({ state: 'Active', forVotes: `${(TEXT_SHARES * 7n) / 10n}`, againstVotes: '0' })
    expect(listed?.votes.map((v) => v.voter).sort()).toEqual([addr(0), addr(1)].sort())
    await passTime(301)
    expect((await post('/api/models/2/governance/queue', { account: 2, proposalId })).status).toBe(200)
    const early = await post('/api/models/2/governance/execute', { account: 2, proposalId })
    expect(early.status).toBe(409)
    await passTime(61)
    const executed = await post('/api/models/2/governance/execute', { account: 2, proposalId })
    expect(executed.status, JSON.stringify(executed.body)).toBe(200)
    const model = await getModel(createWalletClient({ transport: http(node.rpcUrl) }) as never, {
      modelRegistry: node.addresses.modelRegistry as `0x${string}`,
      modelId: 2n,
    })
    expect(model.terms.minPricePerRequest).toBe(250n)
    expect(model.terms.royaltyBps).toBe(500) // the other terms unchanged
    const after = (await get('/api/models/2')).body as CatalogModel
    expect(after.terms?.minPricePerRequest).toBe('250')
    expect(after.fractional?.proposals.find((p) => p.id === proposalId)?.state).toBe('Executed')
  })
})
