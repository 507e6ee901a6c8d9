/**
 * The SDK actions that replace raw contract calls in the node and the CLI, against the real contracts on anvil:
 * who held a uid at a block, a hotkey's uid, validator permits, a subnet and its next epoch's settings, a channel's
 * scheduled session-key change and the channel count, and disputing a wrong epoch proposal (slashed) or a right
 * one (refused with the contract's error). Each test reverts to the same deployed world.
 */
import { type Abi, createWalletClient, custom, getAddress, type Hex, parseEther, parseEventLogs, toHex } from 'viem'
import { getBlock, getBlockNumber } from 'viem/actions'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  buildEpoch,
  ContractRevertError,
  createSubnet,
  depositProposerBond,
  disputeEpoch,
  epochsAbi,
  getChannelCount,
  getEpochProposals,
  getEpochRecord,
  getNeuronAt,
  getNextEpoch,
  getPendingSessionSigner,
  getProposerBond,
  getStakingToken,
  getSubnet,
  getSubnetEpochSettings,
  getSubnetParams,
  getTokenInfo,
  getUid,
  hasValidatorPermit,
  mycelTokenAbi,
  openChannel,
  planDisputes,
  proposeEpoch,
  readEpochState,
  registerNeuron,
  sessionKeysInForce,
  setSessionSigner,
  stake,
  testUsdAbi,
  writeContractAndWait,
  writeContractsAndWait,
} from '../src/index.ts'
import { type AnvilWorld, startAnvilWorld } from './helpers/anvil.ts'

let world: AnvilWorld
let netuid: bigint
let registeredAt: bigint
let base: Hex
const hot = getAddress('0x00000000000000000000000000000000000000a1')
const hot2 = getAddress('0x00000000000000000000000000000000000000a2')

const address = (i: number) => world.wallet(i).account.address
const registry = () => world.addresses.subnetRegistry

beforeAll(async () => {
  world = await startAnvilWorld()
  const owner = world.wallet(0)
  for (const i of [1, 2, 3]) {
    await writeContractAndWait(owner, {
      address: world.addresses.mycelToken,
      abi: mycelTokenAbi,
      functionName: 'transfer',
      args: [address(i), parseEther('1000')],
    })
  }
  ;({ netuid } = await createSubnet(owner, {
    registry: registry(),
    name: 'sdk',
    taskType: 'test',
    scoringSpecCid: 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy',
    maxNeurons: 8,
    registrationCost: 0n,
  }))
  const before = await getBlockNumber(world.client, { cacheTime: 0 })
  await registerNeuron(world.wallet(1), {
    registry: registry(),
    netuid,
    role: 'validator',
    endpoint: 'http://127.0.0.1:9001',
  })
  await registerNeuron(world.wallet(2), {
    registry: registry(),
    netuid,
    role: 'miner',
    endpoint: 'http://127.0.0.1:9002',
  })
  registeredAt = before + 1n
  base = await world.snapshot()
})

afterAll(async () => {
  await world?.stop()
})

beforeEach(async () => {
  await world.revert(base)
  base = await world.snapshot()
})

