/**
 * A miner in its own process, for the inference benchmark (so the load generator and the miner do not share a
 * core): serves `digits` and `text` paid (1000 units per request) and the same files as `digits-free` and
 * `text-free` at price zero, the baseline of "the same backend without payment". Reads its config from MYCEL_BENCH_MINER (JSON); prints
 * `{"url": …}` once listening; stops on SIGTERM.
 */
import { join } from 'node:path'
import { builtinModels } from '@mycel/models'
import type { WriteClient } from '@mycel/sdk'
import { createPublicClient, createWalletClient, http, type PublicClient } from 'viem'
import { foundry } from 'viem/chains'
import { createCommon } from '../../packages/node/src/common/common.ts'
import { resolveOptions } from '../../packages/node/src/config/options.ts'
import { createContentStore } from '../../packages/node/src/content/contentStore.ts'
import { migrations, openDatabase } from '../../packages/node/src/db/database.ts'
import { devnetAccount } from '../../packages/node/src/devnet/accounts.ts'
import { loadModels } from '../../packages/node/src/inference/models.ts'
import { startMiner } from '../../packages/node/src/miner/miner.ts'

const config = JSON.parse(process.env.MYCEL_BENCH_MINER ?? '{}') as {
  rpcUrl: string
  dataDir: string
  paymentChannels: `0x${string}`
  registry: `0x${string}`
  token: `0x${string}`
  payeeIndex: number
  /** Which of digits, text to serve (each also as <id>-free); default both. */
  models?: string[]
}
const transport = http(config.rpcUrl)
const client = createPublicClient({ chain: foundry, transport }) as PublicClient
const wallet = createWalletClient({
  account: devnetAccount(config.payeeIndex),
  chain: foundry,
  transport,
}) as WriteClient
const common = createCommon(resolveOptions({ flags: { dataDir: config.dataDir, logLevel: 'silent' }, env: {} }))
const db = openDatabase(join(config.dataDir, 'node.db'), migrations, { backgroundCheckpoints: true })
const models = await loadModels([
  'digits',
  `digits-free=${builtinModels.digits}`,
  'text',
  `text-free=${builtinModels.text}`,
])
const price = (id: string) => ({ perRequest: id.endsWith('-free') ? 0n : 1000n, per1kUnits: 0n })
const miner = await startMiner(common, {
  db,
  client,
  wallet,
  chainId: 31337,
  paymentChannels: config.paymentChannels,
  registry: config.registry,
  token: config.token,
  models: models.map((model) => ({ model, price: price(model.id) })),
  host: '127.0.0.1',
  port: 0,
  subnets: [],
  store: createContentStore(config.dataDir),
  policy: { threshold: 10n ** 30n, maxAgeMs: 3_600_000, safetySeconds: 60n, maxBatch: 100 },
  tickMs: 1000,
})
process.stdout.write(`${JSON.stringify({ url: miner.url, payee: miner.payee })}\n`)
process.on('SIGTERM', () => {
  void miner.stop().then(() => {
    db.close()
    process.exit(0)
  })
})
