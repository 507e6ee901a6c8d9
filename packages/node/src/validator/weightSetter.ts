/**
 * Automatic commit-reveal of a validator's weights in one subnet. Each tick it looks at the chain head and its
 * pending commit: it reveals once the window opens, drops a commit whose window passed, and commits fresh weights
 * once per tempo period, early in it (within the subnet's rate limit), so honest validators' rows describe the same
 * period. The pending commit's weights and salt are
 * written to SQLite before the commit is sent, so a restart still reveals it (db/stores/weights.ts). Commits and
 * reveals take turns with every other send from the same account through the node's transaction queue.
 */
import {
  commitWeights,
  decodeWeights,
  encodeWeights,
  getSubnet,
  getSubnetParams,
  getWeightsCommit,
  randomSalt,
  revealWeights,
  toChainWeights,
  type WriteClient,
  weightsCommitHash,
} from '@mycel/sdk'
import type { Address } from 'viem'
import { getBlockNumber, getChainId } from 'viem/actions'
import type { TxQueue } from '../chain/txQueue.ts'
import type { Db } from '../db/database.ts'
import {
  clearPendingCommit,
  getPendingCommit,
  lastRevealedCommitBlock,
  type PendingCommit,
  putPendingCommit,
  recordRevealedWeights,
  setPendingCommitBlocks,
} from '../db/stores/weights.ts'

export type WeightSetterEvent =
  | { kind: 'committed'; netuid: bigint; block: bigint; revealFrom: bigint; revealUntil: bigint }
  | { kind: 'revealed'; netuid: bigint; block: bigint; weights: number[] }
  | { kind: 'expired'; netuid: bigint; commitBlock: bigint }

export type WeightSetter = {
  /**
   * One step; `scores` gives the weights to commit for the subnet's current uid count (one per uid) in tempo period
   * `period` (counted from the subnet's creation), or null to skip committing this time.
   */
  tick: (scores: (uidCount: number, period: number) => number[] | null) => Promise<WeightSetterEvent | null>
  lastCommitBlock: () => bigint | null
}

export function createWeightSetter(parameters: {
  db: Db
  wallet: WriteClient
  weights: Address
  registry: Address
  netuid: bigint
  /** The node's per-account transaction queue: commits and reveals take turns with the account's other sends. */
  txQueue: TxQueue
}): WeightSetter {
  const { db, wallet, netuid } = parameters
  const hotkey = wallet.account.address
  const send = <result>(tx: () => Promise<result>) => parameters.txQueue.run(hotkey, tx)
  const pending = () => getPendingCommit(db, netuid, hotkey)
  const clear = () => clearPendingCommit(db, netuid, hotkey)
  /** A commit written to SQLite whose transaction's fate is unknown (the process stopped): ask the chain. */
  async function reconcile(open: PendingCommit): Promise<PendingCommit | null> {
    const onChain = await getWeightsCommit(wallet, {
      weights: parameters.weights,
      netuid,
      hotkey: wallet.account.address,
    })
    const ours =
      onChain &&
      onChain.hash ===
        weightsCommitHash({
          chainId: await getChainId(wallet),
          weightsContract: parameters.weights,
          netuid,
          hotkey: wallet.account.address,
          packed: open.packed,
          salt: open.salt,
        })
    if (!onChain || !ours) {
      clear()
      return null
    }
    const fixed = {
      ...open,
      commitBlock: onChain.commitBlock,
      revealFrom: onChain.revealFrom,
      revealUntil: onChain.revealUntil,
    }
    setPendingCommitBlocks(db, netuid, hotkey, fixed)
    lastCommit = fixed.commitBlock
    return fixed
  }
  let lastCommit: bigint | null = lastRevealedCommitBlock(db, netuid, hotkey)
  const open0 = pending()
  if (open0 && open0.commitBlock > (lastCommit ?? 0n)) lastCommit = open0.commitBlock

  return {
    lastCommitBlock: () => lastCommit,
    async tick(scores) {
      const head = await getBlockNumber(wallet, { cacheTime: 0 })
      let open = pending()
      if (open && open.commitBlock === 0n) open = await reconcile(open)
      if (open) {
        if (head + 1n >= open.revealUntil) {
          clear()
          return { kind: 'expired', netuid, commitBlock: open.commitBlock }
        }
        // Calls are simulated against the latest block, so that block must already be inside the window.
        if (head < open.revealFrom) return null
        const onChain = await getWeightsCommit(wallet, {
          weights: parameters.weights,
          netuid,
          hotkey: wallet.account.address,
        })
        if (!onChain || onChain.commitBlock !== open.commitBlock) {
          // Replaced or already revealed (a crash after the reveal landed): nothing left to open.
          clear()
          return null
        }
        const { packed, salt } = open
        const { revealBlock } = await send(() =>
          revealWeights(wallet, { weights: parameters.weights, netuid, packed, salt }),
        )
        clear()
        recordRevealedWeights(db, netuid, hotkey, { commitBlock: open.commitBlock, revealBlock, packed })
        return { kind: 'revealed', netuid, block: revealBlock, weights: decodeWeights(open.packed) }
      }
      const params = await getSubnetParams(wallet, { registry: parameters.registry, netuid })
      const subnet = await getSubnet(wallet, { registry: parameters.registry, netuid })
      // One commit per tempo period (periods start at the subnet's creation, as epoch snapshots do), as early in the
      // period as allowed: every validator's row then reflects the same period and is revealed in the next one.
      const tempo = BigInt(params.tempo)
      const period = (block: bigint) => (block - subnet.createdAtBlock) / tempo
      if (lastCommit !== null) {
        if (period(head) <= period(lastCommit)) return null
        if (head < lastCommit + BigInt(params.weightsRateLimit)) return null
      }
      const values = scores(Number(subnet.nextUid), Number(period(head)))
      if (!values || values.every((x) => x <= 0)) return null
      const chainWeights = toChainWeights(values, values.length)
      const salt = randomSalt()
      // Written first: if the process dies after the commit lands, the next start can still reveal it.
      putPendingCommit(db, netuid, hotkey, encodeWeights(chainWeights), salt)
      let result: Awaited<ReturnType<typeof commitWeights>>
      try {
        result = await send(() =>
          commitWeights(wallet, { weights: parameters.weights, netuid, values: chainWeights, salt }),
        )
      } catch (error) {
        clear()
        throw error
      }
      const { revealFrom, revealUntil } = result
      setPendingCommitBlocks(db, netuid, hotkey, { commitBlock: result.commitBlock, revealFrom, revealUntil })
      lastCommit = result.commitBlock
      return { kind: 'committed', netuid, block: result.commitBlock, revealFrom, revealUntil }
    },
  }
}
