/**
 * The epoch keeper's and the weight setter's transactions take turns with every other send from their account
 * through the per-account queue: while another send of that account holds the queue, their transaction waits
 * (nothing reaches the chain), and once it is released their sends run one at a time, each through the queue.
 */
import {
  createSubnet,
  getEpochRecord,
  getNextEpoch,
  getSubnets,
  getWeightsCommit,
  type MycelAddresses,
  registerNeuron,
} from '@mycel/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { deployTestContracts, startTestChain, type TestChain, tempDir } from '../../../test/helpers/chain.ts'
import { createTxQueue, type TxQueue } from '../src/chain/txQueue.ts'
import { createLogger } from '../src/common/common.ts'
import { openDatabase } from '../src/db/database.ts'
import { createEpochKeeper } from '../src/epochs/keeper.ts'
import { createWeightSetter } from '../src/validator/weightSetter.ts'

/** A queue that records every send it runs: for which account, and how many of that account's ran at once. */
function recordingQueue() {
  const queue = createTxQueue()
  const sends: { account: string; label: string }[] = []
  const running = new Map<string, number>()
  let maxRunning = 0
  const recorded: TxQueue = {
    pending: queue.pending,
    run: (account, send) =>
      queue.run(account, async () => {
        const key = account.toLowerCase()
        running.set(key, (running.get(key) ?? 0) + 1)
        maxRunning = Math.max(maxRunning, running.get(key) ?? 0)
        sends.push({ account: key, label: sends.length === 0 ? 'other' : 'role' })
        try {
          return await send()
        } finally {
          running.set(key, (running.get(key) ?? 0) - 1)
        }
      }),
  }
  return { queue: recorded, sends, maxRunning: () => maxRunning }
}

/** Holds `account`'s turn until the returned release is called (another send of that account, say). */
function holdTurn(queue: TxQueue, account: string) {
  let release = () => {}
  const held = queue.run(account, () => new Promise<void>((resolve) => (release = resolve)))
  return async () => {
    release()
    await held
  }
}

