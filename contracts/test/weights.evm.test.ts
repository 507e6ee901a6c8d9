/**
 * Weights commit-reveal on the real bytecode in an in-process EVM: every refusal the issue lists (no permit, not
 * registered, rate limit, reveal without commit, wrong salt, wrong length, too early, too late, all zero) gives its
 * named error and changes nothing; a good reveal stores the row hash and emits the vector; the SDK's commit hash and
 * packing agree with the contract on random weights.
 */
import type { Address as EvmAddress } from '@ethereumjs/util'
import {
  decodeWeights,
  encodeWeights,
  mycelTokenAbi,
  mycelTokenBytecode,
  subnetRegistryAbi,
  subnetRegistryBytecode,
  weightsAbi,
  weightsBytecode,
  weightsCommitHash,
  weightsRowHash,
} from '@mycel/sdk'
import fc from 'fast-check'
import { type Abi, type Address, decodeErrorResult, encodeDeployData, type Hex, keccak256, toHex } from 'viem'
import { describe, expect, it } from 'vitest'
import { createInProcessChain, type InProcessChain } from './helpers/evm.ts'

const owner = '0x00000000000000000000000000000000000000ab' as const
const validator = '0x0000000000000000000000000000000000000101' as const
const validator2 = '0x0000000000000000000000000000000000000102' as const
const miners = ['0x0000000000000000000000000000000000000201', '0x0000000000000000000000000000000000000202'] as const
const stranger = '0x0000000000000000000000000000000000000999' as const
const TEMPO = 10n
const RATE_LIMIT = 5

type World = { chain: InProcessChain; registry: EvmAddress; weights: EvmAddress; chainId: number }

async function world(): Promise<World> {
  const chain = await createInProcessChain()
  const token = await chain.deploy(
    encodeDeployData({ abi: mycelTokenAbi, bytecode: mycelTokenBytecode, args: [owner, 10n ** 24n] }),
  )
  const registry = await chain.deploy(
    encodeDeployData({
      abi: subnetRegistryAbi,
      bytecode: subnetRegistryBytecode,
      args: [token.toString() as Address, owner],
    }),
  )
  const weights = await chain.deploy(
    encodeDeployData({ abi: weightsAbi, bytecode: weightsBytecode, args: [registry.toString() as Address] }),
  )
  const must = async (from: Address, fn: string, args: unknown[]) => {
    const r = await chain.call(from, registry, subnetRegistryAbi as Abi, fn, args)
    if (!r.ok) throw new Error(`${fn} reverted: ${r.revertData}`)
    return r.result
  }
  await must(owner, 'createSubnet', ['s', 'text-generation', 'bafkqaaa', 8, 0n])
  const params = (await must(owner, 'getSubnetParams', [1n])) as Record<string, unknown>
  await must(owner, 'setSubnetParams', [
    1n,
    { ...params, tempo: Number(TEMPO), commitRevealPeriod: 1, weightsRateLimit: RATE_LIMIT, activityCutoff: 100 },
  ])
  await must(validator, 'registerNeuron', [1n, 1, 'http://127.0.0.1:9001', '', 2n ** 255n])
  for (const m of miners) await must(m, 'registerNeuron', [1n, 0, 'http://127.0.0.1:9002', '', 2n ** 255n])
  await must(validator2, 'registerNeuron', [1n, 1, 'http://127.0.0.1:9003', '', 2n ** 255n])
  return { chain, registry, weights, chainId: Number(chain.evm.common.chainId()) }
}

const errorName = (data: Hex) => decodeErrorResult({ abi: weightsAbi, data }).errorName
const salt = keccak256(toHex('salt'))

