/**
 * The devnet demo (what `npm start` runs with `subnetDemo`): fast subnet parameters on the devnet's own subnets, the
 * `digits` subnet's three graded miners (models trained on 100, 200 and 1,000 samples) and a second validator with
 * half the stake, and validators staking on themselves on the devnet so they hold a permit. Called only from the
 * wiring in app/; it starts no role itself (the wiring passes the miner starter in).
 */
import { getStake, getSubnetParams, type MycelAddresses, setSubnetParams, stake, type WriteClient } from '@mycel/sdk'
import type { Address, PublicClient } from 'viem'
import type { LocalAccount } from 'viem/accounts'
import { devnetAccount } from './accounts.ts'

/** The demo's graded miners (devnet accounts 4, 5, 6) and its second validator (account 7). */
export const DEMO_MINERS = [
  { account: 4, model: 'digits-1000' },
  { account: 5, model: 'digits-200' },
  { account: 6, model: 'digits-100' },
] as const
export const DEMO_SECOND_VALIDATOR = 7

export type DemoMiner = (typeof DEMO_MINERS)[number]

/** The devnet account that owns the devnet's subnets (the treasury). */
export const demoOwnerAccount = (): LocalAccount => devnetAccount(0)

/** The validators the demo adds to the node's own: the second validator, with half the stake. */
export const demoValidatorAccounts = (): LocalAccount[] => [devnetAccount(DEMO_SECOND_VALIDATOR)]

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

/** Fast epochs on the devnet's own subnets (those `owner` owns): sets {@link DEVNET_SUBNET_PARAMS} where they differ. */
export async function setDemoSubnetParams(
  owner: WriteClient,
  {
    client,
    registry,
    subnets,
  }: { client: PublicClient; registry: Address; subnets: { netuid: number; owner: string }[] },
): Promise<void> {
  const owned = subnets.filter((x) => x.owner === owner.account.address)
  const params = await Promise.all(owned.map((s) => getSubnetParams(client, { registry, netuid: BigInt(s.netuid) })))
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
}

/**
 * Starts the demo miners with `start` (the wiring's miner starter). Registrations go one after another (each raises
 * the next one's cost); when all are registered already (`registered`), they start side by side. Each start
 * registers its own stop, so a failure leaves nothing running that cannot be stopped.
 */
export async function startDemoMiners<miner>(
  start: (demo: DemoMiner, account: LocalAccount) => Promise<miner>,
  registered: (address: Address) => boolean,
): Promise<miner[]> {
  const run = (demo: DemoMiner) => start(demo, devnetAccount(demo.account))
  if (DEMO_MINERS.every((d) => registered(devnetAccount(d.account).address))) return settleAll(DEMO_MINERS.map(run))
  const miners: miner[] = []
  for (const demo of DEMO_MINERS) miners.push(await run(demo))
  return miners
}

/** Validators staking on themselves on the devnet: the `index`-th validator aims at `validatorStake / (index + 1)`. */
export type SelfStake = {
  /** What `hotkey` (the `index`-th validator) still has to stake on itself in `netuid`. */
  missing: (hotkey: Address, index: number, netuid: bigint) => Promise<bigint>
  stake: (wallet: WriteClient, hotkey: Address, netuid: bigint, amount: bigint) => Promise<void>
}

export function devnetSelfStake(
  client: PublicClient,
  { addresses, validatorStake }: { addresses: Pick<MycelAddresses, 'staking'>; validatorStake: bigint },
): SelfStake {
  return {
    async missing(hotkey, index, netuid) {
      const target = validatorStake / BigInt(index + 1)
      const { own } = await getStake(client, { staking: addresses.staking, netuid, hotkey, staker: hotkey })
      return target - own
    },
    async stake(wallet, hotkey, netuid, amount) {
      await stake(wallet, { staking: addresses.staking, netuid, hotkey, amount })
    },
  }
}

/** Waits for every start; throws the first failure once all have ended (each registered its own stop). */
async function settleAll<value>(starts: Promise<value>[]): Promise<value[]> {
  const results = await Promise.allSettled(starts)
  const failed = results.find((r) => r.status === 'rejected')
  if (failed) throw failed.reason
  return results.map((r) => (r as PromiseFulfilledResult<value>).value)
}
