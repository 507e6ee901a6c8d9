/**
 * How an epoch's emission is split, as the Epochs contract pays it (`OWNER_BPS`, `MINERS_BPS`, `VALIDATORS_BPS`):
 * the owner's, the miners' and the validators' parts, a miner's share by rank and a validator's by dividend. Pure.
 */
const OWNER_BPS = 1800n
const MINERS_BPS = 4100n
const VALIDATORS_BPS = 4100n
export const emissionSplit = { ownerBps: OWNER_BPS, minersBps: MINERS_BPS, validatorsBps: VALIDATORS_BPS }

/** The miners' share of an epoch's emission for a rank, as `Epochs.claimMiner` pays it. */
export function minerEmission(emission: bigint, rank: number, rankSum: number): bigint {
  return rankSum === 0 ? 0n : (((emission * MINERS_BPS) / 10_000n) * BigInt(rank)) / BigInt(rankSum)
}

/** A validator's dividends in tokens, as `Epochs.claimValidator` pays them. */
export function validatorEmission(emission: bigint, dividend: number): bigint {
  return (((emission * VALIDATORS_BPS) / 10_000n) * BigInt(dividend)) >> 32n
}
