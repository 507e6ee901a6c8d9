/**
 * Starts the node's incentive roles after the paid-inference ones: validators (scoring and commit-reveal) and the
 * epoch duties. On the devnet, `auto` turns both on: the validator registers in every subnet and stakes on itself
 * so it holds a permit. With `subnetDemo` (what `npm start` runs) the `digits` subnet also gets three graded miners
 * (models trained on 100, 200 and 1,000 samples) and a second validator with half the stake, so epochs pay miners
 * by measured quality from the first minute.
 */

import {
  getNeurons,
  getStake,
  getSubnetParams,
  getSubnets,
  type MycelAddresses,
  registerNeuron,
  setSubnetParams,
  stake,
  type WriteClient,
} from '@mycel/sdk'
import type { LocalAccount } from 'viem/accounts'
import type { Common, RoleContext } from '../common/common.ts'
import { createDutyLoops } from '../common/dutyLoops.ts'
import { keptPorts } from '../common/ports.ts'
import { roleEnabled } from '../config/options.ts'
import { devnetAccount } from '../devnet/accounts.ts'
import { createEpochKeeper, type EpochKeeper } from '../epochs/keeper.ts'
import { loadModels } from '../inference/models.ts'
import { type Miner, startMiner } from '../miner/miner.ts'
import { startValidator, type Validator } from '../validator/validator.ts'
import { roleAccount, walletFor } from './accounts.ts'
import type { KeyUse } from './keysInUse.ts'

export type Incentives = {
  validators: Validator[]
  /** The keys the validators, the epoch duties and the demo miners sign with (published in node.json). */
  keys: KeyUse[]
  keeper?: EpochKeeper
  demoMiners: Miner[]
  /** Starts the loops (scoring rounds, commit-reveal, epoch duties): the node does once it is ready. */
  startDuties: () => void
  stop: () => Promise<void>
}

/** The demo's graded miners (devnet accounts 4, 5, 6) and its second validator (account 7). */
export const DEMO_MINERS = [
  { account: 4, model: 'digits-1000' },
  { account: 5, model: 'digits-200' },
  { account: 6, model: 'digits-100' },
] as const
export const DEMO_SECOND_VALIDATOR = 7

/**
 * Subnet parameters the devnet's subnets get, so an epoch takes seconds, not hours. Epochs settle one at a time, each
 * waiting out the challenge window after its proposal (20 blocks on the devnet, see devnet/deploy.ts), so settlement
 * keeps up with the chain only if a tempo is longer than that window plus the keeper's latency: a tempo of twice the
 * window leaves 20 blocks for the latency (at ~4 blocks/s with the devnet's transactions, 5 s).
 */
export const DEVNET_SUBNET_PARAMS = {
  tempo: 40,
  commitRevealPeriod: 1,
  weightsRateLimit: 10,
  activityCutoff: 200,
  immunityPeriod: 100,
  maxValidators: 8,
  // Yuma3's liquid alpha: bonds follow a validator's early agreement with consensus fast (α 0.7–0.9), so rows that
  // lag the others (a weight copier's) earn little. The default for new subnets; set here too for devnets whose
  // subnets were created before it was.
  liquidAlpha: true,
} as const

