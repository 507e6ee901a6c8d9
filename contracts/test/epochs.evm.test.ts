/**
 * Epoch settlement end to end on the real bytecode (in-process EVM): stake, commit-reveal weights, proposals built by
 * the SDK's `buildEpoch` from the contracts' own records, finalization, claims — and disputes. A correct proposal
 * survives every kind of dispute; a proposal wrong in any one part (a stake, a row sum, the validator set, one
 * miner's rank or bonds, the dividends) is caught by the matching dispute and its proposer slashed.
 *
 * Longer than 400 lines: every dispute kind runs in one epoch world (contracts, stake, weights), built once.
 */
import {
  type BuiltEpoch,
  bondsColumnHash,
  buildEpoch,
  minerEmission,
  type PreviousEpoch,
  packInputs,
  packQ,
  packUids,
  planDisputes,
  previousOf,
  unpackInputs,
  unpackQ,
  unpackUids,
  validatorEmission,
} from '@mycel/sdk'
import fc from 'fast-check'
import { type Address, type Hex, parseEther } from 'viem'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  type ContractName,
  challenger,
  createEpochWorld,
  delegator,
  type EpochWorld,
  errorName,
  fund,
  miners,
  proposer,
  subnetOwner,
  validators,
} from '../../test/helpers/epochWorld.ts'
import type { InProcessChain } from './helpers/evm.ts'
import { buildNext, claimCalls, nextEpochOf, repack, settleNext, tampered } from './helpers/settle.ts'

const owner = subnetOwner
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
  for (const v of validators)
    await must(v, 'registry', 'registerNeuron', [1n, 1, 'http://127.0.0.1:9001', '', 2n ** 255n])
  for (const m of miners) await must(m, 'registry', 'registerNeuron', [1n, 0, 'http://127.0.0.1:9002', '', 2n ** 255n])
  // Stake: 600 and 300 of honest validators (one delegated), 100 of a deviant minority.
  await must(validators[0], 'staking', 'stake', [1n, validators[0], parseEther('400')])
  await must(delegator, 'staking', 'stake', [1n, validators[0], parseEther('200')])
  await must(validators[1], 'staking', 'stake', [1n, validators[1], parseEther('300')])
  await must(validators[2], 'staking', 'stake', [1n, validators[2], parseEther('100')])
  await must(proposer, 'epochs', 'depositBond', [BOND * 30n])
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

function columnEvidence(b: BuiltEpoch, uid: number, previous: { built: BuiltEpoch } | null) {
  return {
    uid,
    rank: BigInt(b.ranks[uid] as number),
    bondsHash: bondsColumnHash(b.bonds[uid] as number[]),
    proof: b.proof(uid),
    rows: b.rows,
    prevHeader: previous?.built.header ?? b.header,
    prevInputs: previous?.built.proposal.inputs ?? '0x',
    prevBonds: previous ? packQ(previous.built.bonds[uid] as number[]) : '0x',
    prevRank: BigInt(previous?.built.ranks[uid] ?? 0),
    prevProof: previous ? previous.built.proof(uid) : [],
  }
}

const packedBonds = (b: BuiltEpoch) => packQ(b.bonds.flat())

/** Every dispute against `b` (as proposed) — each must fail when `b` is right. */
async function disputeAll(b: BuiltEpoch, previous: { built: BuiltEpoch } | null): Promise<string[]> {
  const { header, proposal } = b
  const results: string[] = []
  const n = b.ranks.length
  const name = async (fn: string, args: unknown[]) =>
    errorName((await call(challenger, 'epochs', fn, [1n, header, ...args])).revertData)
  results.push(await name('disputeRoot', [proposal.columns]))
  for (let i = 0; i < b.validators.length; i++) {
    results.push(await name('disputeStake', [proposal.inputs, i]))
    results.push(await name('disputeRowSum', [proposal.inputs, i, b.rows[i]]))
  }
  for (let uid = 0; uid < n; uid++) {
    if (!b.validators.includes(uid)) results.push(await name('disputeValidators', [proposal.inputs, 99n, uid]))
    results.push(await name('disputeColumn', [proposal.inputs, columnEvidence(b, uid, previous)]))
  }
  results.push(await name('disputeDividends', [proposal.inputs, proposal.columns, packedBonds(b), proposal.dividends]))
  results.push(await name('disputePruneOrder', [proposal.inputs, pruneEvidence(b, null)]))
  for (let uid = 0; uid < n; uid++)
    results.push(await name('disputePruneOrder', [proposal.inputs, pruneEvidence(b, uid)]))
  return results
}

