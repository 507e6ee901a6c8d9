/**
 * TrainingJobs, the compute market, on the real compiled contracts: stake and its locks, the sealed-bid reverse
 * auction (the lowest qualifying bid wins; a tie goes to the provider with more accepted jobs; a bid that is beaten
 * unlocks its bond; reputation disqualifies a provider slashed too often), escrow (the winning bid paid, the rest
 * refunded, nothing left behind), deadlines (a missed one slashes and reopens), cancellation, and every bad input
 * named by its custom error with nothing lost.
 */
import { chainSpec, checkpointTree, type MlpSpec } from '@mycel/training'
import { decodeErrorResult, getAddress, type Hex } from 'viem'
import { beforeEach, describe, expect, it } from 'vitest'
import { mycelTokenAbi, trainingDisputesAbi, trainingJobsAbi } from '../../packages/sdk/src/generated/contracts.ts'
import { admin } from './helpers/market.ts'
import { deployTraining, MYC, TIMES, type Training } from './helpers/training.ts'

const buyer = getAddress('0x00000000000000000000000000000000000b0e01')
const alice = getAddress('0x000000000000000000000000000000000000a11c')
const bob = getAddress('0x0000000000000000000000000000000000000b0b')
const carol = getAddress('0x00000000000000000000000000000000000ca201')
const stranger = getAddress('0x00000000000000000000000000000000000000e5')

const BOND = 100n * MYC
const BUDGET = 1_000_000n
const mlp: MlpSpec = {
  layers: [784, 6, 10],
  optimizer: { kind: 'sgd', learningRate: 0.05, momentum: 0.9 },
  batchSize: 8,
  seed: 5,
}
const spec = chainSpec(mlp, {
  steps: 8,
  checkpointEvery: 4,
  datasetRoot: `0x${'ab'.repeat(32)}`,
  datasetCount: 256,
})
const checkpoints = [1, 2, 3].map((i) => `0x${i.toString(16).padStart(64, '0')}` as Hex)

let t: Training
beforeEach(async () => {
  t = await deployTraining()
  for (const who of [alice, bob, carol]) await t.stake(who, 1_000n * MYC)
})

const jobs = (from: `0x${string}`, fn: string, args: unknown[] = []) => t.must(from, t.jobs, trainingJobsAbi, fn, args)
const fails = async (from: `0x${string}`, fn: string, args: unknown[] = []) =>
  (await t.fails(from, t.jobs, trainingJobsAbi, fn, args)).errorName
const submit = (jobId: bigint, who: `0x${string}`, cps: Hex[] = checkpoints) =>
  t.call(who, t.jobs, trainingJobsAbi, 'submitResult', [jobId, spec, cps, checkpoints[2], 0, 'bafyw', 'bafyc'])

