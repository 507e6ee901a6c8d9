/**
 * A validator's scoring round: each miner of its subnets gets a fresh task (tasks.ts) over the signed transport,
 * its answers are scored, deterministic models are spot-checked (spotCheck.ts), and its score is saved
 * (db/stores/scores.ts) with the round counted in the tempo period it ended in.
 */
import { mulberry32 } from '@mycel/models'
import { heldOutDigits, heldOutText } from '@mycel/models/held-out'
import { getNeurons, getSubnetParams, getSubnets, type Neuron, type WriteClient } from '@mycel/sdk'
import type { Logger } from 'pino'
import type { Address } from 'viem'
import { getBlockNumber } from 'viem/actions'
import type { Db } from '../db/database.ts'
import { loadMinerScores, saveMinerScore } from '../db/stores/scores.ts'
import { NoModelForTaskError } from './errors.ts'
import type { MinerClient } from './minerClient.ts'
import { addAnswer, addFailure, addRound, type MinerScore, newMinerScore } from './scores.ts'
import { spotCheckFails } from './spotCheck.ts'
import { digitsTask, roundScore, type Task, textTask } from './tasks.ts'

/** Digits per task and text prompts per task. */
export const DIGITS_PER_TASK = 64
export const PROMPTS_PER_TASK = 8

const LATENCY_WEIGHT: Record<string, number> = { 'image-classification': 0.1, 'text-generation': 0.2 }

export type ScoringRound = (signal?: AbortSignal) => Promise<void>

export function createScoringRound(p: {
  db: Db
  wallet: WriteClient
  registry: Address
  hotkey: Address
  netuids: bigint[]
  client: MinerClient
  log: Logger
  /** Seed of the task PRNG; random by default (miners must not predict tasks). */
  seed: number | undefined
  /** Subnets scored at least once, filled in by the round (weights are committed only after a round). */
  scored: Set<bigint>
}): ScoringRound {
  const { db, hotkey, client, log } = p
  const random = mulberry32(p.seed ?? crypto.getRandomValues(new Uint32Array(1))[0] ?? 1)

  async function evaluate(
    netuid: bigint,
    taskType: string,
    neuron: Neuron,
    previous: MinerScore | undefined,
    period: () => Promise<number>,
  ) {
    const s: MinerScore =
      previous && previous.hotkey.toLowerCase() === neuron.hotkey.toLowerCase()
        ? { ...previous }
        : newMinerScore(neuron.uid, neuron.hotkey)
    let r = 0
    let spotFailed = false
    try {
      const offer = await client.offerOf(neuron)
      const wanted = taskType === 'text-generation' ? 'text-generation' : 'tensor'
      const model = offer.models.find((m) => m.task === wanted)
      if (!model) throw new NoModelForTaskError(wanted)
      const task: Task =
        wanted === 'tensor'
          ? digitsTask(heldOutDigits(), model.id, DIGITS_PER_TASK, random) // read on first use (cached)
          : textTask(heldOutText(), model.id, PROMPTS_PER_TASK, random)
      const started = performance.now()
      const responses: unknown[] = []
      for (const request of task.requests) {
        responses.push(await client.signedFetch(netuid, neuron.hotkey, neuron.endpoint, request.path, request.body))
      }
      const latency = (performance.now() - started) / task.requests.length
      const quality = task.quality(responses)
      if (model.weightsCid && task.tensors) {
        spotFailed = await spotCheckFails(client, {
          weightsCid: model.weightsCid,
          endpoint: neuron.endpoint,
          tensors: task.tensors,
          answer: responses[0],
        })
        s.spotChecks += 1
        if (spotFailed) {
          s.spotFailures += 1
          // Logged when a miner starts failing, not every round it keeps failing.
          if (!s.lastError?.startsWith('spot check failed')) {
            log.warn({ msg: 'spot check failed', netuid: Number(netuid), uid: neuron.uid, miner: neuron.hotkey })
          }
          s.lastError = `spot check failed: outputs differ from its published weights ${model.weightsCid}`
        }
      }
      r = spotFailed ? 0 : roundScore(quality, task.chance, latency, LATENCY_WEIGHT[taskType] ?? 0.1)
      addAnswer(s, { quality, latencyMs: latency, r, spotFailed })
    } catch (error) {
      addFailure(s, error)
    }
    s.rounds += 1
    // The round counts in the period it ended in (a failed request scores 0 there too).
    addRound(s, await period(), r, spotFailed)
    saveMinerScore(db, hotkey, netuid, s)
  }

  return async (signal) => {
    client.setRoundSignal(signal)
    const subnets = await getSubnets(p.wallet, { registry: p.registry })
    for (const netuid of p.netuids) {
      const subnet = subnets.find((x) => BigInt(x.netuid) === netuid)
      if (!subnet) continue
      const neurons = await getNeurons(p.wallet, { registry: p.registry, netuid })
      const { tempo } = await getSubnetParams(p.wallet, { registry: p.registry, netuid })
      const period = async () =>
        Number(((await getBlockNumber(p.wallet, { cacheTime: 0 })) - subnet.createdAtBlock) / BigInt(tempo))
      p.scored.add(netuid)
      const known = new Map(loadMinerScores(db, hotkey, netuid).map((s) => [s.uid, s]))
      for (const neuron of neurons) {
        if (signal?.aborted) return
        if (neuron.role !== 'miner' || neuron.hotkey.toLowerCase() === hotkey.toLowerCase()) continue
        await evaluate(netuid, subnet.taskType, neuron, known.get(neuron.uid), period)
      }
    }
  }
}
