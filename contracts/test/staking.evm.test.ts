/**
 * Staking on the real bytecode in an in-process EVM: clear errors for bad input, the delegate take and pro-rata
 * dividends to the stake of the payment's snapshot block, the cooldown, stake checkpoints by block — and, over 1,000
 * random action sequences, the accounting invariants: tokens are conserved (the contract holds exactly active stake +
 * unlocking stake + unclaimed rewards + dust), each payment goes to the stake its snapshot saw (exactly, to the
 * wei), nobody is paid more than was distributed, and every stake checkpoint matches a model of the history.
 */
import type { Address as EvmAddress } from '@ethereumjs/util'
import {
  mycelTokenAbi,
  mycelTokenBytecode,
  stakingAbi,
  stakingBytecode,
  subnetRegistryAbi,
  subnetRegistryBytecode,
} from '@mycel/sdk'
import fc from 'fast-check'
import { type Abi, type Address, decodeErrorResult, encodeDeployData, maxUint256 } from 'viem'
import { describe, expect, it } from 'vitest'
import { createInProcessChain, type InProcessChain } from './helpers/evm.ts'

const RUNS = Number(process.env.STAKING_PROPERTY_RUNS ?? 400)
const COOLDOWN = 10n
const treasury = '0x00000000000000000000000000000000000000aa' as const
const subnetOwner = '0x00000000000000000000000000000000000000ab' as const
const hotkeys = ['0x0000000000000000000000000000000000000101', '0x0000000000000000000000000000000000000102'] as const
const stakers = [
  hotkeys[0],
  '0x0000000000000000000000000000000000000201',
  '0x0000000000000000000000000000000000000202',
] as const
const payer = '0x0000000000000000000000000000000000000301' as const
const everyone = [...stakers, hotkeys[1], payer] as const

type World = { chain: InProcessChain; token: EvmAddress; registry: EvmAddress; staking: EvmAddress }

async function world(): Promise<World> {
  const chain = await createInProcessChain()
  const token = await chain.deploy(
    encodeDeployData({ abi: mycelTokenAbi, bytecode: mycelTokenBytecode, args: [treasury, 10n ** 30n] }),
  )
  const registry = await chain.deploy(
    encodeDeployData({
      abi: subnetRegistryAbi,
      bytecode: subnetRegistryBytecode,
      args: [token.toString() as Address, treasury],
    }),
  )
  const staking = await chain.deploy(
    encodeDeployData({
      abi: stakingAbi,
      bytecode: stakingBytecode,
      args: [token.toString() as Address, registry.toString() as Address, COOLDOWN],
    }),
  )
  const must = async (from: Address, to: EvmAddress, abi: Abi, fn: string, args: unknown[]) => {
    const r = await chain.call(from, to, abi, fn, args)
    if (!r.ok) throw new Error(`${fn} reverted: ${r.revertData}`)
    return r.result
  }
  await must(subnetOwner, registry, subnetRegistryAbi, 'createSubnet', ['s', 'text-generation', 'bafkqaaa', 16, 0n])
  // The payer stands in for the Epochs contract, the only account Staking takes dividends from.
  await must(treasury, registry, subnetRegistryAbi, 'setEpochs', [payer])
  for (const h of hotkeys) {
    await must(h, registry, subnetRegistryAbi, 'registerNeuron', [1n, 1, 'http://127.0.0.1:9000', '', 2n ** 255n])
  }
  for (const who of everyone) {
    await must(treasury, token, mycelTokenAbi, 'transfer', [who, 10n ** 24n])
    await must(who, token, mycelTokenAbi, 'approve', [staking.toString(), maxUint256])
  }
  return { chain, token, registry, staking }
}

/** Calls Staking and expects success (naming the revert otherwise), returning the result. */
function succeeding(chain: InProcessChain, staking: EvmAddress) {
  return async (from: Address, fn: string, args: unknown[]): Promise<unknown> => {
    const r = await chain.call(from, staking, stakingAbi, fn, args)
    expect(r.ok, `${fn} ${r.revertData} ${r.error ?? ''}`).toBe(true)
    return r.result
  }
}

function errorName(data: `0x${string}`): string {
  return decodeErrorResult({ abi: stakingAbi, data }).errorName
}