/** The prune order's columns restated, plus an optional candidate uid. */
function pruneEvidence(b: BuiltEpoch, candidate: number | null) {
  const order = Array.from({ length: (b.proposal.pruneOrder.length - 2) / 4 }, (_, k) =>
    Number.parseInt(b.proposal.pruneOrder.slice(2 + 4 * k, 6 + 4 * k), 16),
  )
  const entry = (uid: number) => ({
    uid,
    rank: BigInt(b.ranks[uid] as number),
    bondsHash: bondsColumnHash(b.bonds[uid] as number[]),
    proof: b.proof(uid),
  })
  return {
    dividends: b.proposal.dividends,
    pruneOrder: b.proposal.pruneOrder,
    entries: [...order.map(entry), ...(candidate === null ? [] : [entry(candidate)])],
    withCandidate: candidate !== null,
  }
}

async function finalize(b: BuiltEpoch) {
  chain.block += CHALLENGE + 1n
  await must(challenger, 'epochs', 'finalize', [1n, b.header, b.permits, b.proposal.pruneOrder])
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
    expect(epoch0.validators).toEqual([0, 1, 2])
    expect(epoch0.stakes).toEqual([0n, 0n, 0n])
    await must(proposer, 'epochs', 'propose', [1n, epoch0.proposal])
    expect(errorName((await call(proposer, 'epochs', 'propose', [1n, epoch0.proposal])).revertData)).toBe(
      'EpochsAlreadyProposed',
    )
    const tooSoon = await call(challenger, 'epochs', 'finalize', [
      1n,
      epoch0.header,
      epoch0.permits,
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
      await readState(snapshot, {
        snapshotBlock: epoch0Snapshot,
        neurons: 6,
        validators: epoch0.validators,
        bonds: epoch0.bonds,
      }),
    )
    // The honest majority decides: the best miner gets the most, the one only the minority likes gets nothing.
    expect(epoch1.incentive[3]).toBeGreaterThan(epoch1.incentive[4] as number)
    expect(epoch1.incentive[5]).toBeLessThan(epoch1.incentive[4] as number)
    expect(epoch1.dividends[2]).toBeLessThan(epoch1.dividends[1] as number)
    await must(proposer, 'epochs', 'propose', [1n, epoch1.proposal])
    const disputes = await disputeAll(epoch1, { built: epoch0 })
    expect(new Set(disputes)).toEqual(new Set(['EpochsProposalCorrect']))
    await finalize(epoch1)
    const settled = { emission: (await must(owner, 'epochs', 'emissionOf', [1n, epoch1.header])) as bigint }
    // Emission: one token per block of the epoch, all of it to this subnet (it holds all the stake), less the
    // rounding of the stake-share index (never up).
    expect(settled.emission).toBe(epoch1.header.emission)
    expect(settled.emission <= EMISSION_PER_BLOCK * TEMPO).toBe(true)
    expect(settled.emission >= EMISSION_PER_BLOCK * TEMPO - 1n).toBe(true)

    const balance = async (who: Address) => (await must(owner, 'token', 'balanceOf', [who])) as bigint
    const before = await balance(miners[0])
    const claim = [
      1n,
      1n,
      epoch1.header,
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
    forged[4] = BigInt(epoch1.ranks[3] as number) + 1n
    expect(errorName((await call(challenger, 'epochs', 'claimMiner', forged)).revertData)).toBe('EpochsBadProof')
    // A rank past the 40 bits a leaf commits to cannot reuse the leaf's proof (rank + 2^40 would otherwise pass).
    const inflated = [...claim]
    inflated[4] = BigInt(epoch1.ranks[3] as number) + 2n ** 40n
    expect(errorName((await call(challenger, 'epochs', 'claimMiner', inflated)).revertData)).toBe(
      'EpochMathRankTooLarge',
    )
    const unfinished = [...claim]
    unfinished[1] = 2n
    expect(errorName((await call(challenger, 'epochs', 'claimMiner', unfinished)).revertData)).toBe('EpochsNotFinal')

    const pendingBefore = (await must(owner, 'staking', 'pendingRewards', [1n, validators[0], delegator])) as bigint
    await must(challenger, 'epochs', 'claimValidator', [
      1n,
      1n,
      epoch1.header,
      0n,
      epoch1.proposal.inputs,
      epoch1.proposal.dividends,
    ])
    const paid = validatorEmission(settled.emission, epoch1.dividends[0] as number)
    const delegated =
      ((await must(owner, 'staking', 'pendingRewards', [1n, validators[0], delegator])) as bigint) - pendingBefore
    // The delegator holds a third of the stake on validator 0 and gets a third of what is left after the 18% take.
    expect(delegated).toBe(
      ((((paid - (paid * 1800n) / 10_000n) * 10n ** 27n) / parseEther('600')) * parseEther('200')) / 10n ** 27n,
    )
    const ownerBefore = await balance(owner)
    await must(challenger, 'epochs', 'claimOwner', [1n, 1n, epoch1.header])
    expect((await balance(owner)) - ownerBefore).toBe((settled.emission * 1800n) / 10_000n)
    expect(errorName((await call(challenger, 'epochs', 'claimOwner', [1n, 1n, epoch1.header])).revertData)).toBe(
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
        validators: epoch1.validators,
        bonds: epoch1.bonds,
      }),
    )
    const previous = { built: epoch1 }
    const tamper = (change: (b: BuiltEpoch) => void, keepRoot = false): BuiltEpoch => {
      const b = { ...structuredClone({ ...right, proof: undefined }), proof: right.proof } as unknown as BuiltEpoch
      change(b)
      return repack(b, keepRoot ? right.proposal.columnsRoot : undefined)
    }
    const dispute =
      (fn: string, ...args: unknown[]) =>
      (b: BuiltEpoch) =>
        call(challenger, 'epochs', fn, [1n, b.header, ...args])
    const cases: [string, BuiltEpoch, (b: BuiltEpoch) => Promise<{ ok: boolean; revertData: Hex }>][] = []
    const add = (what: string, b: BuiltEpoch, run: (b: BuiltEpoch) => Promise<{ ok: boolean; revertData: Hex }>) =>
      cases.push([what, b, run])
    add(
      'the columns root',
      tamper((b) => {
        b.ranks[5] = (b.ranks[5] as number) + 1
      }, true),
      (b) => dispute('disputeRoot', b.proposal.columns)(b),
    )
    add(
      'a stake',
      tamper((b) => {
        b.stakes[1] = (b.stakes[1] as bigint) + 1n
      }),
      (b) => dispute('disputeStake', b.proposal.inputs, 1n)(b),
    )
    add(
      'a row sum',
      tamper((b) => {
        b.rowSums[0] = (b.rowSums[0] as bigint) + 7n
      }),
      (b) => dispute('disputeRowSum', b.proposal.inputs, 0n, b.rows[0])(b),
    )
    add(
      'the validator set',
      tamper((b) => {
        b.validators = [0, 1]
        b.stakes = b.stakes.slice(0, 2)
        b.rowSums = b.rowSums.slice(0, 2)
        b.rows = b.rows.slice(0, 2)
        b.dividends = b.dividends.slice(0, 2)
        b.bonds = b.bonds.map((col) => col.slice(0, 2))
      }),
      (b) => dispute('disputeValidators', b.proposal.inputs, 99n, 2)(b),
    )
    add(
      'a miner’s rank',
      tamper((b) => {
        b.ranks[4] = (b.ranks[4] as number) + 1000
      }),
      (b) => dispute('disputeColumn', b.proposal.inputs, columnEvidence(b, 4, previous))(b),
    )
    add(
      'a miner’s bonds',
      tamper((b) => {
        ;(b.bonds[3] as number[])[0] = ((b.bonds[3] as number[])[0] as number) + 1
      }),
      (b) => dispute('disputeColumn', b.proposal.inputs, columnEvidence(b, 3, previous))(b),
    )
    // An all-zero column hashes to zero: stating a miner's bonds as all zero, or a validator's (all zero) as not,
    // is a wrong column like any other.
    add(
      'a miner’s bonds stated as all zero',
      tamper((b) => {
        expect((b.bonds[3] as number[]).some((x) => x > 0)).toBe(true)
        b.bonds[3] = (b.bonds[3] as number[]).map(() => 0)
      }),
      (b) => dispute('disputeColumn', b.proposal.inputs, columnEvidence(b, 3, previous))(b),
    )
    add(
      'a validator’s all-zero bonds stated as not',
      tamper((b) => {
        expect(b.bonds[0]?.every((x) => x === 0)).toBe(true)
        ;(b.bonds[0] as number[])[1] = 1
      }),
      (b) => dispute('disputeColumn', b.proposal.inputs, columnEvidence(b, 0, previous))(b),
    )
    add(
      'the prune order (unsorted)',
      tamper((b) => {
        const order = b.proposal.pruneOrder.slice(2).match(/.{4}/g) as string[]
        b.proposal.pruneOrder = `0x${order.reverse().join('')}`
      }),
      (b) => dispute('disputePruneOrder', b.proposal.inputs, pruneEvidence(b, null))(b),
    )
    add(
      'the prune order (a uid left out)',
      tamper((b) => {
        b.proposal.pruneOrder = b.proposal.pruneOrder.slice(0, -4) as Hex
      }),
      (b) => {
        const order = b.proposal.pruneOrder.slice(2).match(/.{4}/g) ?? []
        const left = right.proposal.pruneOrder.slice(-4)
        expect(order).not.toContain(left)
        return dispute('disputePruneOrder', b.proposal.inputs, pruneEvidence(b, Number.parseInt(left, 16)))(b)
      },
    )
    add(
      'the dividends',
      tamper((b) => {
        b.dividends[0] = (b.dividends[0] as number) - 5000
        b.dividends[1] = (b.dividends[1] as number) + 5000
      }),
      (b) =>
        dispute('disputeDividends', b.proposal.inputs, b.proposal.columns, packedBonds(b), b.proposal.dividends)(b),
    )
    for (const [what, wrong, run] of cases) {
      const depositedBefore = (await must(owner, 'epochs', 'bondOf', [proposer])) as bigint
      const challengerBefore = (await must(owner, 'token', 'balanceOf', [challenger])) as bigint
      await must(proposer, 'epochs', 'propose', [1n, wrong.proposal])
      const r = await run(wrong)
      expect(r.ok, `${what}: ${errorName(r.revertData)}`).toBe(true)
      const depositedAfter = (await must(owner, 'epochs', 'bondOf', [proposer])) as bigint
      expect(depositedBefore - depositedAfter, what).toBe(BOND)
      expect(((await must(owner, 'token', 'balanceOf', [challenger])) as bigint) - challengerBefore, what).toBe(
        BOND / 10n,
      )
      const [headerHash] = (await must(owner, 'epochs', 'getEpoch', [1n, 2n])) as [Hex, boolean]
      expect(headerHash, what).toBe(`0x${'0'.repeat(64)}`)

      // A node's checker finds the dispute on its own: the first planned dispute the contract accepts slashes.
      await must(proposer, 'epochs', 'propose', [1n, wrong.proposal])
      const plan = planDisputes(right, wrong.proposal, wrong.header, {
        header: epoch1.header,
        proposal: epoch1.proposal,
        built: epoch1,
      })
      expect(plan.length, what).toBeGreaterThan(0)
      let slashedBy: string | undefined
      for (const entry of plan) {
        const r = await call(challenger, 'epochs', entry.functionName, [1n, wrong.header, ...entry.args])
        if (r.ok) {
          slashedBy = entry.functionName
          break
        }
        expect(errorName(r.revertData), `${what}: ${entry.functionName}`).toBe('EpochsProposalCorrect')
      }
      expect(slashedBy, what).toBeDefined()
      const [reopened] = (await must(owner, 'epochs', 'getEpoch', [1n, 2n])) as [Hex, boolean]
      expect(reopened, what).toBe(`0x${'0'.repeat(64)}`)
    }
    expect(planDisputes(right, right.proposal, right.header, null)).toEqual([])
    // Refused outright rather than slashed: dividends summing past one.
    const greedy = tamper((b) => {
      b.dividends[0] = (b.dividends[0] as number) + 2 ** 32
    })
    const refused = await call(proposer, 'epochs', 'propose', [1n, greedy.proposal])
    expect(errorName(refused.revertData)).toBe('EpochsMalformedProposal')
    // ... and validators out of uid order or named twice (the one pass over the inputs checks strict order).
    for (const [what, uids] of [
      ['reversed', [...right.validators].reverse()],
      ['repeated', right.validators.map((uid, i) => (i === 1 ? (right.validators[0] as number) : uid))],
    ] as const) {
      const unordered = tamper((b) => {
        b.validators = [...uids]
      })
      const r = await call(proposer, 'epochs', 'propose', [1n, unordered.proposal])
      expect(errorName(r.revertData), what).toBe('EpochsMalformedProposal')
    }
    // A parameter change after the snapshot applies from the next epoch on: the proposal built for the snapshot's
    // parameters still lands.
    const params = (await must(owner, 'registry', 'getSubnetParams', [1n])) as Record<string, unknown>
    await must(owner, 'registry', 'setSubnetParams', [1n, { ...params, kappa: 40_000 }])
    await must(proposer, 'epochs', 'propose', [1n, right.proposal])
    await must(owner, 'registry', 'setSubnetParams', [1n, params])
    expect(new Set(await disputeAll(right, previous))).toEqual(new Set(['EpochsProposalCorrect']))
    await finalize(right)
    expect(unpackQ(right.proposal.dividends)).toEqual(right.dividends)
  })
})

