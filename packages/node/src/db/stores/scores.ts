/**
 * The validator's scores, and the only place holding their SQL: per validator, subnet and miner uid, the moving
 * averages shown on the dashboard and the tempo-period sums its weights are committed from (`validator_scores`).
 * The validator (validator/) computes the scores; this module reads and writes rows.
 */
import type { Address } from 'viem'
import type { Db } from '../database.ts'

/** One miner's score as a validator keeps it. */
export type MinerScore = {
  uid: number
  hotkey: Address
  score: number
  quality: number
  latencyMs: number
  rounds: number
  failures: number
  spotChecks: number
  spotFailures: number
  lastError: string | null
  /** The tempo period being measured, its round scores so far, and whether a spot check failed in it. */
  period: number
  periodSum: number
  periodRounds: number
  periodFailed: boolean
  /** The last complete period measured and its mean round score. */
  lastPeriod: number
  lastPeriodScore: number
}

type ScoreRow = {
  uid: number
  hotkey: Address
  score: number
  quality: number
  latency_ms: number
  rounds: number
  failures: number
  spot_checks: number
  spot_failures: number
  last_error: string | null
  period: number
  period_sum: number
  period_rounds: number
  period_failed: number
  last_period: number
  last_period_score: number
}

/** The scores `validator` keeps in subnet `netuid`, by uid. */
export function loadMinerScores(db: Db, validator: Address, netuid: bigint): MinerScore[] {
  const rows = db
    .prepare(
      `SELECT uid, hotkey, score, quality, latency_ms, rounds, failures, spot_checks, spot_failures, last_error,
         period, period_sum, period_rounds, period_failed, last_period, last_period_score
       FROM validator_scores WHERE validator = ? AND netuid = ? ORDER BY uid`,
    )
    .all(validator.toLowerCase(), Number(netuid)) as ScoreRow[]
  return rows.map((r) => ({
    uid: r.uid,
    hotkey: r.hotkey,
    score: r.score,
    quality: r.quality,
    latencyMs: r.latency_ms,
    rounds: r.rounds,
    failures: r.failures,
    spotChecks: r.spot_checks,
    spotFailures: r.spot_failures,
    lastError: r.last_error,
    period: r.period,
    periodSum: r.period_sum,
    periodRounds: r.period_rounds,
    periodFailed: r.period_failed === 1,
    lastPeriod: r.last_period,
    lastPeriodScore: r.last_period_score,
  }))
}

/** Writes (inserts or replaces) the score `validator` keeps for miner `s.uid` in subnet `netuid`. */
export function saveMinerScore(db: Db, validator: Address, netuid: bigint, s: MinerScore): void {
  db.prepare(
    `INSERT INTO validator_scores (validator, netuid, uid, hotkey, score, quality, latency_ms, rounds, failures,
       spot_checks, spot_failures, last_error, period, period_sum, period_rounds, period_failed, last_period,
       last_period_score, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (validator, netuid, uid) DO UPDATE SET hotkey = excluded.hotkey, score = excluded.score,
       quality = excluded.quality, latency_ms = excluded.latency_ms, rounds = excluded.rounds,
       failures = excluded.failures, spot_checks = excluded.spot_checks, spot_failures = excluded.spot_failures,
       last_error = excluded.last_error, period = excluded.period, period_sum = excluded.period_sum,
       period_rounds = excluded.period_rounds, period_failed = excluded.period_failed,
       last_period = excluded.last_period, last_period_score = excluded.last_period_score,
       updated_at = excluded.updated_at`,
  ).run(
    validator.toLowerCase(),
    Number(netuid),
    s.uid,
    s.hotkey,
    s.score,
    s.quality,
    s.latencyMs,
    s.rounds,
    s.failures,
    s.spotChecks,
    s.spotFailures,
    s.lastError,
    s.period,
    s.periodSum,
    s.periodRounds,
    s.periodFailed ? 1 : 0,
    s.lastPeriod,
    s.lastPeriodScore,
    Date.now(),
  )
}
