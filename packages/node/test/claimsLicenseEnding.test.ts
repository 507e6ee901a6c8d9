/**
 * The claimer and license ends (audit B1): a claim accepts an expired license for one hour only, so the miner claims
 * a model channel before its license expires ('license ending') and at once after it ended ('license ended'), and
 * leaves the others for their threshold or age. The market and the chain are stand-ins; what is checked is which
 * channels the claimer picks and why.
 */
import { join } from 'node:path'
import type { WriteClient } from '@mycel/sdk'
import { describe, expect, it } from 'vitest'
import { tempDir } from '../../../test/helpers/chain.ts'
import { createTxQueue } from '../src/chain/txQueue.ts'
import type { Common } from '../src/common/common.ts'
import { Metrics } from '../src/common/metrics.ts'
import { openDatabase } from '../src/db/database.ts'
import type { LicenseStatus, Market } from '../src/markets/licenses.ts'
import { createClaimer } from '../src/miner/claims.ts'
import type { ChannelLedgerRow, MinerLedger } from '../src/miner/ledger.ts'
import type { ChannelCache } from '../src/payments/channelCache.ts'

const account = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
const payer = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC'
const token = '0x5FbDB2315678afecb367f032d93F642f64180aa3'

const row = (channelId: bigint, modelId: bigint): ChannelLedgerRow => ({
  channelId,
  payer,
  token,
  modelId,
  best: {
    channelId,
    cumulativeAmount: 1_000n,
    cumulativeRequests: 1n,
    cumulativeUnits: 0n,
    signature: `0x${'11'.repeat(65)}`,
  },
  served: 1_000n,
  servedRequests: 1,
  claimed: 0n,
  unclaimedSince: undefined,
  closed: false,
})

describe('createClaimer and license ends', () => {
  it('claims a model channel whose license expires within the safety margin, or ended within the grace, and no other', async () => {
    const now = BigInt(Math.floor(Date.now() / 1000))
    const status = (over: Partial<LicenseStatus>): LicenseStatus => ({
      valid: true,
      licenseId: 1n,
      royaltyBps: 1_000,
      reason: '',
      claimableUntil: 0n,
      endsAt: 2n ** 64n - 1n,
      ...over,
    })
    // Model 1: valid, expires in 30 s (safety 60 s). Model 2: valid for a day. Model 3: expired 10 s ago (grace 1 h).
    // Model 4: expired two hours ago (past the grace: left out of the claim).
    const licenses = new Map<bigint, LicenseStatus>([
      [1n, status({ endsAt: now + 30n, claimableUntil: now + 30n + 3_600n })],
      [2n, status({ endsAt: now + 86_400n, claimableUntil: now + 86_400n + 3_600n })],
      [3n, status({ valid: false, reason: 'ended', endsAt: now - 10n, claimableUntil: now - 10n + 3_600n })],
      [4n, status({ valid: false, reason: 'ended', endsAt: now - 7_200n, claimableUntil: now - 3_600n })],
    ])
    const market = {
      license: async (_holder: string, modelId: bigint) => licenses.get(modelId),
      invalidate: () => {},
    } as unknown as Market
    const rows = [row(11n, 1n), row(12n, 2n), row(13n, 3n), row(14n, 4n)]
    const ledger = { channels: () => rows, markClosed: () => {}, recordClaimed: () => {} } as unknown as MinerLedger
    const tried: string[] = []
    const logger = {
      info: () => {},
      warn: (entry: { msg: string; channelId?: string }) => {
        if (entry.msg.startsWith('claim refused') && entry.channelId) tried.push(entry.channelId)
      },
    }
    const db = openDatabase(join(tempDir('mycel-claims-ending-'), 'node.db'))
    const claimer = createClaimer({ metrics: new Metrics(), txQueue: createTxQueue(), logger } as unknown as Common, {
      db,
      ledger,
      cache: { get: () => undefined, load: async () => undefined } as unknown as ChannelCache,
      // No chain behind it: every claim fails, and the claimer names each channel it tried one by one.
      wallet: { account: { address: account } } as unknown as WriteClient,
      paymentChannels: token,
      policy: { threshold: 10n ** 18n, maxAgeMs: 3_600_000, safetySeconds: 60n, maxBatch: 10 },
      market,
    })
    await expect(claimer.claimDue()).rejects.toThrow()
    expect(tried.sort()).toEqual(['11', '13'])
    db.close()
  })
})