describe('Epochs accounting', () => {
  it('property: over random stakes and weights, an epoch mints at most its emission and pays each share once', async () => {
    const w = await createEpochWorld({
      emissionPerBlock: EMISSION_PER_BLOCK,
      bond: BOND,
      challengeBlocks: CHALLENGE,
      maxNeurons: 8,
      subnetParams: { tempo: Number(TEMPO), weightsRateLimit: 0, activityCutoff: 1000, immunityPeriod: 0 },
    })
    await fund(w, [proposer, challenger, ...validators, ...miners], parseEther('1000000'))
    for (const v of validators)
      await w.must(v, 'registry', 'registerNeuron', [1n, 1, 'http://127.0.0.1:9001', '', 2n ** 255n])
    for (const m of miners)
      await w.must(m, 'registry', 'registerNeuron', [1n, 0, 'http://127.0.0.1:9002', '', 2n ** 255n])
    // A base stake keeps every validator in the top-K set, so each run's random extra stake (which may be zero)
    // never costs a validator its permit for the next run's weights.
    for (const v of validators) await w.must(v, 'staking', 'stake', [1n, v, parseEther('1')])
    await w.must(proposer, 'epochs', 'depositBond', [BOND * 10n])
    let previous: { built: BuiltEpoch; snapshot: bigint } | null = null
    const settleUpTo = async (block: bigint): Promise<BuiltEpoch | null> => {
      let last: BuiltEpoch | null = null
      for (;;) {
        const [, snapshot] = (await w.must(proposer, 'epochs', 'nextEpoch', [1n])) as [bigint, bigint]
        if (snapshot >= block) return last
        if (w.chain.block <= snapshot) w.chain.block = snapshot + 1n
        const state = await w.readState(
          snapshot,
          previous && {
            snapshotBlock: previous.snapshot,
            neurons: previous.built.ranks.length,
            validators: previous.built.validators,
            bonds: previous.built.bonds,
          },
        )
        const built = buildEpoch(state)
        // Invariant: no uid out of range anywhere in a proposal (validators, columns, prune order).
        const n = built.header.neurons
        expect(unpackInputs(built.proposal.inputs).every((x) => x.uid < n)).toBe(true)
        expect(unpackUids(built.proposal.pruneOrder).every((uid) => uid < n)).toBe(true)
        expect(built.ranks.length).toBe(n)
        // ... and the contract refuses one that names a uid past the last, wherever it is.
        for (const [where, wrong] of [
          ['pruneOrder', tampered(built, { pruneOrder: packUids([n]) })],
          [
            'inputs',
            {
              ...built,
              proposal: {
                ...built.proposal,
                inputs: packInputs([{ uid: n, stake: 1n, rowSum: 1n }]),
                dividends: packQ([0]),
              },
            },
          ],
        ] as const) {
          const r = await w.call(proposer, 'epochs', 'propose', [1n, wrong.proposal])
          expect(errorName(r.revertData), where).toBe('EpochsMalformedProposal')
        }
        await w.must(proposer, 'epochs', 'propose', [1n, built.proposal])
        w.chain.block += CHALLENGE + 1n
        await w.must(challenger, 'epochs', 'finalize', [1n, built.header, built.permits, built.proposal.pruneOrder])
        previous = { built, snapshot }
        last = built
      }
    }
    const supply = async () => (await w.must(owner, 'token', 'totalSupply', [])) as bigint
    let paidClaims = 0n
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.bigInt({ min: 0n, max: 10n ** 21n }), { minLength: 3, maxLength: 3 }),
        fc.array(fc.array(fc.integer({ min: 0, max: 65_535 }), { minLength: 6, maxLength: 6 }), {
          minLength: 3,
          maxLength: 3,
        }),
        async (extraStake, scores) => {
          for (const [i, amount] of extraStake.entries()) {
            if (amount > 0n) await w.must(validators[i] as Address, 'staking', 'stake', [1n, validators[i], amount])
          }
          await w.setWeights(
            validators.map((hotkey, i) => {
              const row = scores[i] as number[]
              return { hotkey, weights: row.some((x) => x > 0) ? row : [0, 0, 0, 1, 0, 0] }
            }),
          )
          const revealedAt = w.chain.block
          const built = await settleUpTo(revealedAt + TEMPO)
          if (!built) return
          const [epoch] = (await w.must(proposer, 'epochs', 'nextEpoch', [1n])) as [bigint, bigint]
          const settled = epoch - 1n
          const emission = (await w.must(owner, 'epochs', 'emissionOf', [1n, built.header])) as bigint
          const before = await supply()
          let claims = 0n
          const claimTwice = async (fn: string, args: unknown[]) => {
            const first = await w.call(challenger, 'epochs', fn, args)
            if (!first.ok) {
              expect(errorName(first.revertData)).toBe('EpochsNothingToClaim')
              return
            }
            claims++
            expect(errorName((await w.call(challenger, 'epochs', fn, args)).revertData)).toBe('EpochsAlreadyClaimed')
          }
          for (const [fn, args] of claimCalls(1n, settled, built)) await claimTwice(fn, args)
          const minted = (await supply()) - before
          paidClaims += claims
          // Never more than the emission; less only by rounding (one unit per claim) or an unpaid share (no ranks,
          // no dividends).
          expect(minted <= emission).toBe(true)
          const minersPool = built.rankSum > 0 ? (emission * 4100n) / 10_000n : 0n
          const dividendShare = BigInt(built.dividends.reduce((a, b) => a + b, 0))
          const validatorsPool = (((emission * 4100n) / 10_000n) * dividendShare) >> 32n
          expect(minted >= (emission * 1800n) / 10_000n + minersPool + validatorsPool - claims - 1n).toBe(true)
        },
      ),
      { numRuns: Number(process.env.EPOCH_PROPERTY_RUNS ?? 25) },
    )
    // The runs settled real epochs with weights, so shares were actually paid.
    expect(paidClaims).toBeGreaterThan(0n)
  }, 300_000)
})

