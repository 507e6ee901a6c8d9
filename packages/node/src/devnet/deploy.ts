/**
 * Makes sure the mycel contracts are on the devnet: reuses the deployments file when its code is still on chain,
 * otherwise deploys (deterministically, from devnet account 0) and, on a fresh chain, seeds the built-in subnets and
 * the model market (devnet/models.ts).
 */
import { deployMycel, type WriteClient } from '@mycel/sdk'
import type { Logger } from 'pino'
import { type Chain, createWalletClient, http, type PublicClient, parseEther } from 'viem'
import { getBlockNumber } from 'viem/actions'
import {
  addressesOf,
  type DeploymentsFile,
  readDeployments,
  staleContracts,
  writeDeployments,
} from '../chain/deployments.ts'
import type { ContentStore } from '../content/contentStore.ts'
import { devnetAccount } from './accounts.ts'
import { seedModels } from './models.ts'
import { seedDevnet } from './seed.ts'

export const DEVNET_INITIAL_SUPPLY = parseEther('100000000')
export const DEVNET_CHALLENGE_PERIOD = 3600n

/**
 * What seeding makes (devnet/seed.ts, devnet/models.ts): a new version when it makes more, so data dirs seeded by an
 * older node are completed on their next start.
 */
export const SEED_VERSION = 1

/**
 * Whether this chain holds a completed seeding of the current version: the deployments record says so and the chain
 * has reached the block seeding finished in (a chain state saved before that point, by a node killed meanwhile, is
 * checked and completed again). Spares a restart the ~30 reads of the seeding checks.
 */
export async function seedingDone(client: PublicClient, record: DeploymentsFile): Promise<boolean> {
  const seeded = record.seeded
  // A hand-edited or foreign record is not trusted: seeding then checks the chain itself.
  if (seeded?.version !== SEED_VERSION || typeof seeded.block !== 'string' || !/^\d{1,20}$/.test(seeded.block)) {
    return false
  }
  return (await getBlockNumber(client, { cacheTime: 0 })) >= BigInt(seeded.block)
}

export async function ensureDevnetContracts(parameters: {
  dataDir: string
  client: PublicClient
  chain: Chain
  rpcUrl: string
  store: ContentStore
  seed: boolean
  logger: Logger
}): Promise<{ record: DeploymentsFile; deployed: boolean }> {
  const { dataDir, client, chain, rpcUrl, logger } = parameters
  const account = devnetAccount(0)
  const wallet = createWalletClient({ account, chain, transport: http(rpcUrl) })
  let record = readDeployments(dataDir, chain.id)
  let deployed = false
  if (!record || (await staleContracts(client, record)).length > 0) {
    const result = await deployMycel(wallet, {
      treasury: account.address,
      initialSupply: DEVNET_INITIAL_SUPPLY,
      // The contract's shortest close window, so local tests of closing do not wait a day of chain time.
      challengePeriodSeconds: DEVNET_CHALLENGE_PERIOD,
      // Ten blocks: on the devnet unstaked tokens unlock after a few transactions, not a day.
      stakeCooldownBlocks: 10n,
      // Disputes get 20 blocks on the devnet, where blocks follow transactions rather than the clock.
      challengeBlocks: 20n,
      testStablecoin: true,
      onProgress: (e) => logger.info({ msg: `contract ${e.status}`, contract: e.contract, address: e.address }),
    })
    deployed = Object.values(result.contracts).some((c) => c.transactionHash !== undefined)
    record = {
      chainId: chain.id,
      method: result.method,
      deployer: account.address,
      treasury: account.address,
      deployedAt: new Date().toISOString(),
      contracts: result.contracts,
    }
    writeDeployments(dataDir, record)
  }
  if (parameters.seed && !(await seedingDone(client, record))) {
    // Checked against chain state, so a first start interrupted halfway is completed now.
    const { funded, created } = await seedDevnet(wallet, addressesOf(record), parameters.store)
    if (funded.length || created.length) {
      logger.info({ msg: 'devnet seeded', funded: funded.length, subnets: created.map((s) => s.name) })
    }
    // The model market (devnet/models.ts): after the faucet, which pays the mint fees.
    const { registered } = await seedModels(wallet as WriteClient, addressesOf(record), parameters.store)
    if (registered.length) logger.info({ msg: 'devnet models seeded', models: registered.map(String) })
    record = {
      ...record,
      seeded: { version: SEED_VERSION, block: (await getBlockNumber(client, { cacheTime: 0 })).toString() },
    }
    writeDeployments(dataDir, record)
  }
  return { record, deployed }
}
