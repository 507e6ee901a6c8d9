/**
 * Reads of the indexed network (tables `subnets`, `neurons`, `events`, written by chain/indexer.ts): the subnets with
 * their neurons and the recent events for the node API, and the miners that published an offer for the gateway.
 */
import type { Db } from '../database.ts'

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
