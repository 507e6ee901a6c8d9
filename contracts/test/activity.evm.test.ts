/**
 * The activity rule against the weights rate limit, on the real bytecode (in-process EVM): a validator that reveals
 * as often as the contracts allow is never inactive. Found by an audit of the activity bound: it ignored the rate
 * limit, and with tempo 20, commit-reveal 1, cutoff 40 and a rate limit of 200 a validator revealing at every chance
 * was inactive at 32 of 40 sampled snapshots.
 */
import { parseEther } from 'viem'
import { describe, expect, it } from 'vitest'
import { createEpochWorld, errorName, fund, miners, subnetOwner, validators } from '../../test/helpers/epochWorld.ts'

describe('activity rule', () => {
  const TEMPO = 20n
  const RATE_LIMIT = 200n
  const world = (cutoff: bigint) =>
    createEpochWorld({
      emissionPerBlock: parseEther('1'),
      bond: parseEther('100'),
      challengeBlocks: 5n,
      maxNeurons: 8,
      subnetParams: {
        tempo: Number(TEMPO),
        commitRevealPeriod: 1,
        weightsRateLimit: Number(RATE_LIMIT),
        activityCutoff: Number(cutoff),
        immunityPeriod: 0,
      },
    })

  it('refuses a cutoff shorter than a commit-reveal round plus the rate limit', async () => {
    // (commitRevealPeriod + 1) * tempo alone: accepted before the fix.
    await expect(world(2n * TEMPO)).rejects.toThrow(/setSubnetParams reverted: SubnetRegistryInvalidParam/)
  })

  it('a validator that reveals as often as the contracts allow stays active', async () => {
    const CUTOFF = 2n * TEMPO + RATE_LIMIT // the least the registry accepts
    const w = await world(CUTOFF)
    const v = validators[0]
    const m = miners[0]
    await fund(w, [v, m], parseEther('1000'))
    await w.must(v, 'registry', 'registerNeuron', [1n, 1, 'http://127.0.0.1:9001', '', 0n])
    await w.must(m, 'registry', 'registerNeuron', [1n, 0, 'http://127.0.0.1:9002', '', 0n])
    await w.must(v, 'staking', 'stake', [1n, v, parseEther('100')])
    const { createdAtBlock } = (await w.must(subnetOwner, 'registry', 'getSubnet', [1n])) as {
      createdAtBlock: bigint
    }
    const windowStart = (commitBlock: bigint) => createdAtBlock + ((commitBlock - createdAtBlock) / TEMPO + 1n) * TEMPO

    // Commit, reveal at the first block of the window, then commit again as soon as the rate limit allows.
    const reveals: bigint[] = []
    let commitBlock = w.chain.block + 1n
    for (let k = 0; k < 3; k++) {
      w.chain.block = commitBlock
      await w.commit(v, [0, 65_535])
      w.chain.block = windowStart(commitBlock)
      const r = await w.reveal(v)
      expect(r.ok, errorName(r.revertData)).toBe(true)
      reveals.push(w.chain.block)
      commitBlock += RATE_LIMIT
      // The next commit may not come before the reveal (a commit replaces an unrevealed one).
      if (commitBlock <= w.chain.block) commitBlock = w.chain.block + 1n
    }
    w.chain.block += 1n
    // Every block between two reveals: the validator never missed a chance to reveal, so it is active throughout.
    const inactive: bigint[] = []
    for (let snapshot = (reveals[0] as bigint) + 1n; snapshot <= (reveals[2] as bigint); snapshot += TEMPO / 2n) {
      const stake = (await w.must(subnetOwner, 'referee', 'activeStake', [1n, 0, snapshot, CUTOFF])) as bigint
      if (stake === 0n) inactive.push(snapshot)
    }
    expect(inactive, `reveals at ${reveals.join(', ')}`).toEqual([])
  })
})
