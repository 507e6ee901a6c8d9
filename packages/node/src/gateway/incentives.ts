/**
 * What the subnets' validators measured, as the gateway ranks miners by it: per subnet, the miners' consensus
 * incentive in the latest FINAL epoch (past its challenge window: `epoch < Epochs.nextEpoch`), keyed by hotkey (a
 * miner's hotkey is its payee). An epoch's incentive is its ranks normalized (`incentive = rank / rankSum`, as Yuma
 * computes it); the ranks come from this node's own record of the epoch when its epoch keeper recorded it
 * (db/stores/epochs.ts), else from the final proposal on chain: the `EpochProposed` event whose header hashes to the
 * header hash the contract stores for the epoch, and its columns (decoded from calldata) hash to that header's
 * `columnsHash` — so a gateway reading only a chain RPC ranks by exactly what went final, not by a slashed proposal.
 * Read again on every discovery (each 10 s); a subnet's epoch is fetched once, when it changes.
 */
import { type EpochHeader, epochsAbi, getEpochProposals, getEpochRecord, getNextEpoch, unpackColumns } from '@mycel/sdk'
import { type Address, type Client, encodeAbiParameters, keccak256 } from 'viem'
import type { Common } from '../common/common.ts'
import type { Db } from '../db/database.ts'
import { loadFinalEpoch } from '../db/stores/epochs.ts'
import { type NetworkSubnet, readNetwork } from '../db/stores/network.ts'
import type { Standing } from './ranking.ts'

/** A miner's standing in one subnet, with where it comes from. */
export type SubnetStanding = Standing & {
  netuid: number
  subnet: string
  taskType: string
  epoch: number
  uid: number
}

/** One subnet's latest final epoch, as far as the ranking needs it. */
type FinalEpoch = {
  epoch: bigint
  snapshotBlock: bigint
  immunityPeriod: bigint
  /** Per uid, its share of the epoch's incentive; empty when nothing was ranked (no validator weights). */
  incentive: number[]
}

export type IncentiveReader = ReturnType<typeof createIncentiveReader>

