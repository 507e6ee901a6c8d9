/**
 * The validator role, composed: every round it sends each miner of its subnets a fresh task over the signed
 * transport and scores the answers (round.ts, with tasks.ts and spotCheck.ts; requests in minerClient.ts), keeps
 * per miner in SQLite a moving average (for display) and the mean score of each tempo period (scores.ts,
 * db/stores/scores.ts), and sets weights by automatic commit-reveal (weights.ts, weightSetter.ts), its
 * transactions taking turns with the account's other sends through `common.txQueue`.
 */
import type { WriteClient } from '@mycel/sdk'
import type { Address } from 'viem'
import type { LocalAccount } from 'viem/accounts'
import type { Common } from '../common/common.ts'
import type { ContentStore } from '../content/contentStore.ts'
import type { Db } from '../db/database.ts'
import { loadMinerScores } from '../db/stores/scores.ts'
import { createMinerClient } from './minerClient.ts'
import { createScoringRound } from './round.ts'
import type { MinerScore } from './scores.ts'
import type { WeightSetterEvent } from './weightSetter.ts'
import { createWeightsDuty } from './weights.ts'

export type Validator = {
  hotkey: Address
  /** Runs one scoring round over every miner of every subnet it validates (`signal` stops it between requests). */
  round: (signal?: AbortSignal) => Promise<void>
  /** Advances commit-reveal in every subnet. */
  setWeights: () => Promise<WeightSetterEvent[]>
  scores: (netuid: bigint) => MinerScore[]
  netuids: bigint[]
  close: () => Promise<void>
}

export async function startValidator(
  common: Common,
  p: {
    db: Db
    wallet: WriteClient & { account: LocalAccount }
    chainId: number
    registry: Address
    weights: Address
    /** The subnets to validate (the validator must be registered there with a permit). */
    netuids: bigint[]
    /** Seed of the task PRNG; random by default (miners must not predict tasks). */
    seed?: number
    requestTimeoutMs?: number
    /** Where reference weights come from (else each miner's content route); see minerClient.ts. */
    store?: ContentStore | undefined
  },
): Promise<Validator> {
  const log = common.logger.child({ role: 'validator', hotkey: p.wallet.account.address })
  const hotkey = p.wallet.account.address
  /** Subnets scored at least once (weights are committed only after a round). */
  const scored = new Set<bigint>()
  const client = createMinerClient({
    account: p.wallet.account,
    chainId: p.chainId,
    registry: p.registry,
    timeoutMs: p.requestTimeoutMs ?? 10_000,
    store: p.store,
  })
  const setWeights = createWeightsDuty({
    db: p.db,
    wallet: p.wallet,
    registry: p.registry,
    weights: p.weights,
    netuids: p.netuids,
    txQueue: common.txQueue,
    log,
    scored,
  })
  const round = createScoringRound({
    db: p.db,
    wallet: p.wallet,
    registry: p.registry,
    hotkey,
    netuids: p.netuids,
    client,
    log,
    seed: p.seed,
    scored,
  })
  return {
    hotkey,
    netuids: p.netuids,
    scores: (netuid) => loadMinerScores(p.db, hotkey, netuid),
    round,
    setWeights,
    close: () => client.close(),
  }
}