describe('Epochs with the original Yuma bonds', () => {
  it('the dividends dispute agrees with the SDK bit for bit: a correct proposal survives it, a wrong one is slashed', async () => {
    const w = await createEpochWorld({
      emissionPerBlock: EMISSION_PER_BLOCK,
      bond: BOND,
      challengeBlocks: CHALLENGE,
      maxNeurons: 8,
      subnetParams: {
        tempo: Number(TEMPO),
        weightsRateLimit: 0,
        activityCutoff: 1000,
        immunityPeriod: 0,
        yuma3: false,
      },
    })
    await fund(w, [proposer, challenger, ...validators, ...miners], parseEther('1000000'))
    for (const v of validators) await w.must(v, 'registry', 'registerNeuron', [1n, 1, 'http://127.0.0.1:9001', '', 0n])
    for (const m of miners) await w.must(m, 'registry', 'registerNeuron', [1n, 0, 'http://127.0.0.1:9002', '', 0n])
    for (const [i, v] of validators.entries()) await w.must(v, 'staking', 'stake', [1n, v, parseEther(String(i + 1))])
    await w.must(proposer, 'epochs', 'depositBond', [BOND * 10n])
    w.chain.block += 1n
    await w.setWeights(
      validators.map((hotkey, i) => ({ hotkey, weights: [0, 0, 0, 50_000 + 5_000 * i, 20_000, 9_000 - 1_000 * i] })),
    )
    const accounts = { proposer, challengeBlocks: CHALLENGE }
    let previous = await settleNext(w, 1n, null, accounts)
    previous = await settleNext(w, 1n, previous, accounts)
    const { snapshot } = await nextEpochOf(w, 1n)
    w.chain.block = snapshot + 1n
    const right = await buildNext(w, 1n, previous)
    expect(right.rankSum).toBeGreaterThan(0)
    const args = (b: BuiltEpoch) => [
      1n,
      b.header,
      b.proposal.inputs,
      b.proposal.columns,
      packedBonds(b),
      b.proposal.dividends,
    ]
    const wrong = tampered(right, {
      dividends: right.dividends.map((d, i) => (i === 0 ? d - 3 : i === 1 ? d + 3 : d)),
    })
    await w.must(proposer, 'epochs', 'propose', [1n, wrong.proposal])
    expect((await w.call(challenger, 'epochs', 'disputeDividends', args(wrong))).ok).toBe(true)
    await w.must(proposer, 'epochs', 'propose', [1n, right.proposal])
    expect(errorName((await w.call(challenger, 'epochs', 'disputeDividends', args(right))).revertData)).toBe(
      'EpochsProposalCorrect',
    )
  })
})