export function createIncentiveReader(p: { db: Db; client: Client; epochs: Address; log: Common['logger'] }) {
  const finals = new Map<number, FinalEpoch>()
  /** Per lower-case hotkey, its standings (one per subnet it was measured in as a miner). */
  let byHotkey = new Map<string, SubnetStanding[]>()
  /** The miner hotkeys of each subnet, to find the subnets a miner serves in without a final epoch there. */
  let subnetsOf = new Map<string, { name: string; taskType: string }[]>()
  let refreshing: Promise<void> | undefined
  /** Per subnet, the last failure logged (logged again only when it changes, not every 10 s). */
  const failures = new Map<number, string>()

  /** Reads every indexed subnet's latest final epoch (the epochs that changed only); concurrent calls share one. */
  function refresh(): Promise<void> {
    refreshing ??= refreshOnce().finally(() => {
      refreshing = undefined
    })
    return refreshing
  }

  async function refreshOnce(): Promise<void> {
    const subnets = readNetwork(p.db)
    for (const subnet of subnets) {
      try {
        await refreshSubnet(subnet.netuid)
        failures.delete(subnet.netuid)
      } catch (error) {
        // Keep what was read before: a ranking a few epochs old beats none.
        const err = (error as Error).message.split('\n')[0] ?? 'unknown error'
        if (failures.get(subnet.netuid) !== err) {
          p.log.warn({ msg: 'final epoch unreadable for the ranking', netuid: subnet.netuid, err })
        }
        failures.set(subnet.netuid, err)
      }
    }
    index(subnets)
  }

  async function refreshSubnet(netuid: number): Promise<void> {
    const { epoch: next } = await getNextEpoch(p.client, { epochs: p.epochs, netuid: BigInt(netuid) })
    if (next === 0n) {
      finals.delete(netuid)
      return
    }
    const epoch = next - 1n
    if (finals.get(netuid)?.epoch === epoch) return
    const read = readRecorded(netuid, epoch) ?? (await readOnChain(netuid, epoch))
    if (read) finals.set(netuid, read)
  }

  /** The epoch as this node's keeper recorded it final (its own computation, checked against the proposal). */
  function readRecorded(netuid: number, epoch: bigint): FinalEpoch | null {
    const settled = loadFinalEpoch(p.db, BigInt(netuid), epoch)
    if (!settled) return null
    return finalEpoch(epoch, settled.header, settled.built.ranks)
  }

  /** The final proposal from the chain: the one whose header the contract stores for `epoch`. */
  async function readOnChain(netuid: number, epoch: bigint): Promise<FinalEpoch | null> {
    const record = await getEpochRecord(p.client, { epochs: p.epochs, netuid: BigInt(netuid), epoch })
    if (!record.final) return null
    const proposals = await getEpochProposals(p.client, { epochs: p.epochs, netuid: BigInt(netuid), epoch })
    // The last proposal of a final epoch is the one that went final (a dispute clears a proposal before the next).
    for (const proposed of proposals.reverse()) {
      if (headerHash(proposed.header) !== record.headerHash) continue
      if (!proposed.proposal || keccak256(proposed.proposal.columns) !== proposed.header.columnsHash) return null
      const ranks = unpackColumns(proposed.proposal.columns).map((c) => c.rank)
      return finalEpoch(epoch, proposed.header, ranks)
    }
    return null
  }

  /** Rebuilds the hotkey → standings map from the index (uids change hands; a newer holder has no standing). */
  function index(subnets: NetworkSubnet[]) {
    const standings = new Map<string, SubnetStanding[]>()
    const memberships = new Map<string, { name: string; taskType: string }[]>()
    for (const subnet of subnets) {
      const final = finals.get(subnet.netuid)
      const miners = subnet.neurons.filter((n) => n.role === 'miner')
      for (const n of miners) {
        const key = n.hotkey.toLowerCase()
        memberships.set(key, [...(memberships.get(key) ?? []), { name: subnet.name, taskType: subnet.taskType }])
      }
      if (!final || final.incentive.length === 0) continue
      // The miners the epoch measured: those holding their uid since before its snapshot.
      const measured = miners.filter((n) => BigInt(n.registeredBlock) <= final.snapshotBlock)
      for (const n of measured) {
        const incentive = final.incentive[n.uid] ?? 0
        const key = n.hotkey.toLowerCase()
        const standing: SubnetStanding = {
          netuid: subnet.netuid,
          subnet: subnet.name,
          taskType: subnet.taskType,
          epoch: Number(final.epoch),
          uid: n.uid,
          incentive,
          relative: incentive * measured.length,
          immune: BigInt(n.registeredBlock) + final.immunityPeriod > final.snapshotBlock,
        }
        standings.set(key, [...(standings.get(key) ?? []), standing])
      }
    }
    byHotkey = standings
    subnetsOf = memberships
  }

  /**
   * `hotkey`'s standings in the subnets that serve `model` — text-generation subnets for text models, subnets named
   * like the model for tensor models (the subnets a miner joins for what it serves) — or, when it is in none of
   * those, in every subnet it is a miner in.
   */
  function standingsOf(hotkey: string, model: string, task: 'text-generation' | 'tensor'): SubnetStanding[] {
    const key = hotkey.toLowerCase()
    const all = byHotkey.get(key) ?? []
    const serves = (name: string, taskType: string) =>
      task === 'text-generation' ? taskType === 'text-generation' : name === model
    const relevant = (subnetsOf.get(key) ?? []).some((s) => serves(s.name, s.taskType))
    return relevant ? all.filter((s) => serves(s.subnet, s.taskType)) : all
  }

  return { refresh, standingsOf }
}

/** The header's ABI type, from the generated Epochs ABI (the `header` argument of `EpochProposed`). */
const HEADER_PARAMETER = (() => {
  const event = epochsAbi.find((x) => x.type === 'event' && x.name === 'EpochProposed')
  return event && 'inputs' in event ? event.inputs.find((i) => i.name === 'header') : undefined
})()

/** The keccak of the header as the contract stores it (`keccak256(abi.encode(header))`). */
function headerHash(header: EpochHeader): `0x${string}` | undefined {
  if (!HEADER_PARAMETER) return undefined
  return keccak256(encodeAbiParameters([HEADER_PARAMETER], [header as never]))
}

function finalEpoch(epoch: bigint, header: EpochHeader, ranks: readonly number[]): FinalEpoch {
  const rankSum = ranks.reduce((a, b) => a + b, 0)
  return {
    epoch,
    snapshotBlock: header.snapshotBlock,
    immunityPeriod: BigInt(header.immunityPeriod),
    incentive: rankSum > 0 ? ranks.map((r) => r / rankSum) : [],
  }
}
