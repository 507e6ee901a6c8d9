/**
 * Reverts of a fractionalized model's contracts become sentences: every RoyaltyVault error and the Governor /
 * timelock errors a voter meets have one of their own, and the OpenZeppelin `expectedStates` bitmaps are spelled out.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { royaltyVaultAbi } from '../src/contracts.ts'
import { describeRevert } from '../src/errors/contract.ts'
import { statesInBitmap } from '../src/governance/describeRevert.ts'
import { proposalStates } from '../src/governance/proposal.ts'

const sample = ({ type }: { type: string }, i: number) =>
  type === 'address' ? `0x${'ab'.repeat(20)}` : type === 'bytes32' ? `0x${'0'.repeat(64)}` : BigInt(i + 1)

describe('describeRevert: vault, governor, timelock', () => {
  const vaultErrors = royaltyVaultAbi.filter(
    (item) => item.type === 'error' && item.name.startsWith('RoyaltyVault'),
  ) as unknown as { name: string; inputs: readonly { type: string }[] }[]

  it('covers all twelve RoyaltyVault errors', () => expect(vaultErrors.length).toBe(12))

  it.each(vaultErrors.map((e) => [e.name, e.inputs]))('%s has a sentence of its own', (name, inputs) => {
    const text = describeRevert(name as string, (inputs as { type: string }[]).map(sample))
    expect(text).not.toContain(name)
    expect(text).toMatch(/^[A-Z`$0-9].*[.)]$/)
  })

  it('says a queued-too-early proposal is still being voted on, and what to do', () => {
    // Governor.queue expects Succeeded (bit 4); the proposal is Active (1).
    expect(
      describeRevert('GovernorUnexpectedProposalState', [7n, 1, `0x${(1n << 4n).toString(16).padStart(64, '0')}`]),
    ).toBe(
      'Proposal 7 is Active, not Succeeded. The vote is still running: queue it once the vote has ended and it succeeded.',
    )
  })

  it('says a defeated proposal can never execute', () => {
    const bitmap = `0x${((1n << 4n) | (1n << 5n)).toString(16).padStart(64, '0')}`
    expect(describeRevert('GovernorUnexpectedProposalState', [9n, 3, bitmap])).toBe(
      'Proposal 9 is Defeated, not Succeeded or Queued. It was defeated (too few votes for, or quorum not reached): it can never be queued or executed.',
    )
  })

  it('names the double voter and the proposer short of votes', () => {
    const voter = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
    expect(describeRevert('GovernorAlreadyCastVote', [voter])).toBe(
      `${voter} has already voted on this proposal: a vote cannot be changed.`,
    )
    expect(describeRevert('GovernorInsufficientProposerVotes', [voter, 0n, 10n])).toContain(
      'has 0 votes, below the proposal threshold of 10: delegate shares',
    )
  })

  it('says a timelock operation is not ready yet', () => {
    const id = `0x${'12'.repeat(32)}`
    expect(describeRevert('TimelockUnexpectedOperationState', [id, `0x${'0'.repeat(63)}4`])).toBe(
      `Timelock operation ${id} is not ready: its delay has not passed yet (or it was never queued, or it already ran).`,
    )
  })

  it('property: statesInBitmap returns exactly the states whose bit is set, in order', () => {
    fc.assert(
      fc.property(fc.subarray([...proposalStates.keys()]), (indices) => {
        const bitmap = indices.reduce((acc, i) => acc | (1n << BigInt(i)), 0n)
        const hex = `0x${bitmap.toString(16).padStart(64, '0')}`
        expect(statesInBitmap(hex, proposalStates)).toEqual(indices.map((i) => proposalStates[i]))
      }),
    )
  })
})
