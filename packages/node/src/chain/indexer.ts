/**
 * The chain watcher: follows the SubnetRegistry's events into SQLite so the HTTP API and the dashboard read the
 * network from a local index instead of many RPC calls. It remembers the last indexed block and its hash (a restart
 * resumes there) and the chain it indexed (chain id + registry address): if the chain was reset, that block's hash
 * differs (or the block is gone) and the index is rebuilt from the deployment block. The genesis hash is no part of
 * the identity: anvil restoring a state dump makes up a new genesis block each time, which rebuilt the whole index
 * on every restart.
 */
import { type NeuronRole, neuronRoles, subnetRegistryAbi } from '@mycel/sdk'
import { type Log, type PublicClient, parseEventLogs } from 'viem'
import { getBlock, getBlockNumber, getLogs } from 'viem/actions'
import type { Common } from '../common/common.ts'
import { type Db, getMeta, setMeta } from '../db/database.ts'
import { clearNetworkIndex, networkIndexWriter } from '../db/stores/network.ts'

const MAX_RANGE = 2000n

export type Indexer = {
  /** Indexes up to the chain head once; returns the block reached. */
  syncOnce: () => Promise<bigint>
  /** Polls until stopped. */
  start: () => void
  stop: () => Promise<void>
  readonly indexedBlock: bigint
  readonly synced: boolean
  /** Why the last poll failed (e.g. the chain stopped answering); undefined while polls succeed. */
  readonly lastError: string | undefined
}

export async function createIndexer(
  common: Common,
  db: Db,
  client: PublicClient,
  { registry, fromBlock }: { registry: `0x${string}`; fromBlock: bigint },
): Promise<Indexer> {
  const { logger, metrics } = common
  const identity = `${client.chain?.id}:${registry.toLowerCase()}`
  const confirmations = BigInt(common.options.confirmations)

  /** Empties the index; it is rebuilt from the registry's deployment block. */
  const rebuild = (reason: string) => {
    db.transaction(() => {
      clearNetworkIndex(db)
      setMeta(db, 'chain_identity', identity)
      setMeta(db, 'indexed_block', (fromBlock - 1n).toString())
      setMeta(db, 'indexed_hash', '')
    })()
    logger.info({ msg: 'index rebuilt', reason, chainId: client.chain?.id, registry })
    return fromBlock - 1n
  }
  let indexed =
    getMeta(db, 'chain_identity') === identity
      ? BigInt(getMeta(db, 'indexed_block') ?? (fromBlock - 1n).toString())
      : rebuild('new chain or registry')
  let synced = false
  let lastError: string | undefined
  let timer: NodeJS.Timeout | undefined
  let running: Promise<unknown> | undefined
  let stopped = false

  const index = networkIndexWriter(db)

  const apply = db.transaction((logs: Log[], toBlock: bigint, toHash: `0x${string}` | null) => {
    for (const event of parseEventLogs({ abi: subnetRegistryAbi, logs })) {
      const block = Number(event.blockNumber)
      const a = event.args as Record<string, unknown>
      switch (event.eventName) {
        case 'SubnetCreated':
          index.subnetCreated({
            netuid: Number(a.netuid),
            owner: a.owner,
            name: a.name,
            taskType: a.taskType,
            scoringSpecCid: a.scoringSpecCid,
            maxNeurons: Number(a.maxNeurons),
            registrationCost: String(a.registrationCost),
            block,
          })
          break
        case 'NeuronRegistered':
          index.neuronRegistered({
            netuid: Number(a.netuid),
            uid: Number(a.uid),
            hotkey: a.hotkey,
            role: neuronRoles[Number(a.role)] satisfies NeuronRole | undefined,
            endpoint: a.endpoint,
            metadataCid: a.metadataCid,
            block,
          })
          break
        case 'NeuronEndpointUpdated':
          index.endpointUpdated({ netuid: Number(a.netuid), uid: Number(a.uid), endpoint: a.endpoint })
          break
        case 'NeuronMetadataUpdated':
          index.metadataUpdated({ netuid: Number(a.netuid), uid: Number(a.uid), metadataCid: a.metadataCid })
          break
        case 'NeuronDeregistered':
          index.neuronDeregistered({ netuid: Number(a.netuid), uid: Number(a.uid) })
          break
      }
      index.event({
        block,
        logIndex: event.logIndex,
        txHash: event.transactionHash,
        name: event.eventName,
        args: JSON.stringify(a, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)),
      })
    }
    setMeta(db, 'indexed_block', toBlock.toString())
    setMeta(db, 'indexed_hash', toHash ?? '')
  })

  /**
   * True when the chain no longer has the block the index ends at: it went back (an anvil that lost its last
   * seconds to a SIGKILL) or reorganised. The stored hash of the last indexed block tells.
   */
  async function rewound(head: bigint): Promise<boolean> {
    if (indexed < fromBlock) return false
    if (indexed > head) return true
    const stored = getMeta(db, 'indexed_hash')
    if (!stored) return false
    const block = await getBlock(client, { blockNumber: indexed })
    return block.hash !== stored
  }

  let range = MAX_RANGE
  async function syncOnce(): Promise<bigint> {
    const latest = await getBlockNumber(client, { cacheTime: 0 })
    const head = latest > confirmations ? latest - confirmations : 0n
    if (await rewound(latest)) indexed = rebuild(`the chain no longer has block ${indexed} as indexed`)
    while (indexed < head && !stopped) {
      const from = indexed + 1n
      const to = head - from >= range ? from + range - 1n : head
      let logs: Log[]
      try {
        logs = await getLogs(client, { address: registry, fromBlock: from, toBlock: to })
      } catch (error) {
        // Providers cap eth_getLogs ranges differently: halve the range and retry, down to one block.
        if (range === 1n) throw error
        range = range / 2n
        logger.debug({ msg: 'getLogs failed, narrowing the range', range })
        continue
      }
      const hash = (await getBlock(client, { blockNumber: to })).hash
      apply(logs, to, hash)
      indexed = to
      if (logs.length > 0) logger.debug({ msg: 'indexed logs', from, to, count: logs.length })
    }
    synced = true
    metrics.set('mycel_chain_head_block', 'Latest block number seen on the chain.', Number(latest))
    metrics.set('mycel_indexed_block', 'Last block whose events are indexed.', Number(indexed))
    return indexed
  }

  const loop = async () => {
    try {
      running = syncOnce()
      await running
      if (lastError !== undefined) logger.info({ msg: 'chain reachable again' })
      lastError = undefined
    } catch (error) {
      metrics.inc('mycel_indexer_errors_total', 'Failed index polls.')
      const first = (error as Error).message.split('\n')[0] ?? 'unknown error'
      if (lastError === undefined) logger.warn({ msg: 'index poll failed', err: first })
      lastError = first
    } finally {
      running = undefined
      if (!stopped) timer = setTimeout(loop, common.options.pollIntervalMs)
    }
  }

  return {
    syncOnce,
    start: () => {
      stopped = false
      timer = setTimeout(loop, common.options.pollIntervalMs)
    },
    stop: async () => {
      stopped = true
      if (timer) clearTimeout(timer)
      await running?.catch(() => {})
    },
    get indexedBlock() {
      return indexed
    },
    get synced() {
      return synced
    },
    get lastError() {
      return lastError
    },
  }
}