export async function startIncentives(
  common: Common,
  ctx: RoleContext & {
    addresses: MycelAddresses
    /** The node's API URL: validators publish it as their endpoint. */
    url: string
  },
): Promise<Incentives> {
  const { options, logger } = common
  const log = logger.child({ role: 'incentives' })
  const on = (value: 'auto' | 'on' | 'off') => roleEnabled(value, ctx.devnet)
  const result: Incentives = { validators: [], keys: [], demoMiners: [], startDuties: () => {}, stop: async () => {} }
  const stops: (() => Promise<void>)[] = []
  result.stop = async () => {
    for (const stop of stops.reverse()) await stop()
  }
  if (!on(options.validator) && !on(options.epochs)) return result
  const registry = ctx.addresses.subnetRegistry
  let keeperWallet: WriteClient | undefined
  const contracts = {
    registry,
    staking: ctx.addresses.staking,
    weights: ctx.addresses.weights,
    epochs: ctx.addresses.epochs,
  }
  try {
    const subnets = await getSubnets(ctx.client, { registry })
    const accounts: LocalAccount[] = []
    if (on(options.validator)) {
      accounts.push(
        roleAccount(options.validatorKey, { chainId: ctx.chainId, dataDir: options.dataDir, setting: 'validatorKey' }),
      )
      if (ctx.devnet && options.subnetDemo) accounts.push(devnetAccount(DEMO_SECOND_VALIDATOR))
    }
    const keeperAccount =
      accounts[0] ??
      roleAccount(options.validatorKey, { chainId: ctx.chainId, dataDir: options.dataDir, setting: 'validatorKey' })
    keeperWallet = walletFor(keeperAccount, ctx.chain, ctx.rpcUrl, options.pollIntervalMs)

    // Who is registered where, read once for every subnet concerned: a restart then only reads, side by side.
    const wanted = (names: string[]) =>
      names.includes('auto') ? subnets : subnets.filter((s) => names.includes(s.name))
    const demoSubnet = ctx.devnet && options.subnetDemo ? subnets.find((s) => s.name === 'digits') : undefined
    const concerned = new Set([
      ...(accounts.length > 0 ? wanted(options.validatorSubnets) : []).map((s) => s.netuid),
      ...(demoSubnet ? [demoSubnet.netuid] : []),
    ])
    const neuronsOf = new Map(
      await Promise.all(
        [...concerned].map(async (netuid) => [netuid, await getNeurons(ctx.client, { registry, netuid })] as const),
      ),
    )
    const neuronOf = (netuid: number, address: string) =>
      neuronsOf.get(netuid)?.find((n) => n.hotkey.toLowerCase() === address.toLowerCase())

    if (ctx.devnet && options.subnetDemo) {
      // Fast epochs on the devnet's own subnets (the treasury owns them).
      const owner = walletFor(devnetAccount(0), ctx.chain, ctx.rpcUrl)
      const owned = subnets.filter((x) => x.owner === owner.account.address)
      const params = await Promise.all(
        owned.map((s) => getSubnetParams(ctx.client, { registry, netuid: BigInt(s.netuid) })),
      )
      for (const [i, s] of owned.entries()) {
        const current = params[i] as (typeof params)[number]
        const differs = Object.entries(DEVNET_SUBNET_PARAMS).some(
          ([key, value]) => current[key as keyof typeof current] !== value,
        )
        if (differs) {
          await setSubnetParams(owner, {
            registry,
            netuid: BigInt(s.netuid),
            params: { ...current, ...DEVNET_SUBNET_PARAMS },
          })
        }
      }
      const digits = demoSubnet
      const ports = keptPorts(options.dataDir)
      const startDemoMiner = async (demo: (typeof DEMO_MINERS)[number]) => {
        const account = devnetAccount(demo.account)
        const models = await loadModels([demo.model])
        const miner = await startMiner(common, {
          db: ctx.db,
          client: ctx.client,
          wallet: walletFor(account, ctx.chain, ctx.rpcUrl, options.pollIntervalMs),
          chainId: ctx.chainId,
          paymentChannels: ctx.addresses.paymentChannels,
          registry,
          token: (options.paymentToken ?? ctx.addresses.testUsd ?? ctx.addresses.mycelToken) as `0x${string}`,
          models: models.map((model) => ({ model, price: { perRequest: 1_000n, per1kUnits: 0n } })),
          host: options.host,
          port: await ports.take(`demo miner ${demo.account}`, options.host),
          subnets: digits ? ['digits'] : [],
          store: ctx.store,
          policy: { threshold: 1_000_000n, maxAgeMs: 3_600_000, safetySeconds: 300n, maxBatch: 100 },
          tickMs: Math.max(options.pollIntervalMs, 200),
        })
        stops.push(() => miner.stop())
        ports.keep(`demo miner ${demo.account}`, miner.url)
        return miner
      }
      // Registrations go one after another (each raises the next one's cost); miners already registered start
      // side by side.
      const registered = DEMO_MINERS.every((d) => digits && neuronOf(digits.netuid, devnetAccount(d.account).address))
      const miners: Miner[] = []
      if (registered) miners.push(...(await settleAll(DEMO_MINERS.map(startDemoMiner))))
      else for (const demo of DEMO_MINERS) miners.push(await startDemoMiner(demo))
      for (const miner of miners) {
        result.demoMiners.push(miner)
        result.keys.push({ role: 'demo miner', address: miner.payee })
      }
    }

    // Validators: registered (as validators) and, on the devnet, staked. What is missing is sent one transaction
    // after another; a restart, with nothing missing, only reads.
    const plans = await Promise.all(
      accounts.map(async (account, i) => {
        const wallet = walletFor(account, ctx.chain, ctx.rpcUrl, options.pollIntervalMs) as WriteClient & {
          account: LocalAccount
        }
        const steps = await Promise.all(
          wanted(options.validatorSubnets).map(async (subnet) => {
            const netuid = BigInt(subnet.netuid)
            const stakeTarget = ctx.devnet ? BigInt(options.validatorStake) / BigInt(i + 1) : 0n
            const { own } = ctx.devnet
              ? await getStake(ctx.client, {
                  staking: contracts.staking,
                  netuid,
                  hotkey: account.address,
                  staker: account.address,
                })
              : { own: 0n }
            return { subnet, netuid, mine: neuronOf(subnet.netuid, account.address), missing: stakeTarget - own }
          }),
        )
        return { account, wallet, steps }
      }),
    )
    for (const { account, wallet, steps } of plans) {
      const netuids: bigint[] = []
      for (const { subnet, netuid, mine, missing } of steps) {
        if (!mine) {
          if (!ctx.devnet && !options.validatorSubnets.includes(subnet.name)) continue
          await registerNeuron(wallet, {
            registry,
            netuid,
            role: 'validator',
            endpoint: ctx.url,
            metadataCid: '',
          })
          log.info({ msg: 'validator registered', subnet: subnet.name, hotkey: account.address })
        } else if (mine.role !== 'validator') {
          log.warn({ msg: 'hotkey is registered as a miner here; not validating', subnet: subnet.name })
          continue
        }
        if (missing > 0n) {
          await stake(wallet, { staking: contracts.staking, netuid, hotkey: account.address, amount: missing })
        }
        netuids.push(netuid)
      }
      const validator = await startValidator(common, {
        db: ctx.db,
        wallet,
        chainId: ctx.chainId,
        registry,
        weights: contracts.weights,
        netuids,
      })
      result.validators.push(validator)
      result.keys.push({ role: 'validator', address: account.address })
      stops.push(() => validator.close())
    }

    if (on(options.epochs)) {
      const validated = [...new Set(result.validators.flatMap((v) => v.netuids))]
      const own = new Set(
        [...accounts.map((a) => a.address), ...result.demoMiners.map((m) => m.payee)].map((a) => a.toLowerCase()),
      )
      if (!result.keys.some((k) => k.address === keeperAccount.address)) {
        result.keys.push({ role: 'epoch duties', address: keeperAccount.address })
      }
      result.keeper = createEpochKeeper({
        db: ctx.db,
        wallet: keeperWallet as WriteClient,
        contracts,
        logger,
        propose: true,
        claimFor: ctx.devnet ? 'all' : own,
        metrics: common.metrics,
        netuids: async () =>
          validated.length > 0 ? validated : (await getSubnets(ctx.client, { registry })).map((s) => BigInt(s.netuid)),
      })
    }
  } catch (error) {
    await result.stop()
    throw error
  }

  // The loops: scoring rounds, commit-reveal and epoch duties, each serialized with itself; steps that send
  // transactions from the same account also take turns (one nonce sequence per account).
  const turns = new Map<string, Promise<unknown>>()
  const inTurn = (account: string, step: () => Promise<unknown>) => () => {
    const next = (turns.get(account) ?? Promise.resolve()).then(step, step)
    turns.set(
      account,
      next.catch(() => {}),
    )
    return next
  }
  const duties = createDutyLoops(log)
  stops.push(() => duties.stop())
  result.startDuties = () => {
    const loop = duties.loop
    for (const validator of result.validators) {
      loop('validator round', options.validatorIntervalMs, (signal) => validator.round(signal))
      loop(
        'commit-reveal',
        Math.max(options.pollIntervalMs, 500),
        inTurn(validator.hotkey.toLowerCase(), () => validator.setWeights()),
      )
    }
    const keeper = result.keeper
    if (keeper) {
      loop(
        'epoch duties',
        Math.max(options.pollIntervalMs, 500),
        inTurn((keeperWallet as WriteClient).account.address.toLowerCase(), () => keeper.tick()),
      )
    }
  }
  return result
}

/** Waits for every start; throws the first failure once all have ended (each registered its own stop). */
async function settleAll<value>(starts: Promise<value>[]): Promise<value[]> {
  const results = await Promise.allSettled(starts)
  const failed = results.find((r) => r.status === 'rejected')
  if (failed) throw failed.reason
  return results.map((r) => (r as PromiseFulfilledResult<value>).value)
}