describe('neurons', () => {
  it('getNeuronAt: the holder of a uid at a block, null before it registered and for an empty slot', async () => {
    expect(await getNeuronAt(world.client, { registry: registry(), netuid, uid: 0 })).toEqual({
      hotkey: address(1),
      registeredAtBlock: registeredAt,
    })
    expect((await getNeuronAt(world.client, { registry: registry(), netuid, uid: 1 })).hotkey).toBe(address(2))
    expect(
      await getNeuronAt(world.client, { registry: registry(), netuid, uid: 0, blockNumber: registeredAt - 1n }),
    ).toEqual({
      hotkey: null,
      registeredAtBlock: 0n,
    })
    expect((await getNeuronAt(world.client, { registry: registry(), netuid, uid: 5 })).hotkey).toBeNull()
  })

  it('getUid: the uid of a hotkey, null when not registered, the registry error for an unknown subnet', async () => {
    expect(await getUid(world.client, { registry: registry(), netuid, hotkey: address(1) })).toBe(0)
    expect(await getUid(world.client, { registry: registry(), netuid, hotkey: address(2) })).toBe(1)
    expect(await getUid(world.client, { registry: registry(), netuid, hotkey: address(3) })).toBeNull()
    const error = await getUid(world.client, { registry: registry(), netuid: 99n, hotkey: address(1) }).catch((e) => e)
    expect(error).toBeInstanceOf(ContractRevertError)
    expect(error.errorName).toBe('SubnetRegistryUnknownSubnet')
  })

  it('hasValidatorPermit: a registered validator holds one before any epoch, a miner and a stranger do not', async () => {
    const at = { registry: registry(), netuid }
    expect(await hasValidatorPermit(world.client, { ...at, uid: 0 })).toBe(true)
    expect(await hasValidatorPermit(world.client, { ...at, uid: 1 })).toBe(false)
    expect(await hasValidatorPermit(world.client, { ...at, uid: 7 })).toBe(false)
    expect(await hasValidatorPermit(world.client, { ...at, hotkey: address(1) })).toBe(true)
    expect(await hasValidatorPermit(world.client, { ...at, hotkey: address(2) })).toBe(false)
    expect(await hasValidatorPermit(world.client, { ...at, hotkey: address(3) })).toBe(false)
  })
})

describe('subnets', () => {
  it('getSubnet and getSubnetEpochSettings: the owner, the uid count, the first snapshot one tempo after creation', async () => {
    const subnet = await getSubnet(world.client, { registry: registry(), netuid })
    expect(subnet).toMatchObject({ netuid: Number(netuid), owner: address(0), name: 'sdk', nextUid: 2, neuronCount: 2 })
    const params = await getSubnetParams(world.client, { registry: registry(), netuid })
    const settings = await getSubnetEpochSettings(world.client, {
      registry: registry(),
      netuid,
      previousSnapshot: subnet.createdAtBlock,
    })
    expect(settings.snapshot).toBe(subnet.createdAtBlock + BigInt(params.tempo))
    expect(settings.params).toEqual(params)
    const { snapshotBlock } = await getNextEpoch(world.client, { epochs: world.addresses.epochs, netuid })
    expect(settings.snapshot).toBe(snapshotBlock)
    const error = await getSubnet(world.client, { registry: registry(), netuid: 99n }).catch((e) => e)
    expect(error).toBeInstanceOf(ContractRevertError)
    expect(error.errorName).toBe('SubnetRegistryUnknownSubnet')
  })
})

describe('tokens', () => {
  it('getStakingToken is MYC; getTokenInfo reads decimals and symbol of MYC and the 6-decimals test stablecoin', async () => {
    const { staking, mycelToken, testUsd } = world.addresses
    expect(await getStakingToken(world.client, { staking })).toBe(mycelToken)
    expect(await getTokenInfo(world.client, { token: mycelToken })).toEqual({ decimals: 18, symbol: 'MYC' })
    if (!testUsd) throw new Error('the test deployment has a test stablecoin')
    expect(await getTokenInfo(world.client, { token: testUsd })).toEqual({ decimals: 6, symbol: 'tUSD' })
  })
})

