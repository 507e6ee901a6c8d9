/**
 * RoyaltyVault on the real bytecode in an in-process EVM: construction and its named errors, pro-rata distribution
 * of payments that arrive by plain transfer, late buyers and sellers, permissioned token tracking, votes by
 * timestamp — and, over random sequences of payments, collects, share transfers between four holders and
 * withdrawals, the accounting invariants: tokens are conserved (the vault holds exactly what holders can withdraw +
 * what was not collected yet + dust of at most one unit per holder), each holder's entitlement is exactly the
 * pro-rata sum over collected payments of its balance at that collect (one floor rounding), and nobody receives any of a
 * payment collected before it held shares.
 */
import type { Address as EvmAddress } from '@ethereumjs/util'
import {
  modelRegistryAbi,
  modelRegistryBytecode,
  royaltyVaultAbi,
  royaltyVaultBytecode,
  testUsdAbi,
  testUsdBytecode,
  toContractTerms,
} from '@mycel/sdk'
import fc from 'fast-check'
import { type Abi, type Address, decodeErrorResult, encodeDeployData, parseEther } from 'viem'
import { describe, expect, it } from 'vitest'
import { createInProcessChain, type InProcessChain } from './helpers/evm.ts'
import { testContract } from './helpers/testContracts.ts'

const RUNS = Number(process.env.VAULT_PROPERTY_RUNS ?? 200)
const SUPPLY = parseEther('1000000')
const owner = '0x00000000000000000000000000000000000000aa' as const
const holders = [
  '0x0000000000000000000000000000000000000101',
  '0x0000000000000000000000000000000000000102',
  '0x0000000000000000000000000000000000000103',
  '0x0000000000000000000000000000000000000104',
] as const
const zero = '0x0000000000000000000000000000000000000000' as const

// The real ModelRegistry: model 1 (no terms, no parents, so no Licenses needed) is registered by `owner`.
const nftAbi = modelRegistryAbi as Abi

type World = {
  chain: InProcessChain
  vault: EvmAddress
  nft: EvmAddress
  usd: EvmAddress[]
  call: (from: Address, fn: string, args: unknown[]) => ReturnType<InProcessChain['call']>
  must: (from: Address, to: EvmAddress, abi: Abi, fn: string, args: unknown[]) => Promise<unknown>
  read: (fn: string, args: unknown[]) => Promise<unknown>
}

const errorName = (data: `0x${string}`) => decodeErrorResult({ abi: royaltyVaultAbi, data }).errorName

async function world(options: { tokens?: number; tracked?: number; sources?: Address[] } = {}): Promise<World> {
  const chain = await createInProcessChain()
  const usd: EvmAddress[] = []
  for (let i = 0; i < (options.tokens ?? 1); i++) {
    usd.push(await chain.deploy(encodeDeployData({ abi: testUsdAbi, bytecode: testUsdBytecode, args: [owner] })))
  }
  const nft = await chain.deploy(
    encodeDeployData({ abi: modelRegistryAbi, bytecode: modelRegistryBytecode, args: [owner] }),
  )
  const vault = await chain.deploy(
    encodeDeployData({
      abi: royaltyVaultAbi,
      bytecode: royaltyVaultBytecode,
      args: [
        'digits shares',
        'DIGITS',
        nft.toString() as Address,
        1n,
        options.sources ?? [],
        usd.slice(0, options.tracked ?? usd.length).map((u) => u.toString() as Address),
        holders[0],
        SUPPLY,
      ],
    }),
  )
  const must = async (from: Address, to: EvmAddress, abi: Abi, fn: string, args: unknown[]) => {
    const r = await chain.call(from, to, abi, fn, args)
    if (!r.ok) throw new Error(`${fn} reverted: ${r.revertData} ${r.error ?? ''}`)
    return r.result
  }
  await must(owner, nft, nftAbi, 'register', ['bafkreiweights', 'bafkreicard', 'onnx', [], toContractTerms(undefined)])
  return {
    chain,
    vault,
    nft,
    usd,
    must,
    call: (from, fn, args) => chain.call(from, vault, royaltyVaultAbi, fn, args),
    read: (fn, args) => must(owner, vault, royaltyVaultAbi, fn, args),
  }
}

const pay = (w: World, amount: bigint, token = 0) =>
  w.must(owner, w.usd[token] as EvmAddress, testUsdAbi, 'mint', [w.vault.toString(), amount])