describe('the auction', () => {
  it('the lowest qualifying bid wins; the beaten bid unlocks its bond; the winner’s stays locked', async () => {
    const jobId = await t.postJob(buyer, spec, BUDGET, BOND)
    await t.auction(jobId, [
      [alice, 900_000n],
      [bob, 400_000n],
      [carol, 600_000n],
    ])
    const job = await t.job(jobId)
    expect(job.provider).toBe(bob)
    expect(job.price).toBe(400_000n)
    expect(job.state).toBe(2)
    expect((await t.provider(bob)).locked).toBe(BOND)
    expect((await t.provider(alice)).locked).toBe(0n)
    expect((await t.provider(carol)).locked).toBe(0n)
  })

  it('a tie goes to the provider with more accepted jobs; then the earlier reveal keeps it', async () => {
    // Carol completes a job first (accepted = 1).
    const first = await t.postJob(buyer, spec, BUDGET, BOND)
    await t.auction(first, [[carol, 500_000n]])
    expect((await submit(first, carol)).ok).toBe(true)
    await jobs(buyer, 'accept', [first])
    expect((await t.provider(carol)).accepted).toBe(1)
    const jobId = await t.postJob(buyer, spec, BUDGET, BOND)
    await t.auction(jobId, [
      [alice, 500_000n],
      [carol, 500_000n],
      [bob, 500_000n],
    ])
    expect((await t.job(jobId)).provider).toBe(carol)
  })

  it('refuses a wrong reveal, a bid without commitment, a price of 0 or over budget, bids out of their windows', async () => {
    const jobId = await t.postJob(buyer, spec, BUDGET, BOND)
    const salt = `0x${'01'.repeat(32)}` as Hex
    const commitment = (await jobs(alice, 'bidCommitment', [jobId, 1, alice, 500_000n, salt])).result as Hex
    expect(await fails(stranger, 'commitBid', [jobId, commitment])).toBe('TrainingJobsNotRegistered')
    await jobs(alice, 'commitBid', [jobId, commitment])
    await jobs(bob, 'commitBid', [jobId, commitment]) // copies alice's sealed bid
    expect(await fails(alice, 'revealBid', [jobId, 500_000n, salt])).toBe('TrainingJobsNotRevealing')
    t.wait(TIMES.biddingTime)
    expect(await fails(bob, 'commitBid', [jobId, commitment])).toBe('TrainingJobsBiddingClosed')
    expect(await fails(alice, 'revealBid', [jobId, 400_000n, salt])).toBe('TrainingJobsCommitmentMismatch')
    expect(await fails(carol, 'revealBid', [jobId, 500_000n, salt])).toBe('TrainingJobsNoCommitment')
    // Bob cannot reveal alice's bid as his own: the commitment binds the bidder.
    expect(await fails(bob, 'revealBid', [jobId, 500_000n, salt])).toBe('TrainingJobsCommitmentMismatch')
    expect(await fails(alice, 'assign', [jobId])).toBe('TrainingJobsRevealNotOver')
    await jobs(alice, 'revealBid', [jobId, 500_000n, salt])
    expect(await fails(alice, 'revealBid', [jobId, 500_000n, salt])).toBe('TrainingJobsNoCommitment')
    for (const [who, price, name] of [
      [bob, 0n, 'TrainingJobsZeroPrice'],
      [carol, BUDGET + 1n, 'TrainingJobsPriceOverBudget'],
    ] as const) {
      t.chain.now -= BigInt(TIMES.biddingTime)
      const c = (await jobs(who, 'bidCommitment', [jobId, 1, who, price, salt])).result as Hex
      await jobs(who, 'commitBid', [jobId, c])
      t.wait(TIMES.biddingTime)
      expect(await fails(who, 'revealBid', [jobId, price, salt])).toBe(name)
    }
    t.wait(TIMES.revealTime)
    expect(await fails(alice, 'revealBid', [jobId, 500_000n, salt])).toBe('TrainingJobsNotRevealing')
  })

  it('a bid whose bond is not free is refused; with no bid the auction starts again; the buyer may cancel', async () => {
    const jobId = await t.postJob(buyer, spec, BUDGET, 2_000n * MYC)
    const salt = `0x${'02'.repeat(32)}` as Hex
    const c = (await jobs(alice, 'bidCommitment', [jobId, 1, alice, 500_000n, salt])).result as Hex
    await jobs(alice, 'commitBid', [jobId, c])
    t.wait(TIMES.biddingTime)
    expect(await fails(alice, 'revealBid', [jobId, 500_000n, salt])).toBe('TrainingJobsInsufficientStake')
    t.wait(TIMES.revealTime)
    await jobs(stranger, 'assign', [jobId])
    const job = await t.job(jobId)
    expect([job.state, job.round]).toEqual([1, 2])
    expect(await fails(stranger, 'cancel', [jobId])).toBe('TrainingJobsNotBuyer')
    const before = await t.usdBalance(buyer)
    await jobs(buyer, 'cancel', [jobId])
    expect(await t.withdraw(buyer)).toBe(BUDGET) // owed, then withdrawn
    expect(await t.usdBalance(buyer)).toBe(before + BUDGET)
    expect(await fails(buyer, 'withdraw', [t.m.usd.toString()])).toBe('TrainingJobsNothingOwed')
    expect((await t.job(jobId)).state).toBe(5)
    expect(await fails(buyer, 'cancel', [jobId])).toBe('TrainingJobsWrongState')
  })

  it('reputation: a provider slashed more than once per four accepted jobs cannot bid', async () => {
    const jobId = await t.postJob(buyer, spec, BUDGET, BOND)
    await t.auction(jobId, [[alice, 500_000n]])
    t.wait(TIMES.trainingTime + 1)
    await jobs(stranger, 'expire', [jobId]) // alice missed the deadline: slashed once
    const p = await t.provider(alice)
    expect([p.slashed, p.stake, p.locked]).toEqual([1, 1_000n * MYC - BOND, 0n])
    const salt = `0x${'03'.repeat(32)}` as Hex
    const c = (await jobs(alice, 'bidCommitment', [jobId, 2, alice, 500_000n, salt])).result as Hex
    await jobs(alice, 'commitBid', [jobId, c])
    t.wait(TIMES.biddingTime)
    expect(await fails(alice, 'revealBid', [jobId, 500_000n, salt])).toBe('TrainingJobsPoorReputation')
  })
})

