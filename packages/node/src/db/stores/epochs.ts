/**
 * Settled and pending epochs as this node recorded them, and the only place holding their SQL (`epochs`): the
 * on-chain header and proposal with this node's own computation beside it (for the next epoch's bonds, for
 * claims and for the dashboard). The epoch keeper (epochs/) writes them; the incentives view reads them.
 */
import {
  type BuiltEpoch,
  bigintJson,
  builtEpochFromJson,
  builtEpochToJson,
  type EpochHeader,
  type EpochProposal,
  proposalMatches,
  type SettledEpoch,
} from '@mycel/sdk'
import type { Address } from 'viem'
import type { Db } from '../database.ts'

/** A final epoch of `netuid` as recorded, or null when it is not recorded (or not final). */
export function loadFinalEpoch(db: Db, netuid: bigint, epoch: bigint): SettledEpoch | null {
  const row = db
    .prepare('SELECT header, proposal, built FROM epochs WHERE netuid = ? AND epoch = ? AND final = 1')
    .get(Number(netuid), Number(epoch)) as { header: string; proposal: string; built: string } | undefined
  if (!row) return null
  return {
    header: bigintJson.parse<EpochHeader>(row.header),
    proposal: bigintJson.parse<EpochProposal>(row.proposal),
    built: builtEpochFromJson(row.built),
  }
}

/**
 * Records an epoch (pending or final) with this node's build; `matches` is whether the build equals the proposal.
 * An emission of 0 keeps the one recorded before (it is known from the pending epoch on).
 */
export function recordEpoch(
  db: Db,
  e: {
    netuid: bigint
    epoch: bigint
    proposer: Address
    header: EpochHeader
    proposal: EpochProposal
    built: BuiltEpoch
    final: boolean
    emission: bigint
  },
): void {
  db.prepare(
    `INSERT INTO epochs (netuid, epoch, snapshot_block, proposer, header, proposal, built, matches, emission, final)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (netuid, epoch) DO UPDATE SET proposer = excluded.proposer, header = excluded.header,
       proposal = excluded.proposal, built = excluded.built, matches = excluded.matches,
       emission = CASE WHEN excluded.emission = '0' THEN epochs.emission ELSE excluded.emission END,
       final = excluded.final`,
  ).run(
    Number(e.netuid),
    Number(e.epoch),
    Number(e.header.snapshotBlock),
    e.proposer,
    bigintJson.stringify(e.header),
    bigintJson.stringify(e.proposal),
    builtEpochToJson(e.built),
    proposalMatches(e.built, e.proposal) ? 1 : 0,
    e.emission.toString(),
    e.final ? 1 : 0,
  )
}

/** A recorded epoch as the dashboard lists it (`built` and `emission` still serialized). */
export type RecentEpochRow = {
  epoch: number
  snapshot_block: number
  proposer: string
  built: string
  matches: number
  emission: string
  final: number
}

/** The last `limit` recorded epochs of `netuid`, newest first. */
export function recentEpochs(db: Db, netuid: number, limit: number): RecentEpochRow[] {
  return db
    .prepare(
      'SELECT epoch, snapshot_block, proposer, built, matches, emission, final FROM epochs WHERE netuid = ? ORDER BY epoch DESC LIMIT ?',
    )
    .all(netuid, limit) as RecentEpochRow[]
}
