/**
 * Epoch settlement end to end on the real bytecode (in-process EVM): stake, commit-reveal weights, proposals built by
 * the SDK's `buildEpoch` from the contracts' own records, finalization, claims — and disputes. A correct proposal
 * survives every kind of dispute; a proposal wrong in any one part (a stake, a row sum, the validator set, one
 * miner's rank or bonds, the dividends) is caught by the matching dispute and its proposer slashed.
 */
import {
  type BuiltEpoch,
  bondsColumnHash,
  buildEpoch,
  columnLeaf,
  merkleTree,
  minerEmission,
  type PreviousEpoch,
  packColumns,
  packQ,
  unpackQ,
  validatorEmission,
} from '@mycel/sdk'
import { type Address, type Hex, parseEther } from 'viem'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  type ContractName,
  createEpochWorld,
  type EpochWorld,
  errorName,
  fund,
  subnetOwner,
} from '../../test/helpers/epochWorld.ts'
import type { InProcessChain } from './helpers/evm.ts'

const owner = subnetOwner
const proposer = '0x00000000000000000000000000000000000000ac' as const
const challenger = '0x00000000000000000000000000000000000000ad' as const
const delegator = '0x00000000000000000000000000000000000000ae' as const
const validators = [
  '0x0000000000000000000000000000000000000101',
  '0x0000000000000000000000000000000000000102',
  '0x0000000000000000000000000000000000000103',
] as const
const miners = [
  '0x0000000000000000000000000000000000000201',
  '0x0000000000000000000000000000000000000202',
  '0x0000000000000000000000000000000000000203',
] as const
const TEMPO = 20n
const CHALLENGE = 5n
const BOND = parseEther('100')
const EMISSION_PER_BLOCK = parseEther('1')

let world: EpochWorld
let chain: InProcessChain
const call = (from: Address, contract: ContractName, fn: string, args: unknown[] = []) =>
  world.call(from, contract, fn, args)
const must = (from: Address, contract: ContractName, fn: string, args: unknown[] = []) =>
  world.must(from, contract, fn, args)
const readState = (snapshot: bigint, previous: PreviousEpoch | null) => world.readState(snapshot, previous)

beforeAll(async () => {
  world = await createEpochWorld({
    emissionPerBlock: EMISSION_PER_BLOCK,
    bond: BOND,
    challengeBlocks: CHALLENGE,
    maxNeurons: 8,
    subnetParams: { tempo: Number(TEMPO), weightsRateLimit: 0, activityCutoff: 200, immunityPeriod: 0 },
  })
  chain = world.chain
  await fund(world, [subnetOwner, proposer, challenger, delegator, ...validators, ...miners], parseEther('10000'))
  for (const v of validators) await must(v, 'registry', 'registerNeuron', [1n, 1, 'http://127.0.0.1:9001', ''])
  for (const m of miners) await must(m, 'registry', 'registerNeuron', [1n, 0, 'http://127.0.0.1:9002', ''])
  // Stake: 600 and 300 of honest validators (one delegated), 100 of a deviant minority.
  await must(validators[0], 'staking', 'stake', [1n, validators[0], parseEther('400')])
  await must(delegator, 'staking', 'stake', [1n, validators[0], parseEther('200')])
  await must(validators[1], 'staking', 'stake', [1n, validators[1], parseEther('300')])
  await must(validators[2], 'staking', 'stake', [1n, validators[2], parseEther('100')])
  await must(proposer, 'epochs', 'depositBond', [BOND * 10n])
  // Weights (uids: validators 0..2, miners 3..5): the honest two by quality, the minority all on the worst miner.
  chain.block = 12n
  await world.setWeights([
    { hotkey: validators[0], weights: [0, 0, 0, 60_000, 30_000, 6_000] },
    { hotkey: validators[1], weights: [0, 0, 0, 65_535, 28_000, 7_000] },
    { hotkey: validators[2], weights: [0, 0, 0, 0, 0, 65_535] },
  ])
})

async function nextSnapshot(): Promise<{ epoch: bigint; snapshot: bigint }> {
  const [epoch, snapshot] = (await must(owner, 'epochs', 'nextEpoch', [1n])) as [bigint, bigint]
  return { epoch, snapshot }
}

