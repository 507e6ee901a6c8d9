/**
 * Gas of a claim with a model split against the same claim without one, on the real contracts (in-process EVM),
 * printed as `GAS` lines for the docs and the report — figures are not asserted (targets belong to the bench), but
 * each measured claim is checked to have paid what it should. Transaction gas = execution gas + 21,000 + calldata
 * (4 per zero byte, 16 per other byte), as a chain charges it.
 *
 * Rows: a lone claim (first on its channel, then a later one, when the slots already hold values) and the gas per
 * channel inside a claimBatch of 100 channels, for no split, one model, and a derivative two levels deep. The split
 * vouchers pay one model the whole amount (a model channel, the node's protocol: the contract's fast path).
 * `npm run bench -- markets` measures the same on anvil and checks the targets.
 */
import { paymentChannelsAbi } from '@mycel/sdk'
import { encodeFunctionData, getAddress, hexToBytes } from 'viem'
import { describe, expect, it } from 'vitest'
import { type Claim, deployMarket } from './helpers/market.ts'

const alice = getAddress('0x000000000000000000000000000000000000a11c')
const bob = getAddress('0x0000000000000000000000000000000000000b0b')
const miner = getAddress('0x00000000000000000000000000000000000000f1')

const calldataGas = (data: `0x${string}`) => hexToBytes(data).reduce((sum, byte) => sum + (byte === 0 ? 4n : 16n), 0n)

describe('gas of the model split', () => {
  it('measures lone and batched claims with no split, one model and a two-level derivative', async () => {
    const m = await deployMarket()
    for (const who of [alice, bob, miner]) await m.mint(who, 10n ** 12n)
    const root = await m.register(alice, [], { royaltyBps: 1_000 })
    await m.buy(bob, root)
    const parent = await m.register(bob, [root], { royaltyBps: 500 })
    await m.buy(bob, parent)
    const leaf = await m.register(bob, [parent], { royaltyBps: 300 })
    for (const id of [root, leaf]) await m.buy(miner, id)

    const txGas = async (fn: 'claim' | 'claimBatch', arg: unknown) => {
      const r = await m.chain.call(miner, m.pc, paymentChannelsAbi, fn, [arg], { gasLimit: 30_000_000n })
      expect(r.ok).toBe(true)
      const data = encodeFunctionData({ abi: paymentChannelsAbi, functionName: fn, args: [arg] } as never)
      return r.gasUsed + 21_000n + calldataGas(data)
    }
    const kinds = {
      'no split': (_amount: bigint) => [] as Claim['models'],
      'one model': (amount: bigint) => [{ modelId: root, cumulativeAmount: amount }],
      'derivative, 2 levels': (amount: bigint) => [{ modelId: leaf, cumulativeAmount: amount }],
    }
    // Warm the royalty credit slots once, as on a live chain where models have earned before.
    const warm = await m.open(miner, 10n ** 9n)
    await txGas(
      'claim',
      await m.voucher(warm, 10_000n, [
        { modelId: root, cumulativeAmount: 5_000n },
        { modelId: leaf, cumulativeAmount: 5_000n },
      ]),
    )

    const rows: string[] = []
    const lone: Record<string, { first: bigint; later: bigint }> = {}
    for (const [kind, split] of Object.entries(kinds)) {
      const channel = await m.open(miner, 10n ** 9n)
      const before = await m.balance(miner)
      const first = await txGas('claim', await m.voucher(channel, 10_000n, split(10_000n)))
      const later = await txGas('claim', await m.voucher(channel, 20_000n, split(20_000n)))
      const royalty = kind === 'no split' ? 0n : kind === 'one model' ? 2_000n : (20_000n * 1_800n) / 10_000n
      expect((await m.balance(miner)) - before).toBe(20_000n - royalty)
      lone[kind] = { first, later }
    }
    const batch: Record<string, bigint> = {}
    for (const [kind, split] of Object.entries(kinds)) {
      const ids: bigint[] = []
      for (let i = 0; i < 100; i++) ids.push(await m.open(miner, 10n ** 9n))
      // Each channel claimed once before, so the batch measures the steady state (like `later` above).
      const firsts = await Promise.all(ids.map((id) => m.voucher(id, 1_000n, split(1_000n))))
      await txGas('claimBatch', firsts)
      const seconds = await Promise.all(ids.map((id) => m.voucher(id, 2_000n, split(2_000n))))
      batch[kind] = (await txGas('claimBatch', seconds)) / 100n
    }
    const base = lone['no split'] as { first: bigint; later: bigint }
    for (const [kind, g] of Object.entries(lone)) {
      rows.push(
        `GAS lone claim, ${kind}: first ${g.first} (+${g.first - base.first}), later ${g.later} (+${g.later - base.later}); ` +
          `per channel in a batch of 100: ${batch[kind]} (+${(batch[kind] ?? 0n) - (batch['no split'] ?? 0n)})`,
      )
    }
    console.log(rows.join('\n'))
    expect(rows.length).toBe(3)
  }, 120_000)
})
