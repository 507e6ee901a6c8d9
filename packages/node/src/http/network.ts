/** Reads the indexed network (subnets with their neurons, recent events) from SQLite for the API. */
import type { Db } from '../db/database.ts'

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
