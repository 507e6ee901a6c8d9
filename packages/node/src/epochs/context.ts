/**
 * What the epoch keeper's duties (propose, check, finalize, claim) share: the keeper's parameters, its caches
 * (settled epochs, checked builds, the claim queue), the immutable epoch settings, and the steps every duty takes —
 * building an epoch from the chain's own records, recording it (db/stores/epochs.ts), finding the final epoch
 * before one, and sending a transaction in the account's turn (the node's per-account queue).
 */
import {
  type BuiltEpoch,
  buildEpoch,
  type EpochContracts,
  type EpochHeader,
  type EpochProposal,
  getEpochProposals,
  getEpochSettings,
  previousOf,
  readEpochState,
  type SettledEpoch,
  type WriteClient,
} from '@mycel/sdk'
import type { Logger } from 'pino'
import type { Address } from 'viem'
import { createTxQueue, type TxQueue } from '../chain/txQueue.ts'
import type { Metrics } from '../common/metrics.ts'
import type { Db } from '../db/database.ts'
import { loadFinalEpoch, recordEpoch } from '../db/stores/epochs.ts'
import { FinalProposalUnreadableError } from './errors.ts'

export type EpochKeeperEvent =
  | { kind: 'proposed'; netuid: bigint; epoch: bigint }
  | { kind: 'disputed'; netuid: bigint; epoch: bigint; part: string; reason: string }
  | { kind: 'finalized'; netuid: bigint; epoch: bigint; matches: boolean }
  | { kind: 'claimed'; netuid: bigint; epoch: bigint; claims: number }

export type EpochKeeperParameters = {
  db: Db
  wallet: WriteClient
  contracts: EpochContracts
  netuids: () => Promise<bigint[]>
  logger: Logger
  /** Propose epochs nobody proposed (a checker alone only disputes and finalizes). */
  propose: boolean
  /** Claim every share of a final epoch, or only those of these hotkeys (lowercase). */
  claimFor: 'all' | Set<string>
  /** Where the settlement lag per subnet is published (`mycel_epoch_lag_blocks`). */
  metrics?: Metrics
  /**
   * The node's per-account transaction queue (`common.txQueue`): every transaction the keeper sends takes turns
   * with the other sends from its account (a validator's commits and reveals). Without it, a queue of the keeper's
   * own: its sends then only take turns with each other.
   */
  txQueue?: TxQueue
}

export type EpochSettings = Awaited<ReturnType<typeof getEpochSettings>>

export type KeeperContext = {
  parameters: EpochKeeperParameters
  wallet: WriteClient
  contracts: EpochContracts
  log: Logger
  /** Runs `tx` (one transaction, or one SDK action's transactions) in the keeper account's turn. */
  send: <result>(tx: () => Promise<result>) => Promise<result>
  /** Per subnet, the last final epoch (its number and record), so a tick does not reload it. */
  settledCache: Map<bigint, { epoch: bigint; settled: SettledEpoch }>
  /** Per subnet, the pending proposal checked last (`epoch:headerHash`). */
  checked: Map<bigint, string>
  /** Per subnet, this node's build of the pending proposal it checked (reused when finalizing). */
  checkedBuild: Map<bigint, { key: string; built: BuiltEpoch }>
  /** Per subnet, final epochs with shares still to claim, oldest first. */
  claimQueue: Map<bigint, { epoch: bigint; settled: SettledEpoch }[]>
  /** The proposer bond, challenge window and emission rate: immutable, read once. */
  epochSettings: () => Promise<EpochSettings>
  /** This node's build of epoch with snapshot `snapshot`, after `previous`, from the chain's own records. */
  build: (netuid: bigint, snapshot: bigint, previous: SettledEpoch | null, neurons?: number) => Promise<BuiltEpoch>
  /** Records an epoch with this node's build (an emission of 0 keeps the one recorded before). */
  record: (
    netuid: bigint,
    epoch: bigint,
    proposer: Address,
    header: EpochHeader,
    proposal: EpochProposal,
    built: BuiltEpoch,
    final: boolean,
    emission?: bigint,
  ) => void
  /** The final epoch `epoch - 1`, from SQLite or rebuilt from the chain (every earlier one first, if needed). */
  previousSettled: (netuid: bigint, epoch: bigint) => Promise<SettledEpoch | null>
}

export function createKeeperContext(parameters: EpochKeeperParameters): KeeperContext {
  const { db, wallet, contracts, logger } = parameters
  const txQueue = parameters.txQueue ?? createTxQueue()
  const account = wallet.account.address
  let settings: EpochSettings | undefined

  const context: KeeperContext = {
    parameters,
    wallet,
    contracts,
    log: logger.child({ role: 'epochs' }),
    send: (tx) => txQueue.run(account, tx),
    settledCache: new Map(),
    checked: new Map(),
    checkedBuild: new Map(),
    claimQueue: new Map(),
    async epochSettings() {
      settings ??= await getEpochSettings(wallet, { epochs: contracts.epochs })
      return settings
    },
    build(netuid, snapshot, previous, neurons) {
      return readEpochState(wallet, {
        ...contracts,
        netuid,
        snapshot,
        previous: previous ? previousOf(previous.built) : null,
        ...(neurons === undefined ? {} : { neurons }),
      }).then(buildEpoch)
    },
    record(netuid, epoch, proposer, header, proposal, built, final, emission = 0n) {
      recordEpoch(db, { netuid, epoch, proposer, header, proposal, built, final, emission })
    },
    async previousSettled(netuid, epoch) {
      if (epoch === 0n) return null
      const cached = context.settledCache.get(netuid)
      if (cached?.epoch === epoch - 1n) return cached.settled
      const stored = loadFinalEpoch(db, netuid, epoch - 1n)
      if (stored) {
        context.settledCache.set(netuid, { epoch: epoch - 1n, settled: stored })
        return stored
      }
      const before = await context.previousSettled(netuid, epoch - 1n)
      const proposals = await getEpochProposals(wallet, { epochs: contracts.epochs, netuid, epoch: epoch - 1n })
      const final = proposals.at(-1)
      if (!final?.proposal) throw new FinalProposalUnreadableError({ netuid, epoch: epoch - 1n })
      const built = await context.build(netuid, final.header.snapshotBlock, before, final.header.neurons)
      context.record(netuid, epoch - 1n, final.proposer, final.header, final.proposal, built, true)
      const settled = { header: final.header, proposal: final.proposal, built }
      context.settledCache.set(netuid, { epoch: epoch - 1n, settled })
      return settled
    },
  }
  return context
}