describe('Weights commit-reveal', () => {
  it('refuses every bad commit and reveal with a named error, changing nothing; accepts the right one', async () => {
    const w = await world()
    const { chain } = w
    const call = (from: Address, fn: string, args: unknown[]) =>
      chain.call(from, w.weights, weightsAbi as Abi, fn, args)
    const hash = (hotkey: Address, packed: Hex, s: Hex = salt) =>
      weightsCommitHash({
        chainId: w.chainId,
        weightsContract: w.weights.toString() as Address,
        netuid: 1n,
        hotkey,
        packed,
        salt: s,
      })
    const packed = encodeWeights([0, 40_000, 65_535, 0])

    expect(errorName((await call(miners[0], 'commitWeights', [1n, hash(miners[0], packed)])).revertData)).toBe(
      'WeightsNoValidatorPermit',
    )
    expect(errorName((await call(stranger, 'commitWeights', [1n, hash(stranger, packed)])).revertData)).toBe(
      'WeightsNotRegistered',
    )
    expect(errorName((await call(validator, 'commitWeights', [1n, `0x${'0'.repeat(64)}`])).revertData)).toBe(
      'WeightsZeroCommit',
    )
    expect(errorName((await call(validator, 'revealWeights', [1n, packed, salt])).revertData)).toBe('WeightsNoCommit')

    // Windows are whole tempo periods counted from the subnet's creation: a commit anywhere in period p is revealed
    // during period p + 1 (commitRevealPeriod 1).
    const subnet = (await chain.call(owner, w.registry, subnetRegistryAbi as Abi, 'getSubnet', [1n])).result as {
      createdAtBlock: bigint
    }
    const start = (period: bigint) => BigInt(subnet.createdAtBlock) + period * TEMPO
    const commitBlock = start(10n) + TEMPO - 3n // late in period 10
    chain.block = commitBlock
    expect((await call(validator, 'commitWeights', [1n, hash(validator, packed)])).ok).toBe(true)
    expect((await call(validator, 'commitOf', [1n, validator])).result).toMatchObject({
      commitBlock,
      length: 4,
      revealFrom: start(11n),
      revealUntil: start(12n),
    })
    chain.block = commitBlock + BigInt(RATE_LIMIT) - 1n
    expect(errorName((await call(validator, 'commitWeights', [1n, hash(validator, packed)])).revertData)).toBe(
      'WeightsRateLimited',
    )
    chain.block = start(11n) - 1n
    expect(errorName((await call(validator, 'revealWeights', [1n, packed, salt])).revertData)).toBe(
      'WeightsRevealTooEarly',
    )
    chain.block = start(11n) // the window opens with the next period, however late in its period the commit came
    expect(
      errorName((await call(validator, 'revealWeights', [1n, packed, keccak256(toHex('other'))])).revertData),
    ).toBe('WeightsHashMismatch')
    expect(
      errorName((await call(validator, 'revealWeights', [1n, encodeWeights([0, 40_000, 65_535]), salt])).revertData),
    ).toBe('WeightsLengthMismatch')
    const tampered = encodeWeights([0, 40_001, 65_535, 0])
    expect(errorName((await call(validator, 'revealWeights', [1n, tampered, salt])).revertData)).toBe(
      'WeightsHashMismatch',
    )
    const before = await call(validator, 'rowAt', [1n, validator, 1000n])
    expect((before.result as { hash: Hex }).hash).toBe(`0x${'0'.repeat(64)}`)

    const revealed = await call(validator, 'revealWeights', [1n, packed, salt])
    expect(revealed.ok).toBe(true)
    const row = (await call(validator, 'rowAt', [1n, validator, start(11n)])).result as Record<string, unknown>
    expect(row).toEqual({
      hash: weightsRowHash(packed),
      commitBlock: Number(commitBlock),
      revealBlock: Number(start(11n)),
      // Active for the cutoff in force at the reveal (100 blocks), whatever the owner sets later.
      activeUntil: Number(start(11n)) + 100,
    })
    expect(((await call(validator, 'rowAt', [1n, validator, start(11n) - 1n])).result as { hash: Hex }).hash).toBe(
      `0x${'0'.repeat(64)}`,
    )
    expect(errorName((await call(validator, 'revealWeights', [1n, packed, salt])).revertData)).toBe('WeightsNoCommit')

    // Expiry: a commit not revealed during its period is gone. Its window was fixed when it was made: doubling the
    // tempo afterwards does not move it.
    chain.block = start(20n)
    const zeros = encodeWeights([0, 0, 0, 0])
    expect((await call(validator2, 'commitWeights', [1n, hash(validator2, zeros)])).ok).toBe(true)
    const params = (await chain.call(owner, w.registry, subnetRegistryAbi as Abi, 'getSubnetParams', [1n])).result as {
      tempo: number
    }
    const retimed = await chain.call(owner, w.registry, subnetRegistryAbi as Abi, 'setSubnetParams', [
      1n,
      { ...params, tempo: Number(TEMPO) * 2 },
    ])
    expect(retimed.ok).toBe(true)
    chain.block = start(21n)
    expect(errorName((await call(validator2, 'revealWeights', [1n, zeros, salt])).revertData)).toBe('WeightsAllZero')
    chain.block = start(22n) - 1n
    expect(errorName((await call(validator2, 'revealWeights', [1n, zeros, salt])).revertData)).toBe('WeightsAllZero')
    chain.block = start(22n)
    expect(errorName((await call(validator2, 'revealWeights', [1n, zeros, salt])).revertData)).toBe(
      'WeightsCommitExpired',
    )
  })

  it('agrees with the SDK on commit hashes and packing for random weights and salts', async () => {
    const w = await world()
    const { chain } = w
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 65_535 }), { minLength: 1, maxLength: 64 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        async (values, saltBytes) => {
          const packed = encodeWeights(values)
          expect(decodeWeights(packed)).toEqual(values)
          const s = toHex(saltBytes)
          const onChain = await chain.call(validator, w.weights, weightsAbi as Abi, 'commitHashOf', [
            1n,
            validator,
            packed,
            s,
          ])
          expect(onChain.result).toBe(
            weightsCommitHash({
              chainId: w.chainId,
              weightsContract: w.weights.toString() as Address,
              netuid: 1n,
              hotkey: validator,
              packed,
              salt: s,
            }),
          )
        },
      ),
      { numRuns: 300 },
    )
  })
})
