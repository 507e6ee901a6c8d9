/**
 * Wires the devnet demo (devnet/demo.ts) into the node: fast epochs on the devnet's subnets and the `digits` subnet's
 * graded miners (holding licenses of the market's models they serve), started with the miner role's own starter. Runs only on the devnet with `subnetDemo`, before the
 * validators start (see start.ts).
 */
import { getNeurons, getSubnets, type MycelAddresses } from '@mycel/sdk'
import type { Common, RoleContext } from '../common/common.ts'
import { keptPorts } from '../common/ports.ts'
import { DEMO_MINERS, demoOwnerAccount, setDemoSubnetParams, startDemoMiners } from '../devnet/demo.ts'
import { demoMinerLicenses, ensureLicenses } from '../devnet/models.ts'
import { loadModels } from '../inference/models.ts'
import { type Miner, startMiner } from '../miner/miner.ts'
import { walletFor } from './accounts.ts'

export type Demo = { miners: Miner[]; stop: () => Promise<void> }

export async function startDemo(common: Common, ctx: RoleContext & { addresses: MycelAddresses }): Promise<Demo> {
  const { options } = common
  const registry = ctx.addresses.subnetRegistry
  const stops: (() => Promise<void>)[] = []
  const demo: Demo = {
    miners: [],
    stop: async () => {
      for (const stop of stops.reverse()) await stop()
    },
  }
  try {
    const subnets = await getSubnets(ctx.client, { registry })
    const digits = subnets.find((s) => s.name === 'digits')
    const neurons = digits ? await getNeurons(ctx.client, { registry, netuid: digits.netuid }) : []
    const owner = walletFor(demoOwnerAccount(), ctx.chain, ctx.rpcUrl, options.pollIntervalMs)
    await setDemoSubnetParams(owner, { client: ctx.client, registry, subnets })
    // Each graded miner serving a model of the market holds its license (bought once; a restart only reads).
    await ensureLicenses(owner, ctx.addresses, demoMinerLicenses(DEMO_MINERS))
    const ports = keptPorts(options.dataDir)
    demo.miners = await startDemoMiners(
      async (d, account) => {
        const models = await loadModels([d.model])
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
          port: await ports.take(`demo miner ${d.account}`, options.host),
          subnets: digits ? ['digits'] : [],
          store: ctx.store,
          policy: { threshold: 1_000_000n, maxAgeMs: 3_600_000, safetySeconds: 300n, maxBatch: 100 },
          tickMs: Math.max(options.pollIntervalMs, 200),
        })
        stops.push(() => miner.stop())
        ports.keep(`demo miner ${d.account}`, miner.url)
        return miner
      },
      (address) => neurons.some((n) => n.hotkey.toLowerCase() === address.toLowerCase()),
    )
  } catch (error) {
    await demo.stop()
    throw error
  }
  return demo
}
