/**
 * Audit of ResearchRounds (contracts/test/attacks.research.md): each test states the safe behaviour an attacker must
 * not be able to break. R1–R4 failed on the contract as audited.
 */
import { type Abi, encodeDeployData, encodePacked, getAddress, type Hex, keccak256, maxUint256 } from 'viem'
import { describe, expect, it } from 'vitest'
import { researchRoundsAbi, trainingJobsAbi } from '../../packages/sdk/src/generated/contracts.ts'
import { admin } from './helpers/market.ts'
import { deployResearch, researchSpec } from './helpers/research.ts'
import { testContract } from './helpers/testContracts.ts'
import { MYC, TIMES, termsIn } from './helpers/training.ts'

const sponsor = getAddress('0x000000000000000000000000000000000000500f')
const proposer = getAddress('0x0000000000000000000000000000000000000a0e')
const provider = getAddress('0x000000000000000000000000000000000000b0b0')
const attacker = getAddress('0x000000000000000000000000000000000000bad0')
const contributors = Array.from({ length: 4 }, (_, i) => getAddress(`0x${(0xc000 + i).toString(16).padStart(40, '0')}`))

const spec = researchSpec
const END = 3600
const DAY = 86_400

async function setup() {
  const { t, rounds, usd, market, params, r, fails } = await deployResearch([
    sponsor,
    proposer,
    attacker,
    ...contributors,
  ] as Hex[])
  const open = async (pool: bigint, token: Hex = usd) =>
    (await r(sponsor, 'openRound', [token, pool, Number(t.chain.now) + END])).result as bigint
  const proposal = async (id: bigint) =>
    (await r(admin, 'getProposal', [id])).result as { matched: bigint; raised: bigint; jobId: bigint }
  return { t, rounds, usd, market, params, r, fails, open, proposal }
}