/** A world of its own: a subnet of two miners and no validator, the proposer funded. */
async function minersOnlyWorld(): Promise<EpochWorld> {
  const w = await createEpochWorld({
    emissionPerBlock: EMISSION_PER_BLOCK,
    bond: BOND,
    challengeBlocks: CHALLENGE,
    maxNeurons: 4,
    subnetParams: { tempo: Number(TEMPO), weightsRateLimit: 0, activityCutoff: 1000, immunityPeriod: 0 },
  })
  await fund(w, [proposer, ...miners.slice(0, 2)], parseEther('1000000'))
  for (const m of miners.slice(0, 2)) {
    await w.must(m, 'registry', 'registerNeuron', [1n, 0, 'http://127.0.0.1:9002', '', 2n ** 255n])
  }
  return w
}

describe('Epochs of a subnet without validators', () => {
  it('settle with every column zero (a subnet of miners and no stake)', async () => {
    const w = await minersOnlyWorld()
    await w.must(proposer, 'epochs', 'depositBond', [BOND * 2n])
    const accounts = { proposer, challengeBlocks: CHALLENGE }
    // Before the fix buildEpoch threw "Cannot convert undefined to a BigInt": Yuma had no rows to size its columns.
    const first = await settleNext(w, 1n, null, accounts)
    const second = await settleNext(w, 1n, first, accounts)
    for (const epoch of [first, second]) {
      expect(epoch.built.validators).toEqual([])
      expect(epoch.built.ranks).toEqual([0, 0])
      expect(epoch.built.header.rankSum).toBe(0n)
      expect(((await w.must(proposer, 'epochs', 'nextEpoch', [1n])) as [bigint, bigint])[0]).toBeGreaterThan(
        epoch.epoch,
      )
    }
    const miner = await w.call(challenger, 'epochs', 'claimMiner', [
      1n,
      second.epoch,
      second.built.header,
      0,
      0n,
      bondsColumnHash(second.built.bonds[0] as number[]),
      second.built.proof(0),
    ])
    expect(errorName(miner.revertData)).toBe('EpochsNothingToClaim')
  })
})

