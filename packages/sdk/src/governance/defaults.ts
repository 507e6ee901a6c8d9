/**
 * Governance parameters of a fractionalized model: short ones for devnets (a vote completes in minutes, so the demo
 * and tests run end to end) and suggested production ones. Times are seconds: the share token's clock is
 * `mode=timestamp` (block numbers mean different things on different L2s).
 */
export type GovernanceSettings = {
  /** Seconds between a proposal and the snapshot of votes it is decided by. */
  votingDelay: number
  /** Seconds the vote lasts. */
  votingPeriod: number
  /** Share units (18 decimals) needed to propose. */
  proposalThreshold: bigint
  /** Quorum in percent of the share supply at the snapshot (for + abstain votes count). */
  quorumPercent: number
  /** Seconds between queueing a passed proposal and executing it. */
  timelockDelay: number
}

/** Devnets and tests: vote 1 s after proposing, for 5 minutes; execute 1 minute after queueing; 4 % quorum. */
export const DEVNET_GOVERNANCE: GovernanceSettings = {
  votingDelay: 1,
  votingPeriod: 300,
  proposalThreshold: 0n,
  quorumPercent: 4,
  timelockDelay: 60,
}

/**
 * A public chain: a day to notice a proposal and delegate, a week to vote, two days to exit before it executes,
 * 4 % quorum; proposing needs 1 % of a 1,000,000-share supply (pass a threshold scaled to the actual supply).
 */
export const PRODUCTION_GOVERNANCE: GovernanceSettings = {
  votingDelay: 86_400,
  votingPeriod: 604_800,
  proposalThreshold: 10_000n * 10n ** 18n,
  quorumPercent: 4,
  timelockDelay: 172_800,
}