const inputsOf = (b: BuiltEpoch) => ({
  validators: b.proposal.validators,
  stakes: b.proposal.stakes,
  rowSums: b.proposal.rowSums,
})

function columnEvidence(b: BuiltEpoch, uid: number, previous: { built: BuiltEpoch } | null) {
  return {
    uid,
    rank: BigInt(b.ranks[uid] as number),
    bondsColumnHash: bondsColumnHash(b.bonds[uid] as number[]),
    proof: b.proof(uid),
    rows: b.rows,
    prevValidators: previous?.built.proposal.validators ?? [],
    prevBonds: previous ? packQ(previous.built.bonds[uid] as number[]) : '0x',
    prevRank: BigInt(previous?.built.ranks[uid] ?? 0),
    prevProof: previous ? previous.built.proof(uid) : [],
  }
}

const packedBonds = (b: BuiltEpoch) => packQ(b.bonds.flat())

/** Every dispute against `b` (as proposed) — each must fail when `b` is right. */
async function disputeAll(b: BuiltEpoch, previous: { built: BuiltEpoch } | null): Promise<string[]> {
  const inputs = inputsOf(b)
  const results: string[] = []
  const n = b.ranks.length
  for (let i = 0; i < b.proposal.validators.length; i++) {
    results.push(errorName((await call(challenger, 'epochs', 'disputeStake', [1n, inputs, i])).revertData))
    results.push(errorName((await call(challenger, 'epochs', 'disputeRowSum', [1n, inputs, i, b.rows[i]])).revertData))
  }
  for (let uid = 0; uid < n; uid++) {
    if (!b.proposal.validators.includes(uid)) {
      results.push(
        errorName(
          (await call(challenger, 'epochs', 'disputeValidators', [1n, b.proposal.validators, 99n, uid])).revertData,
        ),
      )
    }
    results.push(
      errorName(
        (await call(challenger, 'epochs', 'disputeColumn', [1n, inputs, columnEvidence(b, uid, previous)])).revertData,
      ),
    )
  }
  results.push(
    errorName(
      (
        await call(challenger, 'epochs', 'disputeDividends', [
          1n,
          inputs,
          b.proposal.columns,
          packedBonds(b),
          b.proposal.dividends,
        ])
      ).revertData,
    ),
  )
  return results
}

async function finalize(b: BuiltEpoch) {
  chain.block += CHALLENGE + 1n
  await must(challenger, 'epochs', 'finalize', [1n, b.proposal.validators, b.proposal.pruneOrder])
}

