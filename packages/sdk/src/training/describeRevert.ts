/**
 * Sentences for the custom errors of the compute market, the training dispute game and research funding
 * (docs/training.md).
 */
import { formatUnits } from 'viem'

const myc = (value: unknown) => `${formatUnits(BigInt(value as bigint), 18)} MYC`
const when = (t: unknown) => new Date(Number(t) * 1000).toISOString()

export function describeTrainingRevert(errorName: string, args: readonly unknown[]): string | undefined {
  const [a, b, c] = args
  switch (errorName) {
    case 'TrainingJobsUnknownJob':
      return `Training job ${a} does not exist. List jobs with \`mycel job list\`.`
    case 'TrainingJobsZeroBudget':
      return 'The budget must be greater than zero.'
    case 'TrainingJobsZeroBond':
      return 'The bond must be greater than zero.'
    case 'TrainingJobsBadSpec':
      return `The job's spec cannot be judged on chain: ${a}.`
    case 'TrainingJobsBadMarket':
      return `The job's market settings are not valid: ${a}.`
    case 'TrainingJobsBadString':
      return `${a} must be 1 to 128 bytes (got ${b}).`
    case 'TrainingJobsWrongState':
      return `Training job ${a} is ${['unknown', 'at auction', 'in training', 'submitted', 'accepted', 'cancelled'][Number(b)] ?? `in state ${b}`}: this call does not apply now.`
    case 'TrainingJobsNotRegistered':
      return `${a} is not a registered training provider: register with \`mycel trainer serve\` (it stakes MYC first).`
    case 'TrainingJobsAlreadyRegistered':
      return `${a} is already a registered training provider.`
    case 'TrainingJobsZeroAmount':
      return 'The amount must be greater than zero.'
    case 'TrainingJobsInsufficientStake':
      return `${a} has ${myc(b)} of free stake, ${myc(c)} is needed: add stake or wait for a bond to unlock.`
    case 'TrainingJobsBiddingClosed':
      return `Bidding on job ${a} closed at ${when(b)}.`
    case 'TrainingJobsNotRevealing':
      return `Bids on job ${a} are revealed between ${when(b)} and ${when(c)}.`
    case 'TrainingJobsRevealNotOver':
      return `Bids on job ${a} are revealed until ${when(b)}: assign after that.`
    case 'TrainingJobsNoCommitment':
      return `${b} has no sealed bid on job ${a} in this round.`
    case 'TrainingJobsCommitmentMismatch':
      return `The price and salt do not match ${b}'s sealed bid on job ${a}.`
    case 'TrainingJobsZeroPrice':
      return 'A bid must ask a price above zero.'
    case 'TrainingJobsPriceOverBudget':
      return `A bid of ${a} is above the job's budget of ${b}.`
    case 'TrainingJobsPoorReputation':
      return `${a} has ${c} slashes for ${b} accepted jobs: a provider may bid with at most one slash per four accepted jobs.`
    case 'TrainingJobsNotBuyer':
      return `Only the buyer of job ${a} may do this (not ${b}).`
    case 'TrainingJobsNotProvider':
      return `Only the provider holding job ${a} may post its result (not ${b}).`
    case 'TrainingJobsDeadlinePassed':
      return `Job ${a}'s deadline passed at ${when(b)}.`
    case 'TrainingJobsDeadlineNotPassed':
      return `Job ${a}'s deadline is ${when(b)}: it has not passed.`
    case 'TrainingJobsBadCheckpoints':
      return `The result has ${a} checkpoints; the job needs ${b} (steps / checkpointEvery + 1).`
    case 'TrainingJobsWindowOpen':
      return `Job ${a}'s challenge window is open until ${when(b)}: only the buyer may accept before.`
    case 'TrainingJobsWindowClosed':
      return `Job ${a}'s challenge window closed at ${when(b)}.`
    case 'TrainingJobsDisputeActive':
      return `Job ${a} is under dispute by ${b}: wait for the dispute to end.`
    case 'TrainingJobsSelfChallenge':
      return `The provider of job ${a} cannot challenge its own result.`
    case 'TrainingDisputesUnknown':
      return `Dispute ${a} does not exist.`
    case 'TrainingDisputesWrongPhase':
      return `Dispute ${a} is in another phase (${b}): the move does not apply now.`
    case 'TrainingDisputesNotYourTurn':
      return `It is not ${b}'s move in dispute ${a}.`
    case 'TrainingDisputesClockRanOut':
      return `The mover's clock in dispute ${a} ran out ${b} s ago: anyone may now call timeout.`
    case 'TrainingDisputesClockRunning':
      return `The side to move in dispute ${a} has ${b} s left.`
    case 'TrainingDisputesSpecMismatch':
      return "The spec given is not the job's (its hash differs)."
    case 'TrainingDisputesOpeningMismatch':
      return 'The opening given is not the one the provider posted for this dispute.'
    case 'TrainingDisputesPostedMismatch':
      return 'The values given are not the ones the provider posted this round.'
    case 'TrainingDisputesBadProof':
      return `The Merkle proof of the ${a} does not match its root.`
    case 'TrainingDisputesBadCheckpoint':
      return `Checkpoint ${a} does not exist (the job has ${b}).`
    case 'TrainingDisputesBadCount':
      return `Expected ${c} ${a}, got ${b}.`
    case 'TrainingDisputesBadIndex':
      return `The ${a} ${b} is out of range (below ${c}).`
    case 'TrainingDisputesStateMismatch':
      return `The opened state does not hash to the ${a} state hash.`
    case 'TrainingDisputesBadScalars':
      return `The opened states' ${a} do not follow from one step.`
    case 'ResearchRoundsUnknownRound':
      return `Research round ${a} does not exist. See \`mycel job round list\`.`
    case 'ResearchRoundsUnknownProposal':
      return `Proposal ${a} does not exist. See \`mycel job round list\`.`
    case 'ResearchRoundsZeroAmount':
      return 'The amount must be greater than zero.'
    case 'ResearchRoundsBadEnd':
      return `A round must end in the future (got ${when(a)}).`
    case 'ResearchRoundsClosed':
      return `Round ${a} took proposals and contributions until ${when(b)}.`
    case 'ResearchRoundsOpen':
      return `Round ${a} takes contributions until ${when(b)}: finalize it after that.`
    case 'ResearchRoundsFinalized':
      return `Round ${a} is finalized already.`
    case 'ResearchRoundsNotFinalized':
      return `Round ${a} is not finalized yet: \`mycel job round finalize ${a}\` after its end.`
    case 'ResearchRoundsPoolMatched':
      return `Round ${a}'s pool went to its proposals as matches: it returns to the sponsor only when no proposal scored.`
    case 'ResearchRoundsParamsMismatch':
      return `These are not the parameters proposal ${a} was made with.`
    case 'ResearchRoundsBudgetNotZero':
      return "A proposal's budget must be 0: the round raises it."
    case 'ResearchRoundsAlreadyLaunched':
      return `Proposal ${a} is launched already, as job ${b}.`
    case 'ResearchRoundsNotLaunched':
      return `Proposal ${a} has no job yet: \`mycel job round launch ${a}\`.`
    case 'ResearchRoundsNothingRaised':
      return `Proposal ${a} raised nothing and got no match: there is no budget to launch it with.`
    case 'ResearchRoundsNotProposer':
      return `Only proposal ${a}'s proposer may claim its refund (not ${b}).`
    case 'ResearchRoundsNoModel':
      return `Proposal ${a}'s job ${b} has no model yet: it is registered when the job is accepted.`
    case 'ResearchRoundsNothingToRefund':
      return `Proposal ${a} has nothing to refund now (its job is not accepted, or the refund was taken).`
    case 'ResearchRoundsTokenMismatch':
      return `The round pays in ${a}; the job names ${b}.`
    case 'ResearchRoundsBudgetNotReceived':
      return `The token moved ${b} instead of ${a}: fee-on-transfer tokens cannot fund a round.`
    case 'ResearchRoundsBudgetTooLarge':
      return `Proposal ${a}'s budget would reach ${b}, above what a job holds (2^96 − 1).`
    case 'ResearchRoundsWithdrawn':
      return `Proposal ${a} is withdrawn: its contributors reclaim with \`mycel job round reclaim ${a}\`.`
    case 'ResearchRoundsNotWithdrawn':
      return `Proposal ${a} is not withdrawn: contributions return only from a withdrawn proposal.`
    case 'ResearchRoundsNotAllowed':
      return `Only proposal ${a}'s proposer or its round's sponsor may withdraw it now (not ${b}); anyone may 30 days after the round's end if it is still unlaunched, or once its job has gone through 8 auctions with no bid pending.`
    case 'ResearchRoundsNothingToReclaim':
      return `${b} has nothing to reclaim from proposal ${a} (nothing contributed, or taken already).`
    case 'TrainingShapesUnknownEntry':
      return `The step has no trace entry ${a} with output ${b}.`
    default:
      return undefined
  }
}