/** Waits until `count` sends of `account` are queued or running. */
async function untilPending(queue: TxQueue, account: string, count: number) {
  const deadline = Date.now() + 30_000
  while (queue.pending(account) < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
}

const mine = (t: TestChain, blocks: bigint) =>
  blocks > 0n
    ? t.publicClient.request({ method: 'anvil_mine', params: [`0x${blocks.toString(16)}`] } as never)
    : Promise.resolve()

const SPEC_CID = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'

describe('role transactions take turns through the per-account transaction queue', () => {
  let t: TestChain
  let addresses: MycelAddresses
  beforeAll(async () => {
    t = await startTestChain()
    addresses = await deployTestContracts(t)
  }, 60_000)
  afterAll(async () => {
    await t?.stop()
  })

  it('the epoch keeper waits for the account’s other sends before proposing, then sends one at a time', async () => {
    const wallet = t.wallet(0)
    const account = wallet.account.address
    await createSubnet(wallet, {
      registry: addresses.subnetRegistry,
      name: 'queued',
      taskType: 't',
      scoringSpecCid: SPEC_CID,
      maxNeurons: 4,
      registrationCost: 0n,
    })
    const [subnet] = await getSubnets(t.publicClient, { registry: addresses.subnetRegistry })
    const netuid = BigInt(subnet?.netuid ?? 0)
    const { epoch, snapshotBlock } = await getNextEpoch(t.publicClient, { epochs: addresses.epochs, netuid })
    const head = await t.publicClient.getBlockNumber()
    const blocks = snapshotBlock - head + 2n
    if (blocks > 0n)
      await t.publicClient.request({ method: 'anvil_mine', params: [`0x${blocks.toString(16)}`] } as never)

    const recorded = recordingQueue()
    const keeper = createEpochKeeper({
      db: openDatabase(`${tempDir()}/keeper.db`),
      wallet,
      contracts: {
        registry: addresses.subnetRegistry,
        staking: addresses.staking,
        weights: addresses.weights,
        epochs: addresses.epochs,
      },
      netuids: async () => [netuid],
      logger: createLogger('silent'),
      propose: true,
      claimFor: 'all',
      txQueue: recorded.queue,
    })

    // Another send of the same account (say, a validator's reveal) holds the queue.
    const release = holdTurn(recorded.queue, account)
    const ticking = keeper.tick()
    await untilPending(recorded.queue, account, 2)
    // The keeper has queued its first send behind the other one, and nothing of it reached the chain.
    expect(recorded.queue.pending(account)).toBe(2)
    expect(recorded.sends).toEqual([{ account: account.toLowerCase(), label: 'other' }])
    expect((await getEpochRecord(t.publicClient, { epochs: addresses.epochs, netuid, epoch })).proposed).toBe(false)

    await release()
    const events = await ticking
    expect(events).toContainEqual({ kind: 'proposed', netuid, epoch })
    expect((await getEpochRecord(t.publicClient, { epochs: addresses.epochs, netuid, epoch })).proposed).toBe(true)
    // The bond deposit and the proposal, each in the account's turn, never two at once.
    expect(recorded.sends.filter((s) => s.label === 'role')).toHaveLength(2)
    expect(recorded.sends.every((s) => s.account === account.toLowerCase())).toBe(true)
    expect(recorded.maxRunning()).toBe(1)
    expect(recorded.queue.pending(account)).toBe(0)
  }, 120_000)

  it('the weight setter commits and reveals in the account’s turn', async () => {
    const owner = t.wallet(0)
    const wallet = t.wallet(1)
    const account = wallet.account.address
    await createSubnet(owner, {
      registry: addresses.subnetRegistry,
      name: 'weighed',
      taskType: 't',
      scoringSpecCid: SPEC_CID,
      maxNeurons: 4,
      registrationCost: 0n,
    })
    const subnet = (await getSubnets(t.publicClient, { registry: addresses.subnetRegistry })).find(
      (s) => s.name === 'weighed',
    )
    const netuid = BigInt(subnet?.netuid ?? 0)
    const endpoint = 'http://127.0.0.1:9'
    await registerNeuron(wallet, { registry: addresses.subnetRegistry, netuid, role: 'validator', endpoint })
    await registerNeuron(t.wallet(2), { registry: addresses.subnetRegistry, netuid, role: 'miner', endpoint })

    const recorded = recordingQueue()
    const setter = createWeightSetter({
      db: openDatabase(`${tempDir()}/weights.db`),
      wallet,
      weights: addresses.weights,
      registry: addresses.subnetRegistry,
      netuid,
      txQueue: recorded.queue,
    })
    const scores = (n: number) => Array.from({ length: n }, (_, uid) => (uid === 1 ? 1 : 0))
    const onChain = () => getWeightsCommit(t.publicClient, { weights: addresses.weights, netuid, hotkey: account })

    // The commit waits for the account's other send.
    let release = holdTurn(recorded.queue, account)
    const committing = setter.tick(scores)
    await untilPending(recorded.queue, account, 2)
    expect(recorded.queue.pending(account)).toBe(2)
    expect(await onChain()).toBeNull()
    await release()
    const committed = await committing
    expect(committed?.kind).toBe('committed')
    expect(await onChain()).not.toBeNull()

    // So does the reveal, once its window opens.
    if (committed?.kind !== 'committed') throw new Error('not committed')
    await mine(t, committed.revealFrom - (await t.publicClient.getBlockNumber()) + 1n)
    release = holdTurn(recorded.queue, account)
    const revealing = setter.tick(scores)
    await untilPending(recorded.queue, account, 2)
    expect(recorded.queue.pending(account)).toBe(2)
    expect((await onChain())?.commitBlock).toBe(committed.block)
    await release()
    expect((await revealing)?.kind).toBe('revealed')
    expect(await onChain()).toBeNull()
    // The other send twice, the commit and the reveal: each alone in the account's turn.
    expect(recorded.sends).toHaveLength(4)
    expect(recorded.maxRunning()).toBe(1)
  }, 120_000)
})
