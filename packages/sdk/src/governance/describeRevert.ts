/**
 * One readable sentence per custom error of a fractionalized model's contracts — its RoyaltyVault (the share token),
 * its ModelGovernor (OpenZeppelin Governor) and its timelock — used by `errors/contract.ts`, so a voter who votes
 * twice or queues too early reads what happened and what to do instead of a selector and a bitmap.
 */
import { type ProposalState, proposalStates } from './proposal.ts'

/** TimelockController.OperationState, in the contract's order. */
const operationStates = ['unset (never scheduled)', 'waiting for its delay', 'ready', 'done'] as const

/** The states whose bit is set in an OpenZeppelin `expectedStates` bitmap (`bytes32`, bit i = state i). */
export function statesInBitmap<name extends string>(bitmap: unknown, names: readonly name[]): name[] {
  let bits: bigint
  try {
    bits = BigInt(bitmap as string | bigint)
  } catch {
    return []
  }
  return names.filter((_, i) => (bits >> BigInt(i)) & 1n)
}

const orList = (items: readonly string[]) =>
  items.length <= 1 ? (items[0] ?? 'another state') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`

/** What to do when a proposal is in `state` and an action needed another one. */
function nextStep(state: ProposalState | undefined): string {
  switch (state) {
    case 'Pending':
      return ' Voting has not started yet: wait for the voting delay to pass.'
    case 'Active':
      return ' The vote is still running: queue it once the vote has ended and it succeeded.'
    case 'Defeated':
      return ' It was defeated (too few votes for, or quorum not reached): it can never be queued or executed.'
    case 'Succeeded':
      return ' It passed: queue it (`mycel model govern queue`), then execute after the timelock delay.'
    case 'Queued':
      return ' It is queued: execute it once its timelock delay has passed (`mycel model govern execute`).'
    case 'Executed':
      return ' It was already executed.'
    case 'Canceled':
      return ' It was canceled.'
    case 'Expired':
      return ' It expired.'
    default:
      return ''
  }
}

/** The sentence for a vault, governor or timelock error, or undefined for another contract's. */
export function describeGovernanceRevert(errorName: string, args: readonly unknown[]): string | undefined {
  const [a, b, c] = args
  switch (errorName) {
    case 'RoyaltyVaultZeroAddress':
      return 'The vault needs a non-zero registry, holder, source and token address.'
    case 'RoyaltyVaultZeroSupply':
      return 'The share supply must be greater than zero.'
    case 'RoyaltyVaultTooManySources':
      return `A vault releases from at most ${b} royalty sources; ${a} were given.`
    case 'RoyaltyVaultTooManyTokens':
      return `The vault already distributes ${b} tokens, its most: token ${a} cannot be added.`
    case 'RoyaltyVaultInvalidToken':
      return `Token ${a} cannot be distributed (the zero address, or the share token itself).`
    case 'RoyaltyVaultTokenAlreadyTracked':
      return `The vault already distributes token ${a}.`
    case 'RoyaltyVaultTokenNotTracked':
      return `The vault does not distribute token ${a}: the model's owner (its timelock) may add it, by a proposal.`
    case 'RoyaltyVaultNotModelOwner':
      return `${a} is not the model's owner (${b}): only it may add a token to the vault.`
    case 'RoyaltyVaultNothingToWithdraw':
      return `${b} has nothing of token ${a} to withdraw: collect first (\`mycel model royalties collect\`), or wait for royalties to arrive.`
    case 'RoyaltyVaultArrivalTooLarge':
      return `${b} of token ${a} arrived at once, above the ${c} the vault can account for in one collect.`
    case 'RoyaltyVaultSharesToVault':
      return 'Shares cannot be sent to the vault itself: the royalties they earned could never be withdrawn.'
    case 'RoyaltyVaultSharesMovedInTransaction':
      return 'Shares moved earlier in this transaction: collect in a transaction of its own (a flash loan of shares cannot catch a payment).'
    case 'GovernorUnexpectedProposalState': {
      const state = proposalStates[Number(b)]
      const expected = statesInBitmap(c, proposalStates)
      return `Proposal ${a} is ${state ?? `in state ${b}`}, not ${orList(expected)}.${nextStep(state)}`
    }
    case 'GovernorAlreadyCastVote':
      return `${a} has already voted on this proposal: a vote cannot be changed.`
    case 'GovernorInsufficientProposerVotes':
      return `${a} has ${b} votes, below the proposal threshold of ${c}: delegate shares to it (\`mycel model govern delegate\`) before proposing; votes count from the block after delegation.`
    case 'GovernorNonexistentProposal':
      return `Proposal ${a} does not exist for this model's governor.`
    case 'GovernorInvalidProposalLength':
      return `A proposal needs as many targets (${a}), calldatas (${b}) and values (${c}), and at least one.`
    case 'GovernorOnlyExecutor':
      return `${a} is not the governor's executor (its timelock): governance settings change only by proposal.`
    case 'GovernorRestrictedProposer':
      return `${a} may not propose this: the description restricts the proposer.`
    case 'GovernorInvalidVoteType':
      return 'The vote must be for, against or abstain.'
    case 'GovernorDisabledDeposit':
      return 'The governor does not take deposits.'
    case 'GovernorUnableToCancel':
      return `${b} cannot cancel proposal ${a}: only its proposer, before voting starts.`
    case 'GovernorInvalidVotingPeriod':
      return `A voting period of ${a} is invalid: it must be at least 1 second.`
    case 'TimelockUnexpectedOperationState': {
      const expected = statesInBitmap(b, operationStates)
      return `Timelock operation ${a} is not ${orList(expected)}${expected.includes('ready') ? ': its delay has not passed yet (or it was never queued, or it already ran).' : '.'}`
    }
    case 'TimelockUnauthorizedCaller':
      return `${a} may not call the timelock directly: it acts only on the governor's proposals.`
    case 'TimelockInsufficientDelay':
      return `A delay of ${a} s is below the timelock's minimum of ${b} s.`
    case 'TimelockUnexecutedPredecessor':
      return `Timelock operation ${a} must run first.`
    case 'TimelockInvalidOperationLength':
      return `A timelock operation needs as many targets (${a}), payloads (${b}) and values (${c}).`
    case 'ERC5805FutureLookup':
      return `Votes at time ${a} are not known yet (now ${b}): wait a block.`
    default:
      return undefined
  }
}