const usdBalance = async (w: World, who: Address | EvmAddress, token = 0) =>
  (await w.must(owner, w.usd[token] as EvmAddress, testUsdAbi, 'balanceOf', [who.toString()])) as bigint
const withdrawable = async (w: World, who: Address, token = 0) =>
  (await w.read('withdrawable', [(w.usd[token] as EvmAddress).toString(), who])) as bigint

describe('RoyaltyVault construction', () => {
  it('mints the fixed supply to the holder, tracks the given tokens, counts votes by timestamp', async () => {
    const w = await world({ tokens: 2 })
    expect(await w.read('balanceOf', [holders[0]])).toBe(SUPPLY)
    expect(await w.read('totalSupply', [])).toBe(SUPPLY)
    const tracked = (await w.read('trackedTokens', [])) as string[]
    expect(tracked.map((a) => a.toLowerCase())).toEqual(w.usd.map((u) => u.toString()))
    expect(await w.read('sources', [])).toEqual([])
    expect(await w.read('modelId', [])).toBe(1n)
    expect(await w.read('CLOCK_MODE', [])).toBe('mode=timestamp')
    expect(await w.read('clock', [])).toBe(Number(w.chain.now))
  })

  it('rejects a zero supply, too many sources, a zero, repeated or tenth token, with named errors', async () => {
    const chain = await createInProcessChain()
    const attempt = async (args: unknown[]) => {
      const data = encodeDeployData({ abi: royaltyVaultAbi, bytecode: royaltyVaultBytecode, args: args as never })
      const r = await chain.evm.runCall({
        data: Buffer.from(data.slice(2), 'hex'),
        gasLimit: 30_000_000n,
        skipBalance: true,
      })
      return errorName(`0x${Buffer.from(r.execResult.returnValue).toString('hex')}`)
    }
    const base = (sources: string[], tokens: string[], supply = SUPPLY, registry: string = owner) => [
      'n',
      's',
      registry,
      1n,
      sources,
      tokens,
      holders[0],
      supply,
    ]
    const addr = (i: number) => `0x${(0x1000 + i).toString(16).padStart(40, '0')}`
    expect(await attempt(base([], [], 0n))).toBe('RoyaltyVaultZeroSupply')
    expect(await attempt(base([], [], SUPPLY, zero))).toBe('RoyaltyVaultZeroAddress')
    expect(await attempt(base([1, 2, 3, 4, 5].map(addr), []))).toBe('RoyaltyVaultTooManySources')
    expect(await attempt(base([zero], []))).toBe('RoyaltyVaultZeroAddress')
    expect(await attempt(base([], [zero]))).toBe('RoyaltyVaultInvalidToken')
    expect(await attempt(base([], [addr(1), addr(1)]))).toBe('RoyaltyVaultTokenAlreadyTracked')
    expect(await attempt(base([], [1, 2, 3, 4, 5, 6, 7, 8, 9].map(addr)))).toBe('RoyaltyVaultTooManyTokens')
  })
})