describe('results, acceptance, deadlines', () => {
  it('a missed deadline: a tenth of the bond to the buyer, the rest burned, the job reopens with its escrow', async () => {
    const jobId = await t.postJob(buyer, spec, BUDGET, BOND)
    await t.auction(jobId, [[alice, 500_000n]])
    expect(await fails(stranger, 'expire', [jobId])).toBe('TrainingJobsDeadlineNotPassed')
    t.wait(TIMES.trainingTime + 1)
    expect((await submit(jobId, alice)).ok).toBe(false) // too late
    const supply = (await t.must(admin, t.myc, mycelTokenAbi, 'totalSupply', [])).result as bigint
    await jobs(stranger, 'expire', [jobId])
    expect(await t.mycBalance(buyer)).toBe(BOND / 10n)
    const after = (await t.must(admin, t.myc, mycelTokenAbi, 'totalSupply', [])).result as bigint
    expect(supply - after).toBe(BOND - BOND / 10n)
    const job = await t.job(jobId)
    expect([job.state, job.round]).toEqual([1, 2])
    expect(await t.usdBalance(t.jobs.toString() as `0x${string}`)).toBe(BUDGET)
  })

  it('refuses a result from another provider, of the wrong size, a second result, and an early accept', async () => {
    const jobId = await t.postJob(buyer, spec, BUDGET, BOND)
    await t.auction(jobId, [[alice, 500_000n]])
    const named = async (r: Awaited<ReturnType<typeof submit>>) =>
      decodeErrorResult({ abi: trainingJobsAbi, data: r.revertData }).errorName
    expect(await named(await submit(jobId, bob))).toBe('TrainingJobsNotProvider')
    expect(await named(await submit(jobId, alice, checkpoints.slice(0, 2)))).toBe('TrainingJobsBadCheckpoints')
    expect((await submit(jobId, alice)).ok).toBe(true)
    expect(await named(await submit(jobId, alice))).toBe('TrainingJobsWrongState')
    expect(await fails(stranger, 'accept', [jobId])).toBe('TrainingJobsWindowOpen')
    t.wait(TIMES.challengeWindow)
    await jobs(stranger, 'accept', [jobId])
    expect(await fails(stranger, 'accept', [jobId])).toBe('TrainingJobsWrongState')
    await t.withdraw(alice)
    await t.withdraw(buyer)
    expect(await t.usdBalance(alice)).toBe(500_000n)
    expect(await t.usdBalance(buyer)).toBe(BUDGET - 500_000n)
    expect(await t.usdBalance(t.jobs.toString() as `0x${string}`)).toBe(0n)
    expect((await t.provider(alice)).locked).toBe(0n)
    // The model was registered at acceptance: registering again is refused, as for a job not accepted.
    expect(await fails(stranger, 'registerTrainedModel', [jobId])).toBe('TrainingJobsAlreadyRegisteredModel')
    const other = await t.postJob(buyer, spec, BUDGET, BOND)
    expect(await fails(stranger, 'registerTrainedModel', [other])).toBe('TrainingJobsWrongState')
  })

  it('bad jobs are refused by name and nothing is taken', async () => {
    const bad = (over: Record<string, unknown>) => ({ ...spec, ...over })
    await t.m.mint(buyer, BUDGET)
    const post = (s: unknown, market: Record<string, unknown> = {}) =>
      fails(buyer, 'postJob', [
        s,
        { token: t.m.usd.toString(), budget: BUDGET, bond: BOND, ...TIMES, ...market },
        {
          currency: t.m.usd.toString(),
          minPricePerRequest: 0n,
          mintFee: 0n,
          licenseDuration: 0n,
          royaltyBps: 0,
          commercialUse: true,
          derivativesAllowed: true,
          attribution: false,
          hasTerms: false,
        },
        'bafyspec',
        'bafydata',
      ])
    expect(await post(spec, { budget: 0n })).toBe('TrainingJobsZeroBudget')
    expect(await post(spec, { bond: 0n })).toBe('TrainingJobsZeroBond')
    expect(await post(spec, { challengeWindow: 0 })).toBe('TrainingJobsBadMarket')
    expect(await post(bad({ layers: [784] }))).toBe('TrainingJobsBadSpec')
    expect(await post(bad({ layers: [784, 4097, 10] }))).toBe('TrainingJobsBadSpec')
    expect(await post(bad({ steps: 9 }))).toBe('TrainingJobsBadSpec')
    expect(await post(bad({ optimizer: 2 }))).toBe('TrainingJobsBadSpec')
    expect(await post(bad({ datasetCount: 4 }))).toBe('TrainingJobsBadSpec')
    expect(await post(bad({ batchSize: 65_537, datasetCount: 70_000 }))).toBe('TrainingJobsBadSpec')
    expect(await post(bad({ learningRate: 0 }))).toBe('TrainingJobsBadSpec')
    expect(await post(bad({ learningRate: 0x7f800000 }))).toBe('TrainingJobsBadSpec') // +∞
    expect(await post(bad({ beta1: 0x3f800000 }))).toBe('TrainingJobsBadSpec') // 1.0
    expect(await post(bad({ optimizer: 1, beta2: 0x3f7fbe77, epsilon: 0 }))).toBe('TrainingJobsBadSpec')
    expect(await post(spec, { biddingTime: 366 * 86_400 })).toBe('TrainingJobsBadMarket')
    expect(await post(spec, { disputeClock: 59 })).toBe('TrainingJobsBadMarket')
    expect(await t.usdBalance(buyer)).toBe(BUDGET)
    expect(await fails(stranger, 'getJob', [99n])).toBe('TrainingJobsUnknownJob')
  })

  it('stake: only the free part can be withdrawn; the dispute game alone may begin or end disputes', async () => {
    const jobId = await t.postJob(buyer, spec, BUDGET, BOND)
    await t.auction(jobId, [[alice, 500_000n]])
    expect(await fails(alice, 'withdrawStake', [1_000n * MYC])).toBe('TrainingJobsInsufficientStake')
    await jobs(alice, 'withdrawStake', [1_000n * MYC - BOND])
    expect(await t.mycBalance(alice)).toBe(1_000n * MYC - BOND)
    expect(await fails(alice, 'beginDispute', [jobId, bob])).toBe('TrainingJobsNotDisputes')
    expect(await fails(alice, 'endDispute', [jobId, bob, true])).toBe('TrainingJobsNotDisputes')
    expect(await fails(alice, 'setDisputes', [alice])).toBe('TrainingJobsNotAdmin')
    expect(await fails(stranger, 'withdrawStake', [1n])).toBe('TrainingJobsNotRegistered')
    expect(await fails(alice, 'register', [1, 1, 1n, '', 1n])).toBe('TrainingJobsAlreadyRegistered')
  })

  it('a challenge with a proof for the wrong root, by the provider itself, after the window, or unregistered is refused', async () => {
    const jobId = await t.postJob(buyer, spec, BUDGET, BOND)
    await t.auction(jobId, [[alice, 500_000n]])
    expect((await submit(jobId, alice)).ok).toBe(true)
    const tree = checkpointTree(checkpoints)
    const challenge = (who: `0x${string}`, index: bigint, proof: Hex[], disputed = checkpoints[1] as Hex) =>
      t.fails(who, t.disputes, trainingDisputesAbi, 'challenge', [
        jobId,
        spec,
        index,
        checkpoints[0],
        tree.proof(0),
        disputed,
        proof,
      ])
    expect((await challenge(bob, 1n, tree.proof(2))).errorName).toBe('TrainingDisputesBadProof')
    expect((await challenge(bob, 1n, tree.proof(1), checkpoints[2])).errorName).toBe('TrainingDisputesBadProof')
    expect((await challenge(bob, 3n, tree.proof(1))).errorName).toBe('TrainingDisputesBadCheckpoint')
    expect((await challenge(alice, 1n, tree.proof(1))).errorName).toBe('TrainingJobsSelfChallenge')
    expect((await challenge(stranger, 1n, tree.proof(1))).errorName).toBe('TrainingJobsNotRegistered')
    const wrongSpec = { ...spec, seed: 6 }
    const r = await t.fails(bob, t.disputes, trainingDisputesAbi, 'challengeModel', [99n])
    expect(r.errorName).toBe('TrainingJobsUnknownJob')
    expect(
      (
        await t.fails(bob, t.disputes, trainingDisputesAbi, 'challenge', [
          jobId,
          wrongSpec,
          1n,
          checkpoints[0],
          tree.proof(0),
          checkpoints[1],
          tree.proof(1),
        ])
      ).errorName,
    ).toBe('TrainingDisputesSpecMismatch')
    t.wait(TIMES.challengeWindow)
    expect((await challenge(bob, 1n, tree.proof(1))).errorName).toBe('TrainingJobsWindowClosed')
    // Nothing was locked by the refused challenges.
    expect((await t.provider(bob)).locked).toBe(0n)
  })
})
