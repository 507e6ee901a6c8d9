/**
 * The local index of the network (subnets, neurons and the registry's events, as the chain watcher follows them
 * into `subnets`, `neurons` and `events`), and the SQL that writes it and that the incentives view reads it with.
 * chain/indexer.ts decides what to write; this module holds the statements.
 */
import type { Db } from '../database.ts'

/** Empties the index (subnets, neurons and events) before it is rebuilt. */
export function clearNetworkIndex(db: Db): void {
  db.exec('DELETE FROM neurons; DELETE FROM subnets; DELETE FROM events;')
}

export type IndexedSubnet = {
  netuid: number
  owner: unknown
  name: unknown
  taskType: unknown
  scoringSpecCid: unknown
  maxNeurons: number
  registrationCost: string
  block: number
}
export type IndexedNeuron = {
  netuid: number
  uid: number
  hotkey: unknown
  role: string | undefined
  endpoint: unknown
  metadataCid: unknown
  block: number
}

/** The index's write statements, prepared once (the indexer applies a range of logs in one transaction). */
export function networkIndexWriter(db: Db) {
  const insertSubnet = db.prepare(
    `INSERT OR REPLACE INTO subnets (netuid, owner, name, task_type, scoring_spec_cid, max_neurons, registration_cost, created_block)
     VALUES (@netuid, @owner, @name, @taskType, @scoringSpecCid, @maxNeurons, @registrationCost, @block)`,
  )
  const insertNeuron = db.prepare(
    `INSERT OR REPLACE INTO neurons (netuid, uid, hotkey, role, endpoint, metadata_cid, registered_block)
     VALUES (@netuid, @uid, @hotkey, @role, @endpoint, @metadataCid, @block)`,
  )
  const updateEndpoint = db.prepare('UPDATE neurons SET endpoint = @endpoint WHERE netuid = @netuid AND uid = @uid')
  const updateMetadata = db.prepare(
    'UPDATE neurons SET metadata_cid = @metadataCid WHERE netuid = @netuid AND uid = @uid',
  )
  const deleteNeuron = db.prepare('DELETE FROM neurons WHERE netuid = @netuid AND uid = @uid')
  const insertEvent = db.prepare(
    'INSERT OR IGNORE INTO events (block_number, log_index, tx_hash, name, args) VALUES (?, ?, ?, ?, ?)',
  )
  return {
    subnetCreated: (s: IndexedSubnet) => void insertSubnet.run(s),
    neuronRegistered: (n: IndexedNeuron) => void insertNeuron.run(n),
    endpointUpdated: (n: { netuid: number; uid: number; endpoint: unknown }) => void updateEndpoint.run(n),
    metadataUpdated: (n: { netuid: number; uid: number; metadataCid: unknown }) => void updateMetadata.run(n),
    neuronDeregistered: (n: { netuid: number; uid: number }) => void deleteNeuron.run(n),
    event: (e: { block: number; logIndex: number; txHash: string; name: string; args: string }) =>
      void insertEvent.run(e.block, e.logIndex, e.txHash, e.name, e.args),
  }
}

/** The indexed subnets, by netuid, as the incentives view lists them. */
export function indexedSubnets(db: Db) {
  return db.prepare('SELECT netuid, name, task_type, created_block FROM subnets ORDER BY netuid').all() as {
    netuid: number
    name: string
    task_type: string
    created_block: number
  }[]
}

/** The indexed neurons of `netuid`, by uid. */
export function indexedNeurons(db: Db, netuid: number) {
  return db.prepare('SELECT uid, hotkey, role, endpoint FROM neurons WHERE netuid = ? ORDER BY uid').all(netuid) as {
    uid: number
    hotkey: `0x${string}`
    role: string
    endpoint: string
  }[]
}