describe('RoyaltyVault distribution', () => {
  it('pays a payment that arrived by plain transfer pro rata at the next collect, once', async () => {
    const w = await world()
    const usd = (w.usd[0] as EvmAddress).toString()
    await w.must(holders[0], w.vault, royaltyVaultAbi, 'transfer', [holders[1], (SUPPLY * 4n) / 10n])
    await pay(w, 1_000_000_000n)
    // Not collected yet: nobody is owed anything.
    expect(await withdrawable(w, holders[0])).toBe(0n)
    const collected = await w.call(holders[3], 'collect', [usd])
    expect(collected.ok).toBe(true)
    expect(collected.result).toBe(1_000_000_000n)
    expect(await withdrawable(w, holders[0])).toBe(600_000_000n)
    expect(await withdrawable(w, holders[1])).toBe(400_000_000n)
    // Collecting again finds nothing new.
    expect((await w.call(holders[3], 'collect', [usd])).result).toBe(0n)
    expect(await withdrawable(w, holders[0])).toBe(600_000_000n)

    const r = await w.call(holders[1], 'withdraw', [usd])
    expect(r.ok).toBe(true)
    expect(await usdBalance(w, holders[1])).toBe(400_000_000n)
    expect(await withdrawable(w, holders[1])).toBe(0n)
    const again = await w.call(holders[1], 'withdraw', [usd])
    expect(errorName(again.revertData)).toBe('RoyaltyVaultNothingToWithdraw')
    expect(await usdBalance(w, w.vault)).toBe(600_000_000n)
  })

  it('gives a buyer nothing of a payment collected before it bought, and the seller keeps it', async () => {
    const w = await world()
    const usd = (w.usd[0] as EvmAddress).toString()
    await pay(w, 500n)
    await w.call(owner, 'collect', [usd])
    await w.must(holders[0], w.vault, royaltyVaultAbi, 'transfer', [holders[2], SUPPLY / 2n])
    expect(await withdrawable(w, holders[2])).toBe(0n)
    expect(await withdrawable(w, holders[0])).toBe(500n)
    // The next payment is shared by the new holdings.
    await pay(w, 1000n)
    await w.call(owner, 'collect', [usd])
    expect(await withdrawable(w, holders[2])).toBe(500n)
    expect(await withdrawable(w, holders[0])).toBe(1000n)
  })

  it('shares a payment not yet collected by the holdings at the collect (collect before trading to keep it)', async () => {
    const w = await world()
    const usd = (w.usd[0] as EvmAddress).toString()
    await pay(w, 1000n)
    await w.must(holders[0], w.vault, royaltyVaultAbi, 'transfer', [holders[1], SUPPLY])
    await w.call(owner, 'collect', [usd])
    expect(await withdrawable(w, holders[0])).toBe(0n)
    expect(await withdrawable(w, holders[1])).toBe(1000n)
  })

  it('refuses shares sent to the vault itself (they would earn what nobody can withdraw)', async () => {
    const w = await world()
    const r = await w.call(holders[0], 'transfer', [w.vault.toString(), 1n])
    expect(errorName(r.revertData)).toBe('RoyaltyVaultSharesToVault')
  })

  it('collects only tracked tokens; only the model owner tracks more, up to 8; earlier arrivals then count', async () => {
    const w = await world({ tokens: 9, tracked: 1 })
    const token = (i: number) => (w.usd[i] as EvmAddress).toString()
    await pay(w, 700n, 1)
    const untracked = await w.call(owner, 'collect', [token(1)])
    expect(errorName(untracked.revertData)).toBe('RoyaltyVaultTokenNotTracked')
    // A share holder is not the model's owner: the NFT's owner (the timelock once fractionalized) is.
    const stranger = await w.call(holders[0], 'trackToken', [token(1)])
    expect(errorName(stranger.revertData)).toBe('RoyaltyVaultNotModelOwner')
    expect((await w.call(owner, 'trackToken', [token(1)])).ok).toBe(true)
    expect(errorName((await w.call(owner, 'trackToken', [token(1)])).revertData)).toBe(
      'RoyaltyVaultTokenAlreadyTracked',
    )
    expect((await w.call(owner, 'collect', [token(1)])).result).toBe(700n)
    expect(await withdrawable(w, holders[0], 1)).toBe(700n)
    for (let i = 2; i < 8; i++) expect((await w.call(owner, 'trackToken', [token(i)])).ok).toBe(true)
    const ninth = await w.call(owner, 'trackToken', [token(8)])
    expect(errorName(ninth.revertData)).toBe('RoyaltyVaultTooManyTokens')
    expect(errorName((await w.call(owner, 'trackToken', [w.vault.toString()])).revertData)).toBe(
      'RoyaltyVaultInvalidToken',
    )
  })

  it('moves votes with delegation and transfers, checkpointed by timestamp', async () => {
    const w = await world()
    const t0 = w.chain.now
    await w.must(holders[0], w.vault, royaltyVaultAbi, 'delegate', [holders[0]])
    expect(await w.read('getVotes', [holders[0]])).toBe(SUPPLY)
    w.chain.now += 10n
    await w.must(holders[0], w.vault, royaltyVaultAbi, 'transfer', [holders[1], SUPPLY / 4n])
    // Undelegated shares carry no votes until their holder delegates.
    expect(await w.read('getVotes', [holders[1]])).toBe(0n)
    await w.must(holders[1], w.vault, royaltyVaultAbi, 'delegate', [holders[2]])
    expect(await w.read('getVotes', [holders[2]])).toBe(SUPPLY / 4n)
    expect(await w.read('getVotes', [holders[0]])).toBe((SUPPLY * 3n) / 4n)
    w.chain.now += 10n
    expect(await w.read('getPastVotes', [holders[0], t0])).toBe(SUPPLY)
    expect(await w.read('getPastVotes', [holders[0], t0 + 10n])).toBe((SUPPLY * 3n) / 4n)
  })

  it('a hostile token re-entering withdraw while being paid is refused; it is paid once', async () => {
    const w = await world()
    const hostile = testContract('ReentrantRoyaltyToken')
    const token = await w.chain.deploy(
      encodeDeployData({ abi: hostile.abi, bytecode: hostile.bytecode, args: [owner, 10n ** 24n] }),
    )
    // The NFT owner (the timelock, after a careless vote) tracks it; the token holds half the shares.
    expect((await w.call(owner, 'trackToken', [token.toString()])).ok).toBe(true)
    await w.must(holders[0], w.vault, royaltyVaultAbi, 'transfer', [token.toString(), SUPPLY / 2n])
    await w.must(owner, token, hostile.abi, 'transfer', [w.vault.toString(), 1000n])
    expect((await w.call(owner, 'collect', [token.toString()])).result).toBe(1000n)
    await w.must(owner, token, hostile.abi, 'attack', [w.vault.toString()])
    expect(await w.must(owner, token, hostile.abi, 'reentered', [])).toBe(false)
    const reason = (await w.must(owner, token, hostile.abi, 'reentryError', [])) as `0x${string}`
    expect(errorName(reason)).toBe('ReentrancyGuardReentrantCall')
    expect(await w.must(owner, token, hostile.abi, 'balanceOf', [token.toString()])).toBe(500n)
    expect(await w.must(owner, token, hostile.abi, 'balanceOf', [w.vault.toString()])).toBe(500n)
    expect(await w.read('withdrawable', [token.toString(), token.toString()])).toBe(0n)
  })

  it('shares borrowed for one transaction cannot be counted at a collect (flash-loan capture refused)', async () => {
    const w = await world()
    const usd = (w.usd[0] as EvmAddress).toString()
    const borrower = testContract('ShareFlashBorrower')
    const flash = await w.chain.deploy(encodeDeployData({ abi: borrower.abi, bytecode: borrower.bytecode }))
    await w.must(holders[0], w.vault, royaltyVaultAbi, 'approve', [flash.toString(), SUPPLY])
    await pay(w, 1000n)
    const r = await w.chain.call(holders[1], flash, borrower.abi, 'borrowAndCollect', [
      w.vault.toString(),
      holders[0],
      SUPPLY / 2n,
      usd,
    ])
    expect(r.ok).toBe(false)
    expect(errorName(r.revertData)).toBe('RoyaltyVaultSharesMovedInTransaction')
    // In its own transaction the collect pays the real holder.
    expect((await w.call(holders[1], 'collect', [usd])).result).toBe(1000n)
    expect(await withdrawable(w, holders[0])).toBe(1000n)
    expect(await w.read('withdrawable', [usd, flash.toString()])).toBe(0n)
  })

  it('a failing royalty source does not block the collect (nothing lost, plain transfers still count)', async () => {
    // An EOA as a source: releaseRoyalties on it reverts (no code to answer), and collect goes on.
    const w = await world({ sources: ['0x0000000000000000000000000000000000000bad'] })
    await pay(w, 42n)
    const r = await w.call(owner, 'collect', [(w.usd[0] as EvmAddress).toString()])
    expect(r.ok).toBe(true)
    expect(r.result).toBe(42n)
  })
})