describe('channels', () => {
  /** Account 3 opens a 1 tUSD channel to account 2 with session key `hot` capped at 1,000. */
  async function openHotChannel() {
    const { paymentChannels, testUsd } = world.addresses
    if (!testUsd) throw new Error('the test deployment has a test stablecoin')
    const payer = world.wallet(3)
    await writeContractAndWait(world.wallet(0), {
      address: testUsd,
      abi: testUsdAbi,
      functionName: 'mint',
      args: [address(3), 10_000_000n],
    })
    const { channelId } = await openChannel(payer, {
      paymentChannels,
      payee: address(2),
      token: testUsd,
      amount: 1_000_000n,
      sessionSigner: hot,
      sessionCap: 1_000n,
    })
    return { payer, channelId }
  }

  it('getPendingSessionSigner: null until a narrowing change, then the change and its time; the count of channels', async () => {
    const { paymentChannels } = world.addresses
    expect(await getChannelCount(world.client, { paymentChannels })).toBe(0n)
    const { payer, channelId } = await openHotChannel()
    expect(await getChannelCount(world.client, { paymentChannels })).toBe(1n)
    expect(await getPendingSessionSigner(world.client, { paymentChannels, channelId })).toBeNull()
    // A higher cap for the same key widens: in force at once, nothing scheduled.
    await setSessionSigner(payer, { paymentChannels, channelId, signer: hot, cap: 2_000n })
    expect(await getPendingSessionSigner(world.client, { paymentChannels, channelId })).toBeNull()
    // Another key narrows: scheduled one challenge period ahead.
    const { hash } = await setSessionSigner(payer, { paymentChannels, channelId, signer: hot2, cap: 500n })
    const receipt = await world.client.getTransactionReceipt({ hash })
    const { timestamp } = await getBlock(world.client, { blockNumber: receipt.blockNumber })
    const pending = await getPendingSessionSigner(world.client, { paymentChannels, channelId })
    expect(pending).toEqual({ signer: hot2, cap: 500n, effectiveAt: timestamp + 3600n })
    const state = { sessionSigner: hot, sessionCap: 2_000n, pending }
    expect(sessionKeysInForce(state, timestamp).accepted).toEqual([
      { signer: hot, cap: 2_000n },
      { signer: hot2, cap: 500n },
    ])
    expect(sessionKeysInForce(state, timestamp + 3600n).accepted).toEqual([{ signer: hot2, cap: 500n }])
  })
  it('writeContractAndWait leaves gas room: a change whose cost depends on the block time still lands when mined later', async () => {
    // Replacing a scheduled session-key change rewrites its effectiveAt. Estimated in the second that scheduled it,
    // that store costs nothing new; mined in a later second it does (about 2,800 gas more), so an exact estimate
    // runs out of gas. A busy machine saw this in CI; here the clock ticks between the estimate and the block.
    const { paymentChannels } = world.addresses
    const { payer, channelId } = await openHotChannel()
    const head = await getBlock(world.client)
    const scheduledAt = head.timestamp + 1_000n // ahead of the wall clock, so the estimate below sees this second
    await world.client.request({ method: 'evm_setNextBlockTimestamp', params: [toHex(scheduledAt)] } as never)
    await setSessionSigner(payer, { paymentChannels, channelId, signer: hot2, cap: 500n })
    const slowClock = createWalletClient({
      account: payer.account,
      chain: world.chain,
      transport: custom({
        async request(args) {
          const result = await world.client.request(args as never)
          if (args.method === 'eth_estimateGas')
            await world.client.request({ method: 'evm_increaseTime', params: [30] } as never)
          return result
        },
      }),
    })
    await setSessionSigner(slowClock, { paymentChannels, channelId, signer: hot, cap: 0n })
    const pending = await getPendingSessionSigner(world.client, { paymentChannels, channelId })
    expect(pending?.signer).toBe(hot)
    expect(pending?.effectiveAt).toBeGreaterThanOrEqual(scheduledAt + 30n + 3600n)
  })
})

describe('writeContractsAndWait', () => {
  it('sends independent calls back to back with consecutive nonces, and decodes a refused one before sending any', async () => {
    const { testUsd } = world.addresses
    if (!testUsd) throw new Error('the test deployment has a test stablecoin')
    const owner = world.wallet(0)
    const mint = (to: `0x${string}`, amount: bigint) => ({
      address: testUsd,
      abi: testUsdAbi as Abi,
      functionName: 'mint',
      args: [to, amount],
    })
    const sent = await writeContractsAndWait(owner, [mint(hot, 1n), mint(hot2, 2n), mint(hot, 3n)])
    const nonces = await Promise.all(sent.map(({ hash }) => world.client.getTransaction({ hash })))
    expect(nonces.map((tx) => tx.nonce - (nonces[0]?.nonce ?? 0))).toEqual([0, 1, 2])
    expect(sent.every(({ receipt }) => receipt.status === 'success')).toBe(true)
    const balance = (who: `0x${string}`) =>
      world.client.readContract({ address: testUsd, abi: testUsdAbi, functionName: 'balanceOf', args: [who] })
    expect(await balance(hot)).toBe(4n)
    expect(await balance(hot2)).toBe(2n)
    const before = await world.client.getTransactionCount({ address: address(1) })
    const transfer = { address: testUsd, abi: testUsdAbi as Abi, functionName: 'transfer', args: [hot, 10n ** 30n] }
    const refused = await writeContractsAndWait(world.wallet(1), [mint(hot, 1n), transfer]).catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(ContractRevertError)
    expect(await world.client.getTransactionCount({ address: address(1) })).toBe(before)
  })
})

