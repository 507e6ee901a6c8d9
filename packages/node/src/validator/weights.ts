/**
 * A validator's commit-reveal step over all its subnets: one weight setter per subnet (weightSetter.ts), fed the
 * miners' period scores (scores.ts) once the subnet has been scored; failures are logged when they start or change,
 * not every tick.
 */
import type { WriteClient } from '@mycel/sdk'
import type { Logger } from 'pino'
import type { Address } from 'viem'
import type { TxQueue } from '../chain/txQueue.ts'
import type { Db } from '../db/database.ts'
import { loadMinerScores } from '../db/stores/scores.ts'
import { periodWeight } from './scores.ts'
import { createWeightSetter, type WeightSetter, type WeightSetterEvent } from './weightSetter.ts'

export function createWeightsDuty(p: {
  db: Db
  wallet: WriteClient
  registry: Address
  weights: Address
  netuids: bigint[]
  txQueue: TxQueue
  log: Logger
  /** Subnets scored at least once (weights are committed only after a round). */
  scored: ReadonlySet<bigint>
}): () => Promise<WeightSetterEvent[]> {
  const { log } = p
  const hotkey = p.wallet.account.address
  const setters = new Map<bigint, WeightSetter>(
    p.netuids.map((netuid) => [
      netuid,
      createWeightSetter({
        db: p.db,
        wallet: p.wallet,
        weights: p.weights,
        registry: p.registry,
        netuid,
        txQueue: p.txQueue,
      }),
    ]),
  )
  /** The last commit-reveal failure per subnet, to log each kind once. */
  const weightFailures = new Map<bigint, string>()
  return async () => {
    const events: WeightSetterEvent[] = []
    for (const [netuid, setter] of setters) {
      try {
        const event = await setter.tick((n, period) => {
          if (!p.scored.has(netuid)) return null
          const vector = new Array<number>(n).fill(0)
          for (const s of loadMinerScores(p.db, hotkey, netuid)) if (s.uid < n) vector[s.uid] = periodWeight(s, period)
          return vector
        })
        if (event) {
          events.push(event)
          weightFailures.delete(netuid)
          log.info({ msg: `weights ${event.kind}`, netuid: Number(netuid) })
        }
      } catch (error) {
        // Logged when it starts failing or fails differently, not every tick (no permit yet repeats for a while).
        const err = (error as Error).message.split('\n')[0] ?? 'failed'
        if (weightFailures.get(netuid) !== err) log.warn({ msg: 'setting weights failed', netuid: Number(netuid), err })
        weightFailures.set(netuid, err)
      }
    }
    return events
  }
}