/** `table[t][h] += value` for the property's per-token, per-holder tallies. */
function add(table: bigint[][], t: number, h: number, value: bigint) {
  const row = table[t] as bigint[]
  row[h] = (row[h] as bigint) + value
}

type Step =
  | { kind: 'pay'; token: number; amount: bigint }
  | { kind: 'collect'; token: number }
  | { kind: 'transfer'; from: number; to: number; fraction: number }
  | { kind: 'withdraw'; holder: number; token: number }

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    kind: fc.constant('pay' as const),
    token: fc.integer({ min: 0, max: 1 }),
    amount: fc.oneof(fc.bigInt({ min: 1n, max: 1000n }), fc.bigInt({ min: 1n, max: 10n ** 15n })),
  }),
  fc.record({ kind: fc.constant('collect' as const), token: fc.integer({ min: 0, max: 1 }) }),
  fc.record({
    kind: fc.constant('transfer' as const),
    from: fc.integer({ min: 0, max: 3 }),
    to: fc.integer({ min: 0, max: 3 }),
    fraction: fc.integer({ min: 0, max: 100 }),
  }),
  fc.record({
    kind: fc.constant('withdraw' as const),
    holder: fc.integer({ min: 0, max: 3 }),
    token: fc.integer({ min: 0, max: 1 }),
  }),
)

