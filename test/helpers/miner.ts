/** Starts a miner role in process against a test chain, for the payment and inference tests. */
import { join } from 'node:path'
import type { MycelAddresses } from '@mycel/sdk'
import { createCommon } from '../../packages/node/src/common/common.ts'
import { resolveOptions } from '../../packages/node/src/config/options.ts'
import { createContentStore } from '../../packages/node/src/content/contentStore.ts'
import { openDatabase } from '../../packages/node/src/db/database.ts'
import { loadModels } from '../../packages/node/src/inference/models.ts'
import { type Miner, startMiner } from '../../packages/node/src/miner/miner.ts'
import type { Price } from '../../packages/node/src/payments/pricing.ts'
import { type TestChain, tempDir } from './chain.ts'

export const TEST_PRICES: Record<string, Price> = {
  digits: { perRequest: 1_000n, per1kUnits: 0n },
  text: { perRequest: 100n, per1kUnits: 1_000n },
}

export type TestMiner = Miner & { dataDir: string; db: ReturnType<typeof openDatabase> }

export async function startTestMiner(
  t: TestChain,
  addresses: MycelAddresses,
  {
    payeeIndex = 2,
    dataDir = tempDir('mycel-miner-'),
    subnets = [] as string[],
    models = ['digits', 'text'],
    tickMs = 200,
    threshold = 10n ** 30n,
    maxAgeMs = 3_600_000,
    // Short, so that tests can wait for a metered cost to fall due (the default is METERED_GRACE_MS).
    meteredGraceMs = 300,
  } = {},
): Promise<TestMiner> {
  const options = resolveOptions({ flags: { dataDir, logLevel: 'silent' }, env: {} })
  const common = createCommon(options)
  const db = openDatabase(join(dataDir, 'node.db'))
  const loaded = await loadModels(models)
  const miner = await startMiner(common, {
    db,
    client: t.publicClient,
    wallet: t.wallet(payeeIndex),
    chainId: 31337,
    paymentChannels: addresses.paymentChannels,
    registry: addresses.subnetRegistry,
    token: addresses.testUsd as `0x${string}`,
    models: loaded.map((model) => ({ model, price: TEST_PRICES[model.id] ?? { perRequest: 1_000n, per1kUnits: 0n } })),
    host: '127.0.0.1',
    port: 0,
    subnets,
    store: createContentStore(dataDir),
    policy: { threshold, maxAgeMs, safetySeconds: 60n, maxBatch: 100 },
    tickMs,
    meteredGraceMs,
  })
  // The same object (its offer and offerCid are live getters: a republished offer shows), with the test's extras.
  const stopMiner = miner.stop
  return Object.assign(miner, {
    dataDir,
    db,
    stop: async () => {
      await stopMiner()
      db.close()
    },
  })
}
