/**
 * The gateway spreads traffic by what the validators measured, end to end on the embedded devnet: two real miners
 * serve `digits` at the same price; a real validator (the weight setter) scores one high and one low, and a real epoch
 * keeper settles epochs until one goes final past its challenge window; then 200 requests through a gateway with a
 * seeded random source: the low-incentive miner gets clearly less traffic, yet some. The ranking the gateway reads
 * from the chain alone equals the one it reads from a keeper's own record of the same epoch.
 */
import { rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { getNeurons, getNextEpoch, getSubnets, registerNeuron, stake } from '@mycel/sdk'
import { type Address, createPublicClient, defineChain, http, parseEther } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '../../../test/helpers/chain.ts'
import { walletFor } from '../src/app/accounts.ts'
import type { MycelNode } from '../src/app/start.ts'
import { createTxQueue } from '../src/chain/txQueue.ts'
import { createLogger } from '../src/common/common.ts'
import { createContentStore } from '../src/content/contentStore.ts'
import { openDatabase } from '../src/db/database.ts'
import { loadFinalEpoch, recordEpoch } from '../src/db/stores/epochs.ts'
import { devnetAccount } from '../src/devnet/accounts.ts'
import { demoOwnerAccount, setDemoSubnetParams } from '../src/devnet/demo.ts'
import { createEpochKeeper } from '../src/epochs/keeper.ts'
import { createGateway, type Gateway } from '../src/gateway/gateway.ts'
import { createIncentiveReader } from '../src/gateway/incentives.ts'
import { loadModels } from '../src/inference/models.ts'
import { createRandom } from '../src/inference/sampling.ts'
import { type Miner, startMiner } from '../src/miner/miner.ts'
import { createWeightSetter } from '../src/validator/weightSetter.ts'
import { startTestNode } from './testNode.ts'

const dataDir = tempDir('mycel-ranking-')
/** The second miner's, the validator's and the keeper's files. */
const minerDir = tempDir('mycel-ranking-miner-')
const mnist = createRequire(import.meta.url)('mnist') as Record<number, { get: (i: number) => number[] }>
/** The node's own miner (account 2) and a second one (account 4); the validator (account 3). */
const [LOW, HIGH, VALIDATOR] = [devnetAccount(2), devnetAccount(4), devnetAccount(3)]
const REQUESTS = 200

let node: MycelNode
let second: Miner | undefined
let gateway: Gateway

beforeAll(async () => {
  node = await startTestNode(dataDir, {
    validator: 'off',
    epochs: 'off',
    gateway: 'off',
    minerModels: ['digits'],
    devnetBlockSeconds: 0,
  })
}, 120_000)
afterAll(async () => {
  await second?.stop()
  await node?.stop()
  rmSync(dataDir, { recursive: true, force: true })
  rmSync(minerDir, { recursive: true, force: true })
})

describe('the gateway ranks miners by the latest final epoch', () => {
  it('a miner the validators score low gets clearly less traffic, and still some', async () => {
    const { addresses, common } = node
    const chain = defineChain({
      id: node.chainId,
      name: 'devnet',
      nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
      rpcUrls: { default: { http: [node.rpcUrl] } },
    })
    const wallet = (account: Parameters<typeof walletFor>[0]) => walletFor(account, chain, node.rpcUrl, 100)
    const owner = walletFor(demoOwnerAccount(), chain, node.rpcUrl, 100)
    const client = createPublicClient({ chain, transport: http(node.rpcUrl) })
    const registry = addresses.subnetRegistry
    const digits = (await getSubnets(client, { registry })).find((s) => s.name === 'digits')
    if (!digits) throw new Error('the devnet has no digits subnet')
    const netuid = BigInt(digits.netuid)
    // The devnet's fast epochs, as `npm start` sets them (tempo 40, immunity 100 blocks).
    await setDemoSubnetParams(owner, {
      client,
      registry,
      subnets: [{ netuid: digits.netuid, owner: digits.owner }],
    })

    // A second miner serving the same model at the same price, started with the miner role's own starter.
    const token = node.roles.miner?.offer.token as Address | undefined
    if (!token) throw new Error('the node runs no miner')
    second = await startMiner(common, {
      db: openDatabase(join(minerDir, 'miner.db')),
      client,
      wallet: wallet(HIGH),
      chainId: node.chainId,
      paymentChannels: addresses.paymentChannels,
      registry,
      token,
      models: (await loadModels(['digits'])).map((model) => ({ model, price: { perRequest: 1_000n, per1kUnits: 0n } })),
      host: '127.0.0.1',
      port: 0,
      subnets: ['digits'],
      store: createContentStore(minerDir),
      policy: { threshold: 10n ** 18n, maxAgeMs: 3_600_000, safetySeconds: 300n, maxBatch: 100 },
      tickMs: 500,
    })

    // A validator with stake that scores the second miner 9× the first.
    const validator = wallet(VALIDATOR)
    await registerNeuron(validator, { registry, netuid, role: 'validator', endpoint: 'http://127.0.0.1:9' })
    await stake(validator, { staking: addresses.staking, netuid, hotkey: VALIDATOR.address, amount: parseEther('100') })
    // Every neuron is registered by now: an epoch snapshotted past this block plus the immunity period (100) rates
    // both miners as measured.
    const registeredBy = await client.getBlockNumber()
    const neurons = await getNeurons(client, { registry, netuid: digits.netuid })
    const uidOf = (a: { address: string }) =>
      neurons.find((n) => n.hotkey.toLowerCase() === a.address.toLowerCase())?.uid as number
    const [lowUid, highUid] = [uidOf(LOW), uidOf(HIGH)]
    expect(lowUid).toBeGreaterThanOrEqual(0)
    expect(highUid).toBeGreaterThanOrEqual(0)
    const scores = (n: number) =>
      Array.from({ length: n }, (_, uid) => (uid === highUid ? 0.9 : uid === lowUid ? 0.1 : 0))
    const setter = createWeightSetter({
      db: openDatabase(join(minerDir, 'validator.db')),
      wallet: validator,
      weights: addresses.weights,
      registry,
      netuid,
      txQueue: createTxQueue(),
    })
    const keeperDb = openDatabase(join(minerDir, 'keeper.db'))
    const keeper = createEpochKeeper({
      db: keeperDb,
      wallet: owner,
      contracts: { registry, staking: addresses.staking, weights: addresses.weights, epochs: addresses.epochs },
      netuids: async () => [netuid],
      logger: createLogger('silent'),
      propose: true,
      claimFor: 'all',
    })

    // Blocks go by; the validator commits and reveals, the keeper proposes and finalizes, until an epoch past both
    // miners' immunity in which the validator's weights count is final.
    const mine = (blocks: number) =>
      owner.request({ method: 'anvil_mine', params: [`0x${blocks.toString(16)}`] } as never) as Promise<unknown>
    let settled = keeper.settled(netuid)
    for (let round = 0; round < 200; round++) {
      await setter.tick(scores)
      await keeper.tick()
      settled = keeper.settled(netuid)
      const incentive = settled?.built.incentive ?? []
      const ranked = (incentive[highUid] ?? 0) > 0 && (incentive[lowUid] ?? 0) > 0
      if (ranked && (settled?.header.snapshotBlock ?? 0n) > registeredBy + 100n) break
      await mine(8)
    }
    if (!settled) throw new Error('no epoch went final')
    const finalEpoch = (await getNextEpoch(client, { epochs: addresses.epochs, netuid })).epoch - 1n

    // The gateway, on the node's index, reading the final epoch from the chain (it runs no keeper), with a seeded
    // random source.
    const db = openDatabase(join(dataDir, 'node.db'))
    const session = generatePrivateKey()
    gateway = createGateway(common, {
      db,
      client,
      wallet: wallet(devnetAccount(1)),
      session: { account: privateKeyToAccount(session), privateKey: session },
      chainId: node.chainId,
      paymentChannels: addresses.paymentChannels,
      token,
      budget: 100_000_000n,
      channelDeposit: 10_000_000n,
      epochs: addresses.epochs,
      random: createRandom(2026),
    })
    await gateway.discover()
    const rows = gateway.ranking().filter((r) => r.model === 'digits')
    const rowOf = (a: { address: string }) => rows.find((r) => r.payee.toLowerCase() === a.address.toLowerCase())
    const [low, high] = [rowOf(LOW), rowOf(HIGH)]
    if (!low || !high) throw new Error(`the gateway does not list both miners: ${JSON.stringify(rows)}`)
    expect(low.standings).toMatchObject([
      { netuid: digits.netuid, epoch: Number(finalEpoch), uid: lowUid, immune: false },
    ])
    expect(high.standings).toMatchObject([{ netuid: digits.netuid, epoch: Number(finalEpoch), uid: highUid }])
    // The validator's 9 : 1, through consensus (one validator: its weights are the consensus).
    expect(high.standings[0]?.incentive).toBeCloseTo(0.9, 3)
    expect(low.standings[0]?.incentive).toBeCloseTo(0.1, 3)
    expect(high.share).toBeGreaterThan(0.85)

    const image = mnist[3]?.get(900)
    for (let i = 0; i < REQUESTS; i++) {
      const response = await gateway.app.request('/v2/models/digits/infer', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ inputs: [{ name: 'input', shape: [1, 784], datatype: 'FP32', data: image }] }),
      })
      expect(response.status).toBe(200)
      await response.arrayBuffer()
    }
    const served = Object.fromEntries(
      gateway
        .ranking()
        .filter((r) => r.model === 'digits')
        .map((r) => [r.payee.toLowerCase(), r.served]),
    )
    const [lowServed, highServed] = [served[LOW.address.toLowerCase()] ?? 0, served[HIGH.address.toLowerCase()] ?? 0]
    expect(lowServed + highServed).toBe(REQUESTS)
    // Expected about 11% (weights 0.02 + 0.2 against 0.02 + 1.8): clearly less, and not nothing.
    expect(lowServed / REQUESTS).toBeLessThan(0.2)
    expect(lowServed).toBeGreaterThan(2)
    expect(highServed / lowServed).toBeGreaterThan(4)

    // A keeper's own record of the same final epoch gives the same standings as the chain.
    const recorded = loadFinalEpoch(keeperDb, netuid, finalEpoch)
    if (!recorded) throw new Error('the keeper recorded no final epoch')
    const viaChain = createIncentiveReader({ db, client, epochs: addresses.epochs, log: common.logger })
    await viaChain.refresh()
    recordEpoch(db, {
      netuid,
      epoch: finalEpoch,
      proposer: owner.account.address,
      header: recorded.header,
      proposal: recorded.proposal,
      built: recorded.built,
      final: true,
      emission: 0n,
    })
    const viaRecord = createIncentiveReader({ db, client, epochs: addresses.epochs, log: common.logger })
    await viaRecord.refresh()
    for (const a of [LOW, HIGH]) {
      const a1 = viaChain.standingsOf(a.address, 'digits', 'tensor')
      const a2 = viaRecord.standingsOf(a.address, 'digits', 'tensor')
      expect(a1).toHaveLength(1)
      expect(a2[0]?.incentive).toBeCloseTo(a1[0]?.incentive as number, 12)
    }

    // An Epochs address that answers nothing sensible: no standing, nothing thrown (every miner counts as the prior).
    const broken = createIncentiveReader({
      db,
      client,
      epochs: addresses.paymentChannels,
      log: createLogger('silent'),
    })
    await broken.refresh()
    expect(broken.standingsOf(HIGH.address, 'digits', 'tensor')).toEqual([])
  }, 300_000)
})