describe('ResearchRounds attacks', () => {
  it('R1: a round filled with empty proposals by an attacker still takes real ones and finalizes', async () => {
    const { t, r, open, params, proposal } = await setup()
    const round = await open(500_000n)
    // 64 empty proposals (the cap as audited) cost the attacker only gas.
    for (let i = 0; i < 64; i++) await r(attacker, 'propose', [round, ...params])
    const id = (await r(proposer, 'propose', [round, ...params])).result as bigint
    for (const who of contributors) await r(who, 'contribute', [id, 250_000n])
    t.wait(END)
    const fin = await r(provider, 'finalize', [round])
    expect(fin.gasUsed).toBeLessThan(200_000n) // finalize does not walk the proposals
    expect((await proposal(id)).matched).toBe(500_000n) // the only proposal with a score takes the pool
    const jobId = (await r(provider, 'launch', [id, ...params])).result as bigint
    const job = (await t.must(admin, t.jobs, trainingJobsAbi, 'getJob', [jobId])).result as {
      market: { budget: bigint }
    }
    expect(job.market.budget).toBe(1_500_000n)
  })

  it('R2: a proposal that can never launch (bad parameters) is withdrawable by anyone after the launch period', async () => {
    const { t, r, fails, open, market, usd } = await setup()
    const round = await open(500_000n)
    // An empty spec CID: propose accepts it, TrainingJobs.postJob never will.
    const bad = [spec, market, termsIn(usd), '', 'bafydata'] as const
    const id = (await r(proposer, 'propose', [round, ...bad])).result as bigint
    for (const who of contributors) await r(who, 'contribute', [id, 250_000n])
    t.wait(END)
    await r(provider, 'finalize', [round])
    expect(await fails(provider, 'launch', [id, ...bad])).toBe('TrainingJobsBadString')
    expect(await fails(provider, 'withdrawProposal', [id])).toBe('ResearchRoundsNotAllowed')
    // The proposer and the sponsor are gone: after the launch period anyone may withdraw it.
    t.wait(30 * DAY)
    await r(provider, 'withdrawProposal', [id])
    for (const who of contributors) expect((await r(who, 'reclaim', [id])).result).toBe(250_000n)
    expect((await r(sponsor, 'reclaim', [id])).result).toBe(500_000n)
  })

  it('R3: a sponsor that cannot receive the round token does not freeze the contributions', async () => {
    const { t, r, rounds, market, proposal } = await setup()
    const blk = testContract('BlocklistToken')
    const token = await t.chain.deploy(
      encodeDeployData({ abi: blk.abi, bytecode: blk.bytecode, args: [admin, 10n ** 15n] }),
      admin,
    )
    const tok = token.toString() as Hex
    const tcall = (from: Hex, fn: string, args: unknown[]) => t.must(from, token, blk.abi as Abi, fn, args)
    for (const who of [sponsor, ...contributors]) {
      await tcall(admin, 'transfer', [who, 10n ** 12n])
      await tcall(who, 'approve', [rounds.toString(), maxUint256])
    }
    const round = (await r(sponsor, 'openRound', [tok, 500_000n, Number(t.chain.now) + END])).result as bigint
    const params = [spec, { ...market, token: tok }, termsIn(tok), 'bafyspec', 'bafydata'] as const
    const id = (await r(proposer, 'propose', [round, ...params])).result as bigint
    // One contributor: no score, so the whole pool is unmatched and owed back to the sponsor.
    await r(contributors[0] as Hex, 'contribute', [id, 250_000n])
    await tcall(admin, 'setBlocked', [sponsor, true])
    t.wait(END)
    await r(provider, 'finalize', [round])
    expect((await proposal(id)).matched).toBe(0n)
    const jobId = (await r(provider, 'launch', [id, ...params])).result as bigint
    expect(jobId).toBeGreaterThan(0n)
    // Once it can receive again, the sponsor takes its pool back, once.
    await tcall(admin, 'setBlocked', [sponsor, false])
    expect((await r(sponsor, 'reclaimPool', [round])).result).toBe(500_000n)
    const balance = async (who: Hex) => (await tcall(admin, 'balanceOf', [who])).result as bigint
    expect(await balance(sponsor)).toBe(10n ** 12n)
    expect((await t.fails(sponsor, rounds, researchRoundsAbi, 'reclaimPool', [round])).errorName).toBe(
      'ResearchRoundsNothingToReclaim',
    )
    expect(await balance(rounds.toString() as Hex)).toBe(0n)
  })

  it('R4: a stale job cannot be cancelled by anyone while its auction has a best bid', async () => {
    const { t, r, fails, open, params } = await setup()
    await t.stake(provider, 1_000n * MYC)
    const round = await open(500_000n)
    const id = (await r(proposer, 'propose', [round, ...params])).result as bigint
    for (const who of contributors) await r(who, 'contribute', [id, 250_000n])
    t.wait(END)
    await r(provider, 'finalize', [round])
    const jobId = (await r(provider, 'launch', [id, ...params])).result as bigint
    for (let i = 0; i < 8; i++) {
      t.wait(TIMES.biddingTime + TIMES.revealTime)
      await t.must(provider, t.jobs, trainingJobsAbi, 'assign', [jobId]) // no bid: bidding reopens
    }
    expect((await t.job(jobId)).round).toBe(9)
    // A provider finally bids; a griefer must not be able to cancel the job before it is assigned.
    const salt = keccak256(encodePacked(['uint256'], [jobId]))
    const c = (await t.must(provider, t.jobs, trainingJobsAbi, 'bidCommitment', [jobId, 9, provider, 600_000n, salt]))
      .result as Hex
    await t.must(provider, t.jobs, trainingJobsAbi, 'commitBid', [jobId, c])
    t.wait(TIMES.biddingTime)
    await t.must(provider, t.jobs, trainingJobsAbi, 'revealBid', [jobId, 600_000n, salt])
    expect(await fails(attacker, 'withdrawProposal', [id])).toBe('ResearchRoundsNotAllowed')
    t.wait(TIMES.revealTime)
    await t.must(attacker, t.jobs, trainingJobsAbi, 'assign', [jobId])
    expect((await t.job(jobId)).state).toBe(2) // training
  })

  it('two rounds sharing one token: every payout comes out of its own proposal, the contract ends empty', async () => {
    const { t, r, rounds, open, params, proposal } = await setup()
    await t.stake(provider, 1_000n * MYC)
    const a = await open(300_000n)
    const b = await open(700_000n)
    const pa = (await r(proposer, 'propose', [a, ...params])).result as bigint
    const pb = (await r(proposer, 'propose', [b, ...params])).result as bigint
    for (const who of contributors) {
      await r(who, 'contribute', [pa, 100_000n])
      await r(who, 'contribute', [pb, 200_000n])
    }
    t.wait(END)
    await r(provider, 'finalize', [a])
    await r(provider, 'finalize', [b])
    const ja = (await r(provider, 'launch', [pa, ...params])).result as bigint
    const jb = (await r(provider, 'launch', [pb, ...params])).result as bigint
    // a: trained, accepted, refund to the proposer; b: withdrawn, everyone reclaims.
    await t.auction(ja, [[provider, 100_000n]])
    const cps = [1, 2, 3].map((i) => `0x${i.toString(16).padStart(64, '0')}` as Hex)
    await t.must(provider, t.jobs, trainingJobsAbi, 'submitResult', [ja, spec, cps, cps[2], 0, 'bafyw', 'bafyc'])
    t.wait(TIMES.challengeWindow)
    await t.must(provider, t.jobs, trainingJobsAbi, 'accept', [ja])
    await r(sponsor, 'withdrawProposal', [pb])
    expect((await t.job(jb)).state).toBe(5) // cancelled: its escrow is owed back to the contract
    expect((await r(proposer, 'claimRefund', [pa])).result).toEqual([400_000n + 300_000n - 100_000n, 0n])
    for (const who of contributors) expect((await r(who, 'reclaim', [pb])).result).toBe(200_000n)
    expect((await r(sponsor, 'reclaim', [pb])).result).toBe((await proposal(pb)).matched)
    expect((await proposal(pb)).matched).toBe(700_000n)
    expect(await t.usdBalance(rounds.toString() as Hex)).toBe(0n)
    expect((await t.must(admin, t.jobs, trainingJobsAbi, 'owed', [t.m.usd.toString(), rounds.toString()])).result).toBe(
      0n,
    )
  })
})