describe('Staking', () => {
  it('refuses bad input with named errors and leaves state unchanged', async () => {
    const { chain, staking } = await world()
    const call = (from: Address, fn: string, args: unknown[]) => chain.call(from, staking, stakingAbi, fn, args)
    const stranger = '0x0000000000000000000000000000000000000999'
    expect(errorName((await call(stakers[1], 'stake', [1n, hotkeys[0], 0n])).revertData)).toBe('StakingZeroAmount')
    expect(errorName((await call(stakers[1], 'stake', [1n, stranger, 5n])).revertData)).toBe(
      'StakingHotkeyNotRegistered',
    )
    expect(errorName((await call(stakers[1], 'stake', [2n, hotkeys[0], 5n])).revertData)).toBe(
      'StakingHotkeyNotRegistered',
    )
    expect(errorName((await call(stakers[1], 'unstake', [1n, hotkeys[0], 1n])).revertData)).toBe(
      'StakingInsufficientStake',
    )
    expect(errorName((await call(stakers[1], 'withdraw', [])).revertData)).toBe('StakingNothingUnlocked')
    expect(errorName((await call(hotkeys[0], 'setTake', [1n, 1801])).revertData)).toBe('StakingTakeTooHigh')
    expect(errorName((await call(payer, 'distribute', [1n, hotkeys[0], 0n, 0n])).revertData)).toBe('StakingZeroAmount')
    // Only the Epochs contract pays dividends: open payments would let anyone make every staker's claim walk dust.
    expect(errorName((await call(stakers[1], 'distribute', [1n, hotkeys[0], 5n, 0n])).revertData)).toBe(
      'StakingNotEpochs',
    )
    // A payment's snapshot must be a block that has ended, or stake could still join it.
    expect(errorName((await call(payer, 'distribute', [1n, hotkeys[0], 5n, chain.block])).revertData)).toBe(
      'StakingSnapshotNotPast',
    )
    // A hotkey's stake is bounded where it enters (epoch proposals state it in 96 bits).
    const huge = 2n ** 96n
    expect(errorName((await call(stakers[1], 'stake', [1n, hotkeys[0], huge])).revertData)).toBe('StakingStakeTooLarge')
    expect((await call(stakers[1], 'stakeOf', [1n, hotkeys[0]])).result).toBe(0n)
  })

  it('pays the 18% take to the hotkey and the rest pro rata, its own stake included; unstaked tokens wait', async () => {
    const { chain, staking } = await world()
    const call = succeeding(chain, staking)
    await call(hotkeys[0], 'stake', [1n, hotkeys[0], 1000n])
    await call(stakers[1], 'stake', [1n, hotkeys[0], 3000n])
    chain.block = 5n
    await call(payer, 'distribute', [1n, hotkeys[0], 10_000n, 4n])
    // Take 1,800; the other 8,200 splits 1:3 between the hotkey's own stake and the delegator.
    expect(await call(hotkeys[0], 'pendingRewards', [1n, hotkeys[0], hotkeys[0]])).toBe(1800n + 2050n)
    expect(await call(stakers[1], 'pendingRewards', [1n, hotkeys[0], stakers[1]])).toBe(6150n)
    await call(stakers[1], 'unstake', [1n, hotkeys[0], 3000n])
    expect(await call(stakers[1], 'stakeAt', [1n, hotkeys[0], 4n])).toBe(4000n)
    expect(await call(stakers[1], 'stakeAt', [1n, hotkeys[0], 5n])).toBe(1000n)
    const early = await chain.call(stakers[1], staking, stakingAbi, 'withdraw', [])
    expect(errorName(early.revertData)).toBe('StakingNothingUnlocked')
    chain.block = 5n + COOLDOWN
    expect(await call(stakers[1], 'withdraw', [])).toBe(3000n)
    expect(await call(stakers[1], 'claimRewards', [1n, hotkeys[0]])).toBe(6150n)
    expect(await call(stakers[1], 'claimRewards', [1n, hotkeys[0]])).toBe(0n)
  })

  it('pays the stake of the snapshot block: later stake gets nothing, stake removed since still gets its share', async () => {
    const { chain, staking } = await world()
    const call = succeeding(chain, staking)
    await call(hotkeys[0], 'stake', [1n, hotkeys[0], 1000n])
    await call(stakers[1], 'stake', [1n, hotkeys[0], 1000n])
    chain.block = 10n
    // After the snapshot (block 9): one staker arrives with a lot, the other leaves.
    await call(stakers[2], 'stake', [1n, hotkeys[0], 1_000_000n])
    await call(stakers[1], 'unstake', [1n, hotkeys[0], 1000n])
    await call(payer, 'distribute', [1n, hotkeys[0], 10_000n, 9n])
    expect(await call(stakers[2], 'pendingRewards', [1n, hotkeys[0], stakers[2]])).toBe(0n)
    expect(await call(stakers[1], 'pendingRewards', [1n, hotkeys[0], stakers[1]])).toBe(4100n)
    expect(await call(hotkeys[0], 'pendingRewards', [1n, hotkeys[0], hotkeys[0]])).toBe(1800n + 4100n)
    expect(await call(stakers[2], 'claimRewards', [1n, hotkeys[0]])).toBe(0n)
    expect(await call(stakers[1], 'claimRewards', [1n, hotkeys[0]])).toBe(4100n)
    expect(await call(stakers[1], 'uncollectedPayments', [1n, hotkeys[0], stakers[1]])).toBe(0n)
  })

  it('cuts a take at once and raises it only after the cooldown, so a hotkey cannot raise it just before a payment', async () => {
    const { chain, staking } = await world()
    const call = succeeding(chain, staking)
    const take = () => call(hotkeys[0], 'takeOf', [1n, hotkeys[0]])
    await call(stakers[1], 'stake', [1n, hotkeys[0], 1000n])
    chain.block = 100n
    expect(await take()).toBe(1800)
    await call(hotkeys[0], 'setTake', [1n, 500]) // a cut: at once
    expect(await take()).toBe(500)
    await call(hotkeys[0], 'setTake', [1n, 1800]) // a raise: announced, not in effect
    expect(await take()).toBe(500)
    expect(await call(hotkeys[0], 'pendingTakeOf', [1n, hotkeys[0]])).toEqual([1800, 100n + COOLDOWN])
    // A payment before the raise takes effect pays the old take: 5% of 10,000 to the hotkey, the rest to its staker.
    chain.block = 100n + COOLDOWN - 1n
    await call(payer, 'distribute', [1n, hotkeys[0], 10_000n, chain.block - 1n])
    expect(await call(hotkeys[0], 'pendingRewards', [1n, hotkeys[0], hotkeys[0]])).toBe(500n)
    expect(await call(stakers[1], 'pendingRewards', [1n, hotkeys[0], stakers[1]])).toBe(9500n)
    chain.block = 100n + COOLDOWN
    expect(await take()).toBe(1800)
    expect(await call(hotkeys[0], 'pendingTakeOf', [1n, hotkeys[0]])).toEqual([0, 0n])
    // A payment for a snapshot before the raise took effect still pays the take of that snapshot.
    await call(payer, 'distribute', [1n, hotkeys[0], 10_000n, chain.block - 1n])
    expect(await call(hotkeys[0], 'pendingRewards', [1n, hotkeys[0], hotkeys[0]])).toBe(500n + 500n)
    chain.block += 1n
    await call(payer, 'distribute', [1n, hotkeys[0], 10_000n, chain.block - 1n])
    expect(await call(hotkeys[0], 'pendingRewards', [1n, hotkeys[0], hotkeys[0]])).toBe(500n + 500n + 1800n)
    expect(await call(hotkeys[0], 'takeAt', [1n, hotkeys[0], 100n + COOLDOWN - 1n])).toBe(500)
    // A cut cancels a pending raise.
    await call(hotkeys[0], 'setTake', [1n, 0])
    await call(hotkeys[0], 'setTake', [1n, 1000])
    await call(hotkeys[0], 'setTake', [1n, 200])
    chain.block += COOLDOWN
    expect(await take()).toBe(200)
  })

  it('keeps working after a large payment to a tiny stake (the amount per stake grows huge; products stay exact)', async () => {
    // Found by the property test below: stake 1 wei, pay 141 MYC, stake 1,000 MYC more.
    const { chain, staking } = await world()
    const call = succeeding(chain, staking)
    await call(hotkeys[0], 'stake', [1n, hotkeys[0], 1n])
    chain.block = 2n
    await call(payer, 'distribute', [1n, hotkeys[0], 141_209_864_923_556_335_885n, 1n])
    await call(hotkeys[0], 'stake', [1n, hotkeys[0], 999_999_999_999_999_999_979n])
    // The hotkey is its only staker: it is owed all of the payment (take and pro-rata share alike).
    expect(await call(hotkeys[0], 'pendingRewards', [1n, hotkeys[0], hotkeys[0]])).toBe(141_209_864_923_556_335_885n)
  })

  it(`conserves tokens and pays nobody twice over ${RUNS} random action sequences`, async () => {
    const w = await world()
    const { chain, staking, token } = w
    const balance = async (who: Address | EvmAddress) =>
      (await chain.call(treasury, token, mycelTokenAbi, 'balanceOf', [who.toString()])).result as bigint
    const view = async (fn: string, args: unknown[]) =>
      (await chain.call(treasury, staking, stakingAbi, fn, args)).result as bigint
    const amount = fc.bigInt({ min: 1n, max: 10n ** 21n })
    const action = fc.oneof(
      fc.record({ kind: fc.constant('stake' as const), who: fc.nat(2), hotkey: fc.nat(1), amount }),
      fc.record({ kind: fc.constant('unstake' as const), who: fc.nat(2), hotkey: fc.nat(1), fraction: fc.nat(4) }),
      fc.record({ kind: fc.constant('distribute' as const), hotkey: fc.nat(1), amount, back: fc.nat(12) }),
      fc.record({ kind: fc.constant('claim' as const), who: fc.nat(3), hotkey: fc.nat(1) }),
      fc.record({ kind: fc.constant('withdraw' as const), who: fc.nat(2) }),
      fc.record({ kind: fc.constant('take' as const), hotkey: fc.nat(1), bps: fc.integer({ min: 0, max: 1800 }) }),
      fc.record({ kind: fc.constant('wait' as const), blocks: fc.integer({ min: 1, max: 15 }) }),
    )
    const accounts = [...stakers, hotkeys[1]]
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 25 }), async (actions) => {
        await chain.evm.stateManager.checkpoint()
        const startBlock = chain.block
        // Room for payments to look back at earlier snapshots.
        chain.block += 20n
        const before = new Map<string, bigint>()
        for (const a of [...accounts, payer]) before.set(a, await balance(a))
        const position = new Map<string, bigint>()
        const history: { block: bigint; hotkey: number; total: bigint; subnet: bigint }[] = []
        // Every position's stake by block, to say what each payment owes each staker.
        const positionLog: { block: bigint; key: string; stake: bigint }[] = []
        const positionAt = (key: string, block: bigint) =>
          positionLog.filter((x) => x.key === key && x.block <= block).at(-1)?.stake ?? 0n
        let distributed = 0n
        let locked = 0n
        try {
          for (const a of actions) {
            if (a.kind === 'wait') {
              chain.block += BigInt(a.blocks)
              continue
            }
            if (a.kind === 'stake' || a.kind === 'unstake') {
              const who = stakers[a.who] as Address
              const key = `${a.hotkey}:${who}`
              const current = position.get(key) ?? 0n
              const delta = a.kind === 'stake' ? a.amount : (current * BigInt(a.fraction)) / 4n
              const r = await chain.call(who, staking, stakingAbi, a.kind, [1n, hotkeys[a.hotkey], delta])
              expect(r.ok).toBe(delta > 0n)
              if (!r.ok) continue
              position.set(key, a.kind === 'stake' ? current + delta : current - delta)
              positionLog.push({ block: chain.block, key, stake: position.get(key) as bigint })
              if (a.kind === 'unstake') locked += delta
              const total = [0, 1, 2].reduce((s, i) => s + (position.get(`${a.hotkey}:${stakers[i]}`) ?? 0n), 0n)
              let subnet = 0n
              for (const v of position.values()) subnet += v
              history.push({ block: chain.block, hotkey: a.hotkey, total, subnet })
            } else if (a.kind === 'distribute') {
              const hotkey = hotkeys[a.hotkey] as Address
              const snapshot = chain.block - 1n - BigInt(a.back)
              const backing = [0, 1, 2].reduce((t, i) => t + positionAt(`${a.hotkey}:${stakers[i]}`, snapshot), 0n)
              const take =
                backing === 0n ? a.amount : (a.amount * BigInt(await view('takeAt', [1n, hotkey, snapshot]))) / 10_000n
              const pendingBefore = await Promise.all(accounts.map((who) => view('pendingRewards', [1n, hotkey, who])))
              const r = await chain.call(payer, staking, stakingAbi, 'distribute', [1n, hotkey, a.amount, snapshot])
              expect(r.ok).toBe(true)
              distributed += a.amount
              // Each staker gets its stake at the snapshot times the payment per stake (rounded down); stake that
              // came later gets nothing; the hotkey gets its take on top.
              const perStake = backing === 0n ? 0n : ((a.amount - take) * 10n ** 27n) / backing
              for (const [k, who] of accounts.entries()) {
                const atSnapshot = positionAt(`${a.hotkey}:${who}`, snapshot)
                const expected = (atSnapshot * perStake) / 10n ** 27n + (who === hotkey ? take : 0n)
                expect((await view('pendingRewards', [1n, hotkey, who])) - (pendingBefore[k] as bigint)).toBe(expected)
              }
            } else if (a.kind === 'claim') {
              const who = accounts[a.who] as Address
              const pending = await view('pendingRewards', [1n, hotkeys[a.hotkey], who])
              const r = await chain.call(who, staking, stakingAbi, 'claimRewards', [1n, hotkeys[a.hotkey]])
              expect(r.ok && r.result).toBe(pending)
              expect(await view('pendingRewards', [1n, hotkeys[a.hotkey], who])).toBe(0n)
            } else if (a.kind === 'withdraw') {
              const who = stakers[a.who] as Address
              const [unlocked] = (await chain.call(treasury, staking, stakingAbi, 'unlocksOf', [who]))
                .result as readonly [bigint, bigint]
              const r = await chain.call(who, staking, stakingAbi, 'withdraw', [])
              expect(r.ok).toBe(unlocked > 0n)
              if (r.ok) {
                expect(r.result).toBe(unlocked)
                locked -= unlocked
              }
            } else {
              const r = await chain.call(hotkeys[a.hotkey] as Address, staking, stakingAbi, 'setTake', [1n, a.bps])
              expect(r.ok).toBe(true)
            }
            // Invariant: the contract holds active stake + unlocking stake + unclaimed rewards, plus dust that
            // never exceeds one unit per staker and distribution.
            let active = 0n
            for (const v of position.values()) active += v
            let unclaimed = 0n
            for (const h of hotkeys) for (const who of accounts) unclaimed += await view('pendingRewards', [1n, h, who])
            const held = await balance(staking)
            expect(held - active - locked - unclaimed >= 0n).toBe(true)
            expect(held - active - locked - unclaimed <= 3n * BigInt(actions.length)).toBe(true)
          }
          // Nobody gained more than was distributed, and the stake history answers every past block.
          let gained = 0n
          for (const a of accounts) gained += (await balance(a)) - (before.get(a) ?? 0n)
          expect(gained <= distributed).toBe(true)
          for (const [i, h] of history.entries()) {
            // Several changes in one block: the last one is what the block ends with.
            const later = history.slice(i + 1).find((x) => x.hotkey === h.hotkey && x.block === h.block)
            if (!later) expect(await view('stakeAt', [1n, hotkeys[h.hotkey], h.block])).toBe(h.total)
            if (!history.slice(i + 1).some((x) => x.block === h.block)) {
              expect(await view('subnetStakeAt', [1n, h.block])).toBe(h.subnet)
              expect(await view('totalStakeAt', [h.block])).toBe(h.subnet)
            }
          }
        } finally {
          await chain.evm.stateManager.revert()
          chain.block = startBlock
        }
      }),
      { numRuns: RUNS },
    )
  }, 600_000)
})