describe('RoyaltyVault accounting (property, real bytecode)', () => {
  it(`conserves tokens, pays each holder exactly pro rata to its balance at each collect, late buyers nothing (${RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 10, maxLength: 30 }), async (steps) => {
        const w = await world({ tokens: 2 })
        const tokens = [0, 1].map((i) => (w.usd[i] as EvmAddress).toString())
        // The model: exactly what the contract should compute, and the rational pro-rata sum beside it.
        const balances = [SUPPLY, 0n, 0n, 0n]
        const dist = [0, 1].map(() => ({ held: 0n, uncollected: 0n }))
        const proRata = [0, 1].map(() => [0n, 0n, 0n, 0n]) // Σ arrived × balance at each collect (÷ SUPPLY)
        const withdrawn = [0, 1].map(() => [0n, 0n, 0n, 0n])
        const firstHeldAt = [0, -1, -1, -1] // step index from which a holder held shares
        const collectedBefore = [0, 1].map(() => [] as { at: number; arrived: bigint }[])

        for (const [index, s] of steps.entries()) {
          if (s.kind === 'pay') {
            await pay(w, s.amount, s.token)
            ;(dist[s.token] as (typeof dist)[0]).uncollected += s.amount
          } else if (s.kind === 'collect') {
            const d = dist[s.token] as (typeof dist)[0]
            const r = await w.call(holders[0], 'collect', [tokens[s.token]])
            expect(r.ok).toBe(true)
            expect(r.result).toBe(d.uncollected)
            d.held += d.uncollected
            for (let h = 0; h < 4; h++) {
              add(proRata, s.token, h, d.uncollected * (balances[h] as bigint))
            }
            collectedBefore[s.token]?.push({ at: index, arrived: d.uncollected })
            d.uncollected = 0n
          } else if (s.kind === 'transfer') {
            const amount = ((balances[s.from] as bigint) * BigInt(s.fraction)) / 100n
            const r = await w.call(holders[s.from] as Address, 'transfer', [holders[s.to] as Address, amount])
            expect(r.ok).toBe(true)
            balances[s.from] = (balances[s.from] as bigint) - amount
            balances[s.to] = (balances[s.to] as bigint) + amount
            if (amount > 0n && firstHeldAt[s.to] === -1) firstHeldAt[s.to] = index
          } else {
            const owed = await withdrawable(w, holders[s.holder] as Address, s.token)
            const before = await usdBalance(w, holders[s.holder] as Address, s.token)
            const r = await w.call(holders[s.holder] as Address, 'withdraw', [tokens[s.token]])
            if (owed === 0n) {
              expect(errorName(r.revertData)).toBe('RoyaltyVaultNothingToWithdraw')
            } else {
              expect(r.ok).toBe(true)
              expect(await usdBalance(w, holders[s.holder] as Address, s.token)).toBe(before + owed)
              add(withdrawn, s.token, s.holder, owed)
              ;(dist[s.token] as (typeof dist)[0]).held -= owed
            }
          }

          // A transfer moves both tokens' corrections; the other steps touch one token.
          for (const t of s.kind === 'transfer' ? [0, 1] : [s.token]) {
            const d = dist[t] as (typeof dist)[0]
            let owedToAll = 0n
            for (let h = 0; h < 4; h++) {
              // Exactly floor(Σ over collects of arrived × balance at that collect ÷ supply), less what was withdrawn.
              const entitled = ((proRata[t] as bigint[])[h] as bigint) / SUPPLY
              const owed = await withdrawable(w, holders[h] as Address, t)
              expect(owed).toBe(entitled - ((withdrawn[t] as bigint[])[h] as bigint))
              // A holder that never held shares at a collect is owed nothing of it.
              const heldFrom = firstHeldAt[h] as number
              if (heldFrom === -1 || (collectedBefore[t] ?? []).every((c) => c.at < heldFrom)) {
                expect(entitled).toBe(0n)
              }
              owedToAll += owed
            }
            const vaultBalance = await usdBalance(w, w.vault, t)
            // Conservation: the vault holds what holders may withdraw + what is uncollected + dust ≤ one per holder.
            const dust = vaultBalance - owedToAll - d.uncollected
            expect(dust >= 0n && dust <= 4n).toBe(true)
            expect(vaultBalance).toBe(d.held + d.uncollected)
          }
        }
      }),
      { numRuns: RUNS },
    )
  }, 600_000)
})
