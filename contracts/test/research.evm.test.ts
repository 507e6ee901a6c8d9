/**
 * ResearchRounds, quadratic funding of training jobs, on the compiled contracts: the pool split by (Σ √cᵢ)² − Σ cᵢ
 * (checked against the same integer arithmetic for random rounds; never more than the pool, an unscored pool back to
 * the sponsor), breadth over depth, a funded proposal posted to TrainingJobs with its contributions plus its match as the
 * budget, the trained model and the unspent budget to its proposer, and every bad input refused by name.
 */
import fc from 'fast-check'
import { getAddress, type Hex } from 'viem'
import { describe, expect, it } from 'vitest'
import { modelRegistryAbi, trainingJobsAbi } from '../../packages/sdk/src/generated/contracts.ts'
import { admin } from './helpers/market.ts'
import { deployResearch, researchSpec } from './helpers/research.ts'
import { MYC, TIMES } from './helpers/training.ts'

const sponsor = getAddress('0x000000000000000000000000000000000000500f')
const proposer = getAddress('0x0000000000000000000000000000000000000a0e')
const provider = getAddress('0x000000000000000000000000000000000000b0b0')
const contributors = Array.from({ length: 12 }, (_, i) =>
  getAddress(`0x${(0xc000 + i).toString(16).padStart(40, '0')}`),
)

const spec = researchSpec
const END = 3600

async function setup() {
  const { t, rounds, usd, market, params, r, fails } = await deployResearch([
    sponsor,
    proposer,
    ...contributors,
  ] as Hex[])
  const open = async (pool: bigint) =>
    (await r(sponsor, 'openRound', [usd, pool, Number(t.chain.now) + END])).result as bigint
  const propose = async (round: bigint) => (await r(proposer, 'propose', [round, ...params])).result as bigint
  /** A round with one proposal funded by four contributors of 250,000 and a pool of 500,000, finalized. */
  const funded = async () => {
    const round = await open(500_000n)
    const id = await propose(round)
    for (const who of contributors.slice(0, 4)) await r(who, 'contribute', [id, 250_000n])
    t.wait(END)
    await r(provider, 'finalize', [round])
    return id
  }
  /** Every contributor of a withdrawn proposal and its sponsor take back exactly what they put in. */
  const reclaimAll = async (id: bigint) => {
    for (const who of contributors.slice(0, 4)) {
      const before = await t.usdBalance(who)
      expect((await r(who, 'reclaim', [id])).result).toBe(250_000n)
      expect(await t.usdBalance(who)).toBe(before + 250_000n)
      expect(await fails(who, 'reclaim', [id])).toBe('ResearchRoundsNothingToReclaim')
    }
    expect((await r(sponsor, 'reclaim', [id])).result).toBe(500_000n)
    expect(await fails(sponsor, 'reclaim', [id])).toBe('ResearchRoundsNothingToReclaim')
    expect(await fails(provider, 'reclaim', [id])).toBe('ResearchRoundsNothingToReclaim')
    expect(await t.usdBalance(rounds.toString() as Hex)).toBe(0n)
  }
  return { t, rounds, usd, params, market, r, fails, open, propose, funded, reclaimAll }
}

/** The contract's QF score in the same integer arithmetic: (Σ √(cᵢ·10¹⁸))² / 10¹⁸ − Σ cᵢ. */
function score(contributions: bigint[]): bigint {
  const sqrt = (x: bigint) => {
    if (x < 2n) return x
    let r = BigInt(Math.floor(Math.sqrt(Number(x))))
    while (r * r > x) r--
    while ((r + 1n) * (r + 1n) <= x) r++
    return r
  }
  const sum = contributions.reduce((a, c) => a + sqrt(c * 10n ** 18n), 0n)
  const raised = contributions.reduce((a, c) => a + c, 0n)
  const squared = (sum * sum) / 10n ** 18n
  return squared > raised ? squared - raised : 0n
}

