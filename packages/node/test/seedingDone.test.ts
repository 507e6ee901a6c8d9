/**
 * A restart skips the devnet's seeding checks only when the deployments record says seeding of the current version
 * completed and the chain has reached the block it completed in (devnet/deploy.ts `seedingDone`), against a real anvil.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestChain, type TestChain } from '../../../test/helpers/chain.ts'
import type { DeploymentsFile } from '../src/chain/deployments.ts'
import { SEED_VERSION, seedingDone } from '../src/devnet/deploy.ts'

let t: TestChain
beforeAll(async () => {
  t = await startTestChain()
  await t.increaseTime(1) // mines a block: the head is 1
})
afterAll(async () => t?.stop())

const record = (seeded?: unknown) =>
  ({
    chainId: 31337,
    method: 'create',
    deployer: '0x0000000000000000000000000000000000000001',
    treasury: '0x0000000000000000000000000000000000000001',
    deployedAt: '2026-12-05T00:00:00.000Z',
    contracts: {},
    ...(seeded === undefined ? {} : { seeded }),
  }) as unknown as DeploymentsFile

describe('seedingDone', () => {
  it('is true for this version at or below the head, false for a chain behind the block seeding finished in', async () => {
    const head = await t.publicClient.getBlockNumber({ cacheTime: 0 })
    expect(head).toBeGreaterThan(0n)
    expect(await seedingDone(t.publicClient, record({ version: SEED_VERSION, block: head.toString() }))).toBe(true)
    expect(await seedingDone(t.publicClient, record({ version: SEED_VERSION, block: '0' }))).toBe(true)
    expect(await seedingDone(t.publicClient, record({ version: SEED_VERSION, block: (head + 1n).toString() }))).toBe(
      false,
    )
  })

  it('is false without a mark, for another version, and for a mark that is not a block number', async () => {
    expect(await seedingDone(t.publicClient, record())).toBe(false)
    expect(await seedingDone(t.publicClient, record({ version: SEED_VERSION - 1, block: '0' }))).toBe(false)
    expect(await seedingDone(t.publicClient, record({ version: SEED_VERSION, block: 'latest' }))).toBe(false)
    expect(await seedingDone(t.publicClient, record({ version: SEED_VERSION, block: 12 }))).toBe(false)
    expect(await seedingDone(t.publicClient, record({ version: SEED_VERSION, block: '1'.repeat(40) }))).toBe(false)
  })
})
