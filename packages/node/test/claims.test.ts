/** The claimer takes turns with every other send from the miner's account through the node-wide `txQueue`. */
import { join } from 'node:path'
import type { WriteClient } from '@mycel/sdk'
import { describe, expect, it } from 'vitest'
import { tempDir } from '../../../test/helpers/chain.ts'
import { createTxQueue } from '../src/chain/txQueue.ts'
import type { Common } from '../src/common/common.ts'
import { Metrics } from '../src/common/metrics.ts'
import { openDatabase } from '../src/db/database.ts'
import { createClaimer } from '../src/miner/claims.ts'
import type { MinerLedger } from '../src/miner/ledger.ts'
import type { ChannelCache } from '../src/payments/channelCache.ts'

const account = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'

describe('createClaimer', () => {
  it("waits for the sends queued before it from the miner's account, then looks for due channels", async () => {
    const db = openDatabase(join(tempDir('mycel-claims-'), 'node.db'))
    const txQueue = createTxQueue()
    const looked: string[] = []
    const ledger = {
      channels: () => {
        looked.push('claim looked')
        return []
      },
    } as unknown as MinerLedger
    const claimer = createClaimer({ metrics: new Metrics(), txQueue } as unknown as Common, {
      db,
      ledger,
      cache: {} as ChannelCache,
      wallet: { account: { address: account } } as unknown as WriteClient,
      paymentChannels: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
      policy: { threshold: 1n, maxAgeMs: 1000, safetySeconds: 60n, maxBatch: 10 },
    })
    let release = () => {}
    // Another send from the same account (the address in another case) is running.
    const other = txQueue.run(account.toLowerCase(), () => new Promise<void>((r) => (release = r)))
    const claim = claimer.claimDue()
    expect(txQueue.pending(account)).toBe(2)
    await new Promise((r) => setTimeout(r, 20))
    expect(looked).toEqual([])
    looked.push('other send done')
    release()
    await other
    expect(await claim).toBeUndefined()
    expect(looked).toEqual(['other send done', 'claim looked'])
    await new Promise((r) => setTimeout(r, 0))
    expect(txQueue.pending(account)).toBe(0)
    db.close()
  })
})