describe('quadratic funding', () => {
  it('property: matches are pool × score / Σ scores, never more than the pool; an unscored pool back to the sponsor', async () => {
    const { t, r, open, propose, usd } = await setup()
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fc.bigInt({ min: 1n, max: 10n ** 9n }), { minLength: 0, maxLength: 5 }), {
          minLength: 1,
          maxLength: 3,
        }),
        fc.bigInt({ min: 0n, max: 10n ** 10n }),
        async (rows, poolMinus) => {
          const pool = poolMinus + 1n
          const round = await open(pool)
          const ids: bigint[] = []
          for (const row of rows) {
            const id = await propose(round)
            ids.push(id)
            for (const [i, c] of row.entries()) await r(contributors[i] as Hex, 'contribute', [id, c])
          }
          const sponsorBefore = await t.usdBalance(sponsor)
          t.wait(END)
          await r(provider, 'finalize', [round])
          const scores = rows.map(score)
          const total = scores.reduce((a, s) => a + s, 0n)
          let matched = 0n
          for (const [i, id] of ids.entries()) {
            const p = (await r(provider, 'getProposal', [id])).result as { matched: bigint; raised: bigint }
            const expected = total === 0n ? 0n : (pool * (scores[i] as bigint)) / total
            expect(p.matched).toBe(expected)
            expect(p.raised).toBe((rows[i] as bigint[]).reduce((a, c) => a + c, 0n))
            matched += p.matched
          }
          expect(matched).toBeLessThanOrEqual(pool)
          // The dust (under one unit per scored proposal) stays in the contract; an unscored pool goes back whole.
          if (total > 0n) expect(pool - matched).toBeLessThan(BigInt(scores.filter((x) => x > 0n).length))
          if (total === 0n) expect((await r(sponsor, 'reclaimPool', [round])).result).toBe(pool)
          expect(await t.usdBalance(sponsor)).toBe(sponsorBefore + (total === 0n ? pool : 0n))
          void usd
        },
      ),
      { numRuns: 12 },
    )
  })

  it('breadth over depth: ten contributors of 10 outweigh one of 100; a lone contributor gets no match', async () => {
    const { t, r, open, propose } = await setup()
    const round = await open(1_000_000n)
    const broad = await propose(round)
    const deep = await propose(round)
    for (const who of contributors.slice(0, 10)) await r(who, 'contribute', [broad, 10n])
    await r(contributors[11] as Hex, 'contribute', [deep, 100n])
    // A top-up replaces its term: 10 then 10 more from one address counts as one contribution of 20.
    await r(contributors[0] as Hex, 'contribute', [broad, 10n])
    expect((await r(provider, 'contributionOf', [broad, contributors[0]])).result).toBe(20n)
    t.wait(END)
    await r(provider, 'finalize', [round])
    const get = async (id: bigint) => (await r(provider, 'getProposal', [id])).result as { matched: bigint }
    expect((await get(deep)).matched).toBe(0n)
    expect((await get(broad)).matched).toBe(1_000_000n)
  })

  it('a funded proposal becomes a job with raised + match; its model and unspent budget go to the proposer', async () => {
    const { t, r, open, propose, params, rounds } = await setup()
    await t.stake(provider, 1_000n * MYC)
    const round = await open(500_000n)
    const id = await propose(round)
    for (const who of contributors.slice(0, 4)) await r(who, 'contribute', [id, 250_000n])
    t.wait(END)
    await r(provider, 'finalize', [round])
    const jobId = (await r(provider, 'launch', [id, ...params])).result as bigint
    const onChain = (await t.must(admin, t.jobs, trainingJobsAbi, 'getJob', [jobId])).result as {
      market: { budget: bigint }
      buyer: Hex
    }
    expect(onChain.market.budget).toBe(1_500_000n) // 1,000,000 raised + the whole pool (the only proposal)
    expect(onChain.buyer.toLowerCase()).toBe(rounds.toString().toLowerCase())
    await t.auction(jobId, [[provider, 600_000n]])
    const cps = [1, 2, 3].map((i) => `0x${i.toString(16).padStart(64, '0')}` as Hex)
    await t.must(provider, t.jobs, trainingJobsAbi, 'submitResult', [jobId, spec, cps, cps[2], 0, 'bafyw', 'bafyc'])
    t.wait(TIMES.challengeWindow)
    await t.must(provider, t.jobs, trainingJobsAbi, 'accept', [jobId])
    const modelId = (await r(provider, 'claimModel', [id])).result as bigint
    expect(await t.must(admin, t.m.registry, modelRegistryAbi, 'ownerOf', [modelId]).then((x) => x.result)).toBe(
      proposer,
    )
    const before = await t.usdBalance(proposer)
    expect(await r(proposer, 'claimRefund', [id]).then((x) => x.result)).toEqual([900_000n, 0n])
    expect(await t.usdBalance(proposer)).toBe(before + 900_000n)
  })

  it('a job that never finds a provider is withdrawn (by anyone after 8 auctions); all funds go back', async () => {
    const { t, r, fails, funded, reclaimAll, params } = await setup()
    const id = await funded()
    const jobId = (await r(provider, 'launch', [id, ...params])).result as bigint
    expect(await fails(provider, 'reclaim', [id])).toBe('ResearchRoundsNotWithdrawn')
    for (let i = 0; i < 7; i++) {
      expect(await fails(provider, 'withdrawProposal', [id])).toBe('ResearchRoundsNotAllowed')
      t.wait(TIMES.biddingTime + TIMES.revealTime)
      await t.must(provider, t.jobs, trainingJobsAbi, 'assign', [jobId]) // no bid: bidding reopens
    }
    expect((await t.job(jobId)).round).toBe(8)
    expect(await fails(provider, 'withdrawProposal', [id])).toBe('ResearchRoundsNotAllowed')
    t.wait(TIMES.biddingTime + TIMES.revealTime)
    await t.must(provider, t.jobs, trainingJobsAbi, 'assign', [jobId])
    await r(provider, 'withdrawProposal', [id]) // a ninth auction: stale, anyone may
    expect((await t.job(jobId)).state).toBe(5) // cancelled
    expect(await fails(proposer, 'withdrawProposal', [id])).toBe('ResearchRoundsWithdrawn')
    await reclaimAll(id)
  })

  it('a proposal withdrawn before its launch returns everything and can no longer launch', async () => {
    const { r, fails, funded, reclaimAll, params } = await setup()
    const id = await funded()
    expect(await fails(provider, 'withdrawProposal', [id])).toBe('ResearchRoundsNotAllowed')
    await r(sponsor, 'withdrawProposal', [id])
    expect(await fails(provider, 'launch', [id, ...params])).toBe('ResearchRoundsWithdrawn')
    await reclaimAll(id)
  })

  it("a provider that misses the deadline compensates the proposer in MYC; a job in training can't be withdrawn", async () => {
    const { t, r, fails, funded, params, rounds } = await setup()
    await t.stake(provider, 1_000n * MYC)
    const id = await funded()
    const jobId = (await r(provider, 'launch', [id, ...params])).result as bigint
    await t.auction(jobId, [[provider, 600_000n]])
    expect(await fails(proposer, 'withdrawProposal', [id])).toBe('TrainingJobsWrongState')
    expect(await fails(proposer, 'claimRefund', [id])).toBe('ResearchRoundsNothingToRefund')
    t.wait(TIMES.trainingTime + 1)
    await t.must(provider, t.jobs, trainingJobsAbi, 'expire', [jobId])
    const before = await t.mycBalance(proposer)
    expect((await r(proposer, 'claimRefund', [id])).result).toEqual([0n, 10n * MYC]) // a tenth of the 100 MYC bond
    expect(await t.mycBalance(proposer)).toBe(before + 10n * MYC)
    expect(await fails(proposer, 'claimRefund', [id])).toBe('ResearchRoundsNothingToRefund')
    expect(await t.mycBalance(rounds.toString() as Hex)).toBe(0n)
  })

  it("a proposal's budget always fits the market's (2^96 − 1)", async () => {
    const { t, r, fails, usd, params } = await setup()
    const pool = 2n ** 96n - 100n
    await t.m.mint(sponsor, pool)
    const round = (await r(sponsor, 'openRound', [usd, pool, Number(t.chain.now) + END])).result as bigint
    const id = (await r(proposer, 'propose', [round, ...params])).result as bigint
    await r(contributors[0] as Hex, 'contribute', [id, 99n])
    expect(await fails(contributors[1] as Hex, 'contribute', [id, 1n])).toBe('ResearchRoundsBudgetTooLarge')
  })

  it('refuses bad inputs by name and takes nothing', async () => {
    const { t, r, fails, open, propose, params, market, usd } = await setup()
    expect(await fails(sponsor, 'openRound', [usd, 1n, Number(t.chain.now)])).toBe('ResearchRoundsBadEnd')
    expect(await fails(sponsor, 'openRound', [usd, 0n, Number(t.chain.now) + 10])).toBe('ResearchRoundsZeroAmount')
    const round = await open(1000n)
    const id = await propose(round)
    expect(await fails(proposer, 'propose', [round, spec, { ...market, budget: 5n }, params[2], 'a', 'b'])).toBe(
      'ResearchRoundsBudgetNotZero',
    )
    expect(
      await fails(proposer, 'propose', [round, spec, { ...market, token: t.myc.toString() }, params[2], 'a', 'b']),
    ).toBe('ResearchRoundsTokenMismatch')
    expect(await fails(contributors[0] as Hex, 'contribute', [id, 0n])).toBe('ResearchRoundsZeroAmount')
    expect(await fails(contributors[0] as Hex, 'contribute', [99n, 5n])).toBe('ResearchRoundsUnknownProposal')
    expect(await fails(provider, 'finalize', [round])).toBe('ResearchRoundsOpen')
    expect(await fails(provider, 'finalize', [77n])).toBe('ResearchRoundsUnknownRound')
    expect(await fails(provider, 'launch', [id, ...params])).toBe('ResearchRoundsNotFinalized')
    await r(contributors[0] as Hex, 'contribute', [id, 5n])
    await r(contributors[1] as Hex, 'contribute', [id, 5n])
    t.wait(END)
    expect(await fails(contributors[2] as Hex, 'contribute', [id, 5n])).toBe('ResearchRoundsClosed')
    await r(provider, 'finalize', [round])
    expect(await fails(provider, 'finalize', [round])).toBe('ResearchRoundsFinalized')
    expect(await fails(provider, 'launch', [id, spec, market, params[2], 'another', 'b'])).toBe(
      'ResearchRoundsParamsMismatch',
    )
    await r(provider, 'launch', [id, ...params])
    expect(await fails(provider, 'launch', [id, ...params])).toBe('ResearchRoundsAlreadyLaunched')
    expect(await fails(provider, 'claimRefund', [id])).toBe('ResearchRoundsNotProposer')
    expect(await fails(proposer, 'claimRefund', [id])).toBe('ResearchRoundsNothingToRefund') // not accepted yet
    expect(await fails(proposer, 'claimModel', [id])).toBe('ResearchRoundsNoModel')
  })
})