describe('Epochs', () => {
  let epoch0: BuiltEpoch
  let epoch0Snapshot = 0n
  let epoch1: BuiltEpoch

  it('settles a first epoch (no weights revealed by its snapshot yet)', async () => {
    const { epoch, snapshot } = await nextSnapshot()
    expect(epoch).toBe(0n)
    const subnet = (await must(owner, 'registry', 'getSubnet', [1n])) as { createdAtBlock: bigint }
    expect(snapshot).toBe(subnet.createdAtBlock + TEMPO)
    epoch0Snapshot = snapshot
    chain.block = snapshot
    const early = await call(proposer, 'epochs', 'propose', [1n, buildEpoch(await readState(snapshot, null)).proposal])
    expect(errorName(early.revertData)).toBe('EpochsTooEarly')
    chain.block = snapshot + 1n
    epoch0 = buildEpoch(await readState(snapshot, null))
    expect(epoch0.proposal.validators).toEqual([0, 1, 2])
    expect(epoch0.proposal.stakes).toEqual([0n, 0n, 0n])
    await must(proposer, 'epochs', 'propose', [1n, epoch0.proposal])
    expect(errorName((await call(proposer, 'epochs', 'propose', [1n, epoch0.proposal])).revertData)).toBe(
      'EpochsAlreadyProposed',
    )
    const tooSoon = await call(challenger, 'epochs', 'finalize', [
      1n,
      epoch0.proposal.validators,
      epoch0.proposal.pruneOrder,
    ])
    expect(errorName(tooSoon.revertData)).toBe('EpochsChallengeWindowOpen')
    expect(new Set(await disputeAll(epoch0, null))).toEqual(new Set(['EpochsProposalCorrect']))
    await finalize(epoch0)
  })

  it('settles an epoch with weights: every dispute of a correct proposal fails, and each party claims once', async () => {
    const { epoch, snapshot } = await nextSnapshot()
    expect(epoch).toBe(1n)
    chain.block = snapshot + 1n
    epoch1 = buildEpoch(
      await readState(snapshot, { snapshotBlock: epoch0Snapshot, neurons: 6, validators: [0, 1, 2], bonds: epoch0.bonds }),
    )
    // The honest majority decides: the best miner gets the most, the one only the minority likes gets nothing.
    expect(epoch1.incentive[3]).toBeGreaterThan(epoch1.incentive[4] as number)
    expect(epoch1.incentive[5]).toBeLessThan(epoch1.incentive[4] as number)
    expect(epoch1.dividends[2]).toBeLessThan(epoch1.dividends[1] as number)
    await must(proposer, 'epochs', 'propose', [1n, epoch1.proposal])
    const disputes = await disputeAll(epoch1, { built: epoch0 })
    expect(new Set(disputes)).toEqual(new Set(['EpochsProposalCorrect']))
    await finalize(epoch1)
    const settled = (await must(owner, 'epochs', 'getEpoch', [1n, 1n])) as { emission: bigint }
    // Emission: one token per block of the epoch, all of it to this subnet (it holds all the stake).
    expect(settled.emission).toBe(EMISSION_PER_BLOCK * TEMPO)

    const balance = async (who: Address) => (await must(owner, 'token', 'balanceOf', [who])) as bigint
    const before = await balance(miners[0])
    const claim = [
      1n,
      1n,
      3,
      BigInt(epoch1.ranks[3] as number),
      bondsColumnHash(epoch1.bonds[3] as number[]),
      epoch1.proof(3),
    ]
    await must(challenger, 'epochs', 'claimMiner', claim)
    expect((await balance(miners[0])) - before).toBe(
      minerEmission(settled.emission, epoch1.ranks[3] as number, epoch1.rankSum),
    )
    expect(errorName((await call(challenger, 'epochs', 'claimMiner', claim)).revertData)).toBe('EpochsAlreadyClaimed')
    const forged = [...claim]
    forged[3] = BigInt(epoch1.ranks[3] as number) + 1n
    expect(errorName((await call(challenger, 'epochs', 'claimMiner', forged)).revertData)).toBe('EpochsBadProof')

    const pendingBefore = (await must(owner, 'staking', 'pendingRewards', [1n, validators[0], delegator])) as bigint
    await must(challenger, 'epochs', 'claimValidator', [
      1n,
      1n,
      0n,
      epoch1.proposal.validators,
      epoch1.proposal.dividends,
    ])
    const paid = validatorEmission(settled.emission, epoch1.dividends[0] as number)
    const delegated =
      ((await must(owner, 'staking', 'pendingRewards', [1n, validators[0], delegator])) as bigint) - pendingBefore
    // The delegator holds a third of the stake on validator 0 and gets a third of what is left after the 18% take.
    expect(delegated).toBe(
      ((((paid - (paid * 1800n) / 10_000n) * 10n ** 36n) / parseEther('600')) * parseEther('200')) / 10n ** 36n,
    )
    const ownerBefore = await balance(owner)
    await must(challenger, 'epochs', 'claimOwner', [1n, 1n])
    expect((await balance(owner)) - ownerBefore).toBe((settled.emission * 1800n) / 10_000n)
    expect(errorName((await call(challenger, 'epochs', 'claimOwner', [1n, 1n])).revertData)).toBe(
      'EpochsAlreadyClaimed',
    )
  })

  it('catches and slashes a proposal wrong in any one part, then settles the right one', async () => {
    const { snapshot } = await nextSnapshot()
    chain.block = snapshot + 1n
    const right = buildEpoch(
      await readState(snapshot, {
        snapshotBlock: snapshot - TEMPO,
        neurons: 6,
        validators: epoch1.proposal.validators,
        bonds: epoch1.bonds,
      }),
    )
    const previous = { built: epoch1 }
    const tamper = (change: (b: BuiltEpoch) => void): BuiltEpoch => {
      const b = structuredClone({ ...right, proof: undefined }) as unknown as BuiltEpoch
      change(b)
      const columns = b.ranks.map((rank, j) => ({ rank, bondsHash: bondsColumnHash(b.bonds[j] as number[]) }))
      b.proposal.columns = packColumns(columns)
      b.proposal.dividends = packQ(b.dividends)
      const rebuilt = buildEpochTree(b)
      return rebuilt
    }
    const cases: [string, BuiltEpoch, (b: BuiltEpoch) => Promise<{ ok: boolean; revertData: Hex }>][] = [
      [
        'a stake',
        tamper((b) => {
          b.proposal.stakes[1] = (b.proposal.stakes[1] as bigint) + 1n
        }),
        (b) => call(challenger, 'epochs', 'disputeStake', [1n, inputsOf(b), 1n]),
      ],
      [
        'a row sum',
        tamper((b) => {
          b.proposal.rowSums[0] = (b.proposal.rowSums[0] as bigint) + 7n
        }),
        (b) => call(challenger, 'epochs', 'disputeRowSum', [1n, inputsOf(b), 0n, b.rows[0]]),
      ],
      [
        'the validator set',
        tamper((b) => {
          b.proposal.validators = [0, 1]
          b.proposal.stakes = b.proposal.stakes.slice(0, 2)
          b.proposal.rowSums = b.proposal.rowSums.slice(0, 2)
          b.rows = b.rows.slice(0, 2)
          b.dividends = b.dividends.slice(0, 2)
          b.bonds = b.bonds.map((col) => col.slice(0, 2))
        }),
        (b) => call(challenger, 'epochs', 'disputeValidators', [1n, b.proposal.validators, 99n, 2]),
      ],
      [
        'a miner’s rank',
        tamper((b) => {
          b.ranks[4] = (b.ranks[4] as number) + 1000
        }),
        (b) => call(challenger, 'epochs', 'disputeColumn', [1n, inputsOf(b), columnEvidence(b, 4, previous)]),
      ],
      [
        'a miner’s bonds',
        tamper((b) => {
          ;(b.bonds[3] as number[])[0] = ((b.bonds[3] as number[])[0] as number) + 1
        }),
        (b) => call(challenger, 'epochs', 'disputeColumn', [1n, inputsOf(b), columnEvidence(b, 3, previous)]),
      ],
      [
        'the dividends',
        tamper((b) => {
          b.dividends[0] = (b.dividends[0] as number) - 5000
          b.dividends[1] = (b.dividends[1] as number) + 5000
        }),
        (b) =>
          call(challenger, 'epochs', 'disputeDividends', [
            1n,
            inputsOf(b),
            b.proposal.columns,
            packedBonds(b),
            b.proposal.dividends,
          ]),
      ],
    ]
    for (const [what, wrong, dispute] of cases) {
      const [depositedBefore] = (await must(owner, 'epochs', 'bondOf', [proposer])) as [bigint, bigint]
      const challengerBefore = (await must(owner, 'token', 'balanceOf', [challenger])) as bigint
      await must(proposer, 'epochs', 'propose', [1n, wrong.proposal])
      const r = await dispute(wrong)
      expect(r.ok, `${what}: ${errorName(r.revertData)}`).toBe(true)
      const [depositedAfter] = (await must(owner, 'epochs', 'bondOf', [proposer])) as [bigint, bigint]
      expect(depositedBefore - depositedAfter, what).toBe(BOND)
      expect(((await must(owner, 'token', 'balanceOf', [challenger])) as bigint) - challengerBefore, what).toBe(
        BOND / 2n,
      )
      expect(((await must(owner, 'epochs', 'getEpoch', [1n, 2n])) as { status: number }).status, what).toBe(0)
    }
    await must(proposer, 'epochs', 'propose', [1n, right.proposal])
    expect(new Set(await disputeAll(right, previous))).toEqual(new Set(['EpochsProposalCorrect']))
    await finalize(right)
    expect(unpackQ(right.proposal.dividends)).toEqual(right.dividends)
  })
})

/** Recomputes the tree of a tampered epoch so its claims are self-consistent (only the contents are wrong). */
function buildEpochTree(b: BuiltEpoch): BuiltEpoch {
  const leaves = b.ranks.map((rank, j) => ({ rank, hash: bondsColumnHash(b.bonds[j] as number[]) }))
  const tree = merkleTree(leaves.map((l, j) => columnLeaf(j, l.rank, l.hash)))
  return { ...b, root: tree.root, proof: (uid: number) => tree.proof(uid) }
}