describe('epochs', () => {
  /** Stakes the validator, bonds account 0 as proposer, mines past the first snapshot; the state it will be built from. */
  async function dueEpoch() {
    const { staking, weights, epochs, mycelToken } = world.addresses
    await stake(world.wallet(1), { staking, netuid, hotkey: address(1), amount: parseEther('100') })
    await depositProposerBond(world.wallet(0), { epochs, token: mycelToken, amount: parseEther('1000') })
    const { epoch, snapshotBlock } = await getNextEpoch(world.client, { epochs, netuid })
    const head = await getBlockNumber(world.client, { cacheTime: 0 })
    if (head <= snapshotBlock) await world.mine(Number(snapshotBlock - head) + 1)
    const contracts = { registry: registry(), staking, weights, epochs }
    const built = buildEpoch(
      await readEpochState(world.client, { ...contracts, netuid, snapshot: snapshotBlock, previous: null }),
    )
    return { epoch, built }
  }

  it('disputeEpoch: a wrong proposal is slashed (bond kept, proposal cleared, EpochDisputed by the challenger)', async () => {
    const { epochs } = world.addresses
    const { epoch, built } = await dueEpoch()
    const bondBefore = await getProposerBond(world.client, { epochs, proposer: address(0) })
    const wrong = { ...built, proposal: { ...built.proposal, columnsRoot: `0x${'11'.repeat(32)}` as Hex } }
    await proposeEpoch(world.wallet(0), { epochs, netuid, built: wrong })
    const [pending] = await getEpochProposals(world.client, { epochs, netuid, epoch })
    if (!pending?.proposal) throw new Error('the proposal was sent directly, so its calldata decodes')
    const plan = planDisputes(built, pending.proposal, pending.header, null)
    expect(plan[0]?.functionName).toBe('disputeRoot')
    const call = plan[0] as (typeof plan)[number]
    const { receipt } = await disputeEpoch(world.wallet(2), { epochs, netuid, header: pending.header, call })
    const [event] = parseEventLogs({ abi: epochsAbi, eventName: 'EpochDisputed', logs: receipt.logs })
    expect(event?.args).toMatchObject({ netuid, epoch, challenger: address(2) })
    expect((await getEpochRecord(world.client, { epochs, netuid, epoch })).proposed).toBe(false)
    // The bond set aside for the proposal is not returned.
    expect(await getProposerBond(world.client, { epochs, proposer: address(0) })).toBeLessThan(bondBefore)
  })

  it('disputeEpoch: a right proposal is refused with the contract error, and stays pending', async () => {
    const { epochs } = world.addresses
    const { epoch, built } = await dueEpoch()
    await proposeEpoch(world.wallet(0), { epochs, netuid, built })
    const [pending] = await getEpochProposals(world.client, { epochs, netuid, epoch })
    if (!pending) throw new Error('proposed above')
    const call = { functionName: 'disputeRoot' as const, args: [built.proposal.columns] }
    const error = await disputeEpoch(world.wallet(2), { epochs, netuid, header: pending.header, call }).catch((e) => e)
    expect(error).toBeInstanceOf(ContractRevertError)
    expect(error.errorName).toBe('EpochsProposalCorrect')
    expect((await getEpochRecord(world.client, { epochs, netuid, epoch })).proposed).toBe(true)
  })
})
