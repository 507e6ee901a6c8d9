/**
 * Wires the training market into the node (docs/training.md): the trainer and verifier roles when they are on (`npm
 * start` turns both on, with the example MNIST job posted on a fresh devnet), their duty loops, and the read side the
 * API and the dashboard show (`GET /api/training`: jobs, bids, progress, checkpoints, disputes, research rounds;
 * one read a second shared by every caller). On the devnet the
 * roles' accounts get their stake from the treasury.
 */
import {
  getTrainingCheckpoints,
  listResearchRounds,
  listTrainingDisputes,
  listTrainingJobs,
  type MycelAddresses,
  mycelTokenAbi,
  writeContractAndWait,
} from '@mycel/sdk'
import type { Address } from 'viem'
import type { LocalAccount } from 'viem/accounts'
import { sendTransaction } from 'viem/actions'
import type { Common, RoleContext } from '../common/common.ts'
import { createDutyLoops } from '../common/dutyLoops.ts'
import { sharedFor } from '../common/shared.ts'
import { roleEnabled } from '../config/options.ts'
import { devnetAccount } from '../devnet/accounts.ts'
import type { TrainingApi } from '../http/trainingRoutes.ts'
import { createTrainer, type Trainer } from '../trainer/trainer.ts'
import { jobDatasets } from '../training/jobDataset.ts'
import { createVerifier, type Verifier } from '../verifier/verifier.ts'
import { type KeyOf, walletFor } from './accounts.ts'

export type Training = {
  api: TrainingApi
  keys: { role: string; address: Address }[]
  /** Starts the roles' loops (and the devnet's demo job) once start-up sent its own transactions. */
  startDuties: () => void
  stop: () => Promise<void>
}

export async function startTraining(
  common: Common,
  ctx: RoleContext & { addresses: MycelAddresses; keyOf: KeyOf; url: string },
): Promise<Training> {
  const { options } = common
  const log = common.logger
  const on = (value: 'auto' | 'on' | 'off') => roleEnabled(value, ctx.devnet)
  const loops = createDutyLoops(log)
  const keys: Training['keys'] = []
  const wallet = (account: LocalAccount) => walletFor(account, ctx.chain, ctx.rpcUrl, options.pollIntervalMs)
  const inTxFor =
    (account: LocalAccount) =>
    <value>(send: () => Promise<value>) =>
      common.txQueue.run(account.address, send)
  let trainer: Trainer | undefined
  let verifier: Verifier | undefined
  const datasetsContext = { client: ctx.client, chainId: ctx.chain.id, addresses: ctx.addresses, store: ctx.store }
  if (on(options.trainer)) {
    const key = ctx.keyOf('trainerKey')
    const { account } = key
    if (ctx.devnet) await fundFromTreasury(ctx, account.address, BigInt(options.trainerStake))
    trainer = createTrainer({
      wallet: wallet(account),
      datasets: jobDatasets({ ...datasetsContext, key, enrol: { wallet: wallet(account), inTx: inTxFor(account) } }),
      client: ctx.client,
      addresses: ctx.addresses,
      store: ctx.store,
      logger: log.child({ role: 'trainer' }),
      inTx: inTxFor(account),
      options: {
        dataDir: options.dataDir,
        stake: BigInt(options.trainerStake),
        pricePerStep: BigInt(options.trainerPricePerStep),
        maxParameters: options.trainerMaxParameters,
        endpoint: ctx.url,
        cores: 2,
        memoryMiB: 4096,
      },
    })
    keys.push({ role: 'trainer', address: account.address })
  }
  if (on(options.verifier)) {
    const key = ctx.keyOf('verifierKey')
    const { account } = key
    if (ctx.devnet) await fundFromTreasury(ctx, account.address, BigInt(options.verifierStake))
    verifier = createVerifier({
      wallet: wallet(account),
      datasets: jobDatasets({ ...datasetsContext, key, enrol: { wallet: wallet(account), inTx: inTxFor(account) } }),
      client: ctx.client,
      addresses: ctx.addresses,
      store: ctx.store,
      logger: log.child({ role: 'verifier' }),
      inTx: inTxFor(account),
      options: { stake: BigInt(options.verifierStake), segments: options.verifierSegments, endpoint: ctx.url },
    })
    keys.push({ role: 'verifier', address: account.address })
  }
  // One walk of the chain a second, whatever the number of dashboards polling (common/shared.ts).
  const sharedOverview = sharedFor(1000, () => overview(ctx, trainer, verifier))
  const api: TrainingApi = {
    overview: () => sharedOverview(undefined),
    checkpoint: (jobId, round, index) => trainer?.checkpoint(jobId, round, index),
  }
  return {
    api,
    keys,
    startDuties() {
      if (trainer) loops.loop('trainer', options.pollIntervalMs, () => (trainer as Trainer).tick())
      if (verifier) loops.loop('verifier', options.pollIntervalMs, () => (verifier as Verifier).tick())
    },
    async stop() {
      await loops.stop()
    },
  }
}

/**
 * Gives `to` MYC from the devnet treasury up to `amount` (what a role stakes), and 10 ETH for gas when it has less
 * than 1 (the roles' default accounts, 10 and 11, are past the ten anvil funds).
 */
async function fundFromTreasury(ctx: RoleContext & { addresses: MycelAddresses }, to: Address, amount: bigint) {
  const treasury = walletFor(devnetAccount(0), ctx.chain, ctx.rpcUrl)
  if ((await ctx.client.getBalance({ address: to })) < 10n ** 18n) {
    const hash = await sendTransaction(treasury, {
      to,
      value: 10n * 10n ** 18n,
      account: treasury.account,
      chain: ctx.chain,
    })
    await ctx.client.waitForTransactionReceipt({ hash })
  }
  const balance = await ctx.client.readContract({
    address: ctx.addresses.mycelToken,
    abi: mycelTokenAbi,
    functionName: 'balanceOf',
    args: [to],
  })
  if (balance >= amount) return
  await writeContractAndWait(treasury, {
    address: ctx.addresses.mycelToken,
    abi: mycelTokenAbi,
    functionName: 'transfer',
    args: [to, amount - balance],
  })
}

const plain = (value: unknown): unknown =>
  JSON.parse(JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)))

async function overview(
  ctx: RoleContext & { addresses: MycelAddresses },
  trainer: Trainer | undefined,
  verifier: Verifier | undefined,
) {
  const jobs = await listTrainingJobs(ctx.client, { trainingJobs: ctx.addresses.trainingJobs, limit: 20 })
  const disputes = await listTrainingDisputes(ctx.client, { trainingDisputes: ctx.addresses.trainingDisputes })
  const rounds = await listResearchRounds(ctx.client, { researchRounds: ctx.addresses.researchRounds, limit: 10 })
  const withCheckpoints = await Promise.all(
    jobs.map(async (job) => {
      const posted =
        job.status === 'bidding'
          ? undefined
          : await getTrainingCheckpoints(ctx.client, { trainingJobs: ctx.addresses.trainingJobs, jobId: job.id })
      return { ...job, checkpoints: posted?.checkpoints.length ?? 0 }
    }),
  )
  return plain({
    jobs: withCheckpoints,
    disputes,
    rounds,
    trainer: trainer?.status(),
    verifier: verifier?.status(),
  })
}
