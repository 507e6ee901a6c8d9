/**
 * Starts the node's incentive roles after the paid-inference ones: validators (scoring and commit-reveal) and the
 * epoch duties. On the devnet, `auto` turns both on: each validator registers in every subnet and (with the
 * `selfStake` the wiring passes in) stakes on itself so it holds a permit. The accounts are injected by the wiring
 * (start.ts), the devnet demo's too (devnet/demo.ts, app/startDemo.ts); this starter reads no key itself.
 */

import { getNeurons, getSubnets, type MycelAddresses, registerNeuron, type WriteClient } from '@mycel/sdk'
import type { LocalAccount } from 'viem/accounts'
import type { Common, RoleContext } from '../common/common.ts'
import { createDutyLoops } from '../common/dutyLoops.ts'
import { roleEnabled } from '../config/options.ts'
import type { SelfStake } from '../devnet/demo.ts'
import { createEpochKeeper, type EpochKeeper } from '../epochs/keeper.ts'
import type { Miner } from '../miner/miner.ts'
import { startValidator, type Validator } from '../validator/validator.ts'
import { type IncentiveAccounts, walletFor } from './accounts.ts'

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

/** The accounts the incentive roles sign with, resolved by the wiring. */
export async function startIncentives(
  common: Common,
  ctx: RoleContext & {
    addresses: MycelAddresses
    /** The node's API URL: validators publish it as their endpoint. */
    url: string
    /** Resolved only when a role here is on (a missing key is then reported). */
    accounts: () => IncentiveAccounts
    /** Validators staking on themselves (the devnet's, from devnet/demo.ts); none when undefined. */
    selfStake?: SelfStake | undefined
    /** Miners the wiring started for this node's subnets (the devnet demo's): published with the keys, claimed for. */
    demoMiners?: Miner[] | undefined
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
    const { validators: accounts, keeper: keeperAccount } = ctx.accounts()
    keeperWallet = walletFor(keeperAccount, ctx.chain, ctx.rpcUrl, options.pollIntervalMs)

    // Who is registered where, read once for every subnet concerned: a restart then only reads, side by side.
    const wanted = (names: string[]) =>
      names.includes('auto') ? subnets : subnets.filter((s) => names.includes(s.name))
    const concerned = new Set((accounts.length > 0 ? wanted(options.validatorSubnets) : []).map((s) => s.netuid))
    const neuronsOf = new Map(
      await Promise.all(
        [...concerned].map(async (netuid) => [netuid, await getNeurons(ctx.client, { registry, netuid })] as const),
      ),
    )
    const neuronOf = (netuid: number, address: string) =>
      neuronsOf.get(netuid)?.find((n) => n.hotkey.toLowerCase() === address.toLowerCase())

    for (const miner of ctx.demoMiners ?? []) {
      result.demoMiners.push(miner)
      result.keys.push({ role: 'demo miner', address: miner.payee })
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
            const missing = ctx.selfStake ? await ctx.selfStake.missing(account.address, i, netuid) : 0n
            return { subnet, netuid, mine: neuronOf(subnet.netuid, account.address), missing }
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
        if (missing > 0n && ctx.selfStake) await ctx.selfStake.stake(wallet, account.address, netuid, missing)
        netuids.push(netuid)
      }
      const validator = await startValidator(common, {
        db: ctx.db,
        wallet,
        chainId: ctx.chainId,
        registry,
        weights: contracts.weights,
        netuids,
        store: ctx.store,
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
        txQueue: common.txQueue,
        netuids: async () =>
          validated.length > 0 ? validated : (await getSubnets(ctx.client, { registry })).map((s) => BigInt(s.netuid)),
      })
    }
  } catch (error) {
    await result.stop()
    throw error
  }

  // The loops: scoring rounds, commit-reveal and epoch duties, each serialized with itself. Each transaction they
  // send takes its turn in the node's one queue per account (common.txQueue) where it is sent.
  const duties = createDutyLoops(log)
  stops.push(() => duties.stop())
  result.startDuties = () => {
    const loop = duties.loop
    for (const validator of result.validators) {
      loop('validator round', options.validatorIntervalMs, (signal) => validator.round(signal))
      loop('commit-reveal', Math.max(options.pollIntervalMs, 500), () => validator.setWeights())
    }
    const keeper = result.keeper
    if (keeper) {
      loop('epoch duties', Math.max(options.pollIntervalMs, 500), () => keeper.tick())
    }
  }
  return result
}
