/**
 * What `/api/incentives` and the dashboard show per subnet: neurons with their stake, each local validator's
 * scores, the latest revealed weights (the heatmap), and the recent settled epochs with consensus, incentive,
 * dividends and the emission paid to each miner and validator. Read from SQLite (epochs, scores) and the chain
 * (stake, revealed rows).
 */
import {
  builtEpochFromJson,
  decodeWeights,
  getRevealedRows,
  getStake,
  getSubnetParams,
  type MycelAddresses,
  minerEmission,
  type RevealedRow,
  validatorEmission,
} from '@mycel/sdk'
import type { PublicClient } from 'viem'
import { getBlockNumber } from 'viem/actions'
import { sharedFor } from '../common/shared.ts'
import type { Db } from '../db/database.ts'
import { recentEpochs } from '../db/stores/epochs.ts'
import { indexedNeurons, indexedSubnets } from '../db/stores/network.ts'
import type { Validator } from './validator.ts'

const Q = 2 ** 32
/** How long one computed view answers later requests (the dashboard polls every few seconds). */
const VIEW_REUSE_MS = 1000
const share = (x: number) => Math.round((x / Q) * 1e6) / 1e6

/**
 * The view, polled by the dashboard every few seconds; requests within a second of a computation share it. Revealed rows are read from the logs incrementally (each
 * poll only asks for blocks it has not seen), so a long-running subnet does not re-read its whole history.
 */
export function createIncentivesView(
  db: Db,
  client: PublicClient,
  addresses: MycelAddresses,
  validators: readonly Validator[],
) {
  const seen = new Map<number, { toBlock: bigint; latest: Map<string, RevealedRow> }>()
  async function latestRows(netuid: number, createdBlock: bigint) {
    const known = seen.get(netuid) ?? { toBlock: createdBlock - 1n, latest: new Map<string, RevealedRow>() }
    const head = await getBlockNumber(client, { cacheTime: 0 })
    if (head > known.toBlock) {
      const rows = await getRevealedRows(client, {
        weights: addresses.weights,
        netuid: BigInt(netuid),
        fromBlock: known.toBlock + 1n,
        toBlock: head,
      })
      for (const row of rows) known.latest.set(row.hotkey.toLowerCase(), row)
      known.toBlock = head
      seen.set(netuid, known)
    }
    return [...known.latest.values()]
  }
  // Polled by every open dashboard: one computation a second at most, shared by every request that overlaps it.
  const shared = sharedFor(VIEW_REUSE_MS, (epochs: number) => view({ epochs }))
  return (options: { epochs?: number } = {}) => shared(options.epochs ?? 30)

  async function view(options: { epochs?: number }) {
    const subnets = indexedSubnets(db)
    const out = []
    for (const subnet of subnets) {
      const netuid = BigInt(subnet.netuid)
      const neurons = indexedNeurons(db, subnet.netuid)
      const withStake = await Promise.all(
        neurons.map(async (n) => {
          const { total } = await getStake(client, { staking: addresses.staking, netuid, hotkey: n.hotkey })
          return { ...n, stake: total.toString() }
        }),
      )
      const params = await getSubnetParams(client, { registry: addresses.subnetRegistry, netuid })
      const latest = await latestRows(subnet.netuid, BigInt(subnet.created_block))
      const epochs = recentEpochs(db, subnet.netuid, options.epochs ?? 30)
        .reverse()
        .map((e) => {
          const built = builtEpochFromJson(e.built)
          const emission = BigInt(e.emission)
          return {
            epoch: e.epoch,
            snapshotBlock: e.snapshot_block,
            proposer: e.proposer,
            final: e.final === 1,
            matches: e.matches === 1,
            emission: e.emission,
            validators: built.validators,
            consensus: built.consensus.map(share),
            incentive: built.incentive.map(share),
            dividends: built.dividends.map(share),
            minerEmission: built.ranks.map((rank) => minerEmission(emission, rank, built.rankSum).toString()),
            validatorEmission: built.dividends.map((d) => validatorEmission(emission, d).toString()),
          }
        })
      out.push({
        netuid: subnet.netuid,
        name: subnet.name,
        taskType: subnet.task_type,
        tempo: params.tempo,
        kappa: params.kappa / 65_535,
        neurons: withStake,
        weights: latest.map((r) => ({
          uid: r.uid,
          hotkey: r.hotkey,
          commitBlock: Number(r.commitBlock),
          revealBlock: Number(r.revealBlock),
          weights: decodeWeights(r.packed),
        })),
        scores: validators
          .filter((v) => v.netuids.includes(netuid))
          .map((v) => ({ validator: v.hotkey, miners: v.scores(netuid) })),
        epochs,
      })
    }
    return { subnets: out }
  }
}