describe('Epochs finalized with the next proposal', () => {
  it('finalizeAndPropose makes the pending epoch final and proposes the next, or does neither', async () => {
    const w = await minersOnlyWorld()
    // Stake gives the subnet its share of the emission (a miner with stake and no weights counts for nothing else).
    await w.must(miners[0], 'staking', 'stake', [1n, miners[0], parseEther('10')])
    await w.must(proposer, 'epochs', 'depositBond', [BOND * 2n])
    const first = await settleNext(w, 1n, null, { proposer, challengeBlocks: CHALLENGE })
    // Epoch 1 proposed; its window still open.
    const { epoch, snapshot } = await nextEpochOf(w, 1n)
    w.chain.block = snapshot + 1n
    const pending = await buildNext(w, 1n, first)
    await w.must(proposer, 'epochs', 'propose', [1n, pending.proposal])
    const [nextSnapshot] = (await w.must(proposer, 'registry', 'epochSettings', [1n, snapshot])) as [bigint]
    const args = (next: Hex) => [1n, pending.header, pending.permits, pending.proposal.pruneOrder, next]
    const finalOf = async (e: bigint) => ((await w.must(proposer, 'epochs', 'getEpoch', [1n, e])) as [Hex, boolean])[1]
    // The next epoch is built at its snapshot, as the node does it.
    w.chain.block = nextSnapshot + 1n
    const next = buildEpoch(await w.readState(nextSnapshot, previousOf(pending)))
    // Window open: neither happens.
    w.chain.block = snapshot + 2n
    const early = await w.call(proposer, 'epochs', 'finalizeAndPropose', args(next.proposal as never))
    expect(errorName(early.revertData)).toBe('EpochsChallengeWindowOpen')
    // Window over, but the next snapshot not passed: the proposal is refused and the finalization undone with it.
    w.chain.block = nextSnapshot
    const tooEarly = await w.call(proposer, 'epochs', 'finalizeAndPropose', args(next.proposal as never))
    expect(errorName(tooEarly.revertData)).toBe('EpochsTooEarly')
    expect(await finalOf(epoch)).toBe(false)
    // Both due: one transaction does both.
    w.chain.block = nextSnapshot + 1n
    await w.must(proposer, 'epochs', 'finalizeAndPropose', args(next.proposal as never))
    expect(await finalOf(epoch)).toBe(true)
    const [headerHash, isFinal, by] = (await w.must(proposer, 'epochs', 'getEpoch', [1n, epoch + 1n])) as [
      Hex,
      boolean,
      Address,
    ]
    expect(headerHash).not.toBe(`0x${'0'.repeat(64)}`)
    expect(isFinal).toBe(false)
    expect(by.toLowerCase()).toBe(proposer)
    // A past epoch's state still reads: its blocks are paid, so emissionUntil says zero (it reverted on underflow).
    for (const past of [first.built.header.snapshotBlock, snapshot]) {
      const [, paid] = (await w.must(proposer, 'epochs', 'emissionUntil', [1n, past])) as [bigint, bigint]
      expect(paid).toBe(0n)
    }
    const [, due] = (await w.must(proposer, 'epochs', 'emissionUntil', [1n, w.chain.block - 1n])) as [bigint, bigint]
    expect(due).toBeGreaterThan(0n)
  })
})
