/**
 * A miner's score as a validator keeps it, and the pure rules that move it: a round's score enters a moving average
 * (what the dashboard shows) and the mean of its tempo period (what weights are committed from).
 *
 * The weights committed in a period are the miners' mean scores over the previous period: a row describes one
 * period, the same one for every honest validator, rather than a moving average whose memory depends on how many
 * rounds a validator manages. When quality moves, honest rows move together and at once, and a copy of an older
 * row disagrees with them.
 */
import type { Address } from 'viem'
import type { MinerScore } from '../db/stores/scores.ts'

export type { MinerScore } from '../db/stores/scores.ts'

/** How much a new round moves a miner's score. */
export const SCORE_EMA = 0.3

/** A miner not scored yet (or whose uid another hotkey took). */
export function newMinerScore(uid: number, hotkey: Address): MinerScore {
  return {
    uid,
    hotkey,
    score: 0,
    quality: 0,
    latencyMs: 0,
    rounds: 0,
    failures: 0,
    spotChecks: 0,
    spotFailures: 0,
    lastError: null,
    period: -1,
    periodSum: 0,
    periodRounds: 0,
    periodFailed: false,
    lastPeriod: -1,
    lastPeriodScore: 0,
  }
}

/**
 * The weight for a miner when committing in `period`: its mean score over period − 1 when it was measured then,
 * else its moving average.
 */
export function periodWeight(s: MinerScore, period: number): number {
  if (s.period === period - 1 && s.periodRounds > 0) return s.periodFailed ? 0 : s.periodSum / s.periodRounds
  if (s.lastPeriod === period - 1) return s.lastPeriodScore
  return s.score
}

/** Adds a round's score `r` measured in `period` to `s`, closing the period before when it moved on. */
export function addRound(s: MinerScore, period: number, r: number, spotFailed: boolean): void {
  if (s.period !== period) {
    if (s.periodRounds > 0) {
      s.lastPeriod = s.period
      s.lastPeriodScore = s.periodFailed ? 0 : s.periodSum / s.periodRounds
    }
    s.period = period
    s.periodSum = 0
    s.periodRounds = 0
    s.periodFailed = false
  }
  s.periodSum += r
  s.periodRounds += 1
  if (spotFailed) s.periodFailed = true
}

/**
 * Moves the averages of `s` by a answered round: its quality, latency and round score `r`. A failed spot check
 * wipes what the miner had earned, not just this round.
 */
export function addAnswer(s: MinerScore, a: { quality: number; latencyMs: number; r: number; spotFailed: boolean }) {
  s.quality = s.rounds === 0 ? a.quality : (1 - SCORE_EMA) * s.quality + SCORE_EMA * a.quality
  s.latencyMs = s.rounds === 0 ? a.latencyMs : (1 - SCORE_EMA) * s.latencyMs + SCORE_EMA * a.latencyMs
  if (!a.spotFailed) s.lastError = null
  s.score = a.spotFailed ? 0 : s.rounds === 0 ? a.r : (1 - SCORE_EMA) * s.score + SCORE_EMA * a.r
}

/** Moves the score of `s` by a round the miner failed (`error`: why, kept for display). */
export function addFailure(s: MinerScore, error: unknown) {
  s.failures += 1
  s.lastError = (error as Error).message.split('\n')[0] ?? 'failed'
  s.score = (1 - SCORE_EMA) * s.score
}
