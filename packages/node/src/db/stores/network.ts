/**
 * The local index of the network: tables `subnets`, `neurons` and `events` (the registry's events), the only place
 * holding their SQL. chain/indexer.ts decides what to write and writes through {@link networkIndexWriter}; the node
 * API reads subnets, neurons and recent events, the gateway the miners that published an offer, and the incentives
 * view the indexed subnets and neurons.
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

export type NetworkSubnet = {
  netuid: number
  owner: string
  name: string
  taskType: string
  scoringSpecCid: string
  maxNeurons: number
  registrationCost: string
  createdBlock: number
  neuronCount: number
  neurons: NetworkNeuron[]
}

export type NetworkNeuron = {
  uid: number
  hotkey: string
  role: 'miner' | 'validator'
  endpoint: string
  metadataCid: string
  registeredBlock: number
}

export function readNetwork(db: Db): NetworkSubnet[] {
  const subnets = db
    .prepare(
      `SELECT netuid, owner, name, task_type AS taskType, scoring_spec_cid AS scoringSpecCid, max_neurons AS maxNeurons,
              registration_cost AS registrationCost, created_block AS createdBlock
       FROM subnets ORDER BY netuid`,
    )
    .all() as Omit<NetworkSubnet, 'neurons' | 'neuronCount'>[]
  const neurons = db.prepare(
    `SELECT uid, hotkey, role, endpoint, metadata_cid AS metadataCid, registered_block AS registeredBlock
     FROM neurons WHERE netuid = ? ORDER BY uid`,
  )
  return subnets.map((s) => {
    const list = neurons.all(s.netuid) as NetworkNeuron[]
    return { ...s, neuronCount: list.length, neurons: list }
  })
}

export type NetworkEvent = { blockNumber: number; logIndex: number; txHash: string; name: string; args: unknown }

export function readEvents(db: Db, limit: number): NetworkEvent[] {
  const rows = db
    .prepare(
      `SELECT block_number AS blockNumber, log_index AS logIndex, tx_hash AS txHash, name, args
       FROM events ORDER BY block_number DESC, log_index DESC LIMIT ?`,
    )
    .all(limit) as (Omit<NetworkEvent, 'args'> & { args: string })[]
  return rows.map((r) => ({ ...r, args: JSON.parse(r.args) as unknown }))
}

/** A miner registered in some subnet with an offer document (its CID) and the endpoint serving it. */
export type PublishedMiner = { hotkey: string; endpoint: string; metadata_cid: string }

/** Every distinct (hotkey, endpoint, offer CID) registered as a miner with an offer, across subnets. */
export function readPublishedMiners(db: Db): PublishedMiner[] {
  return db
    .prepare("SELECT DISTINCT hotkey, endpoint, metadata_cid FROM neurons WHERE role = 'miner' AND metadata_cid != ''")
    .all() as PublishedMiner[]
}
