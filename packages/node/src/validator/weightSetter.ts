/**
 * Automatic commit-reveal of a validator's weights in one subnet. Each tick it looks at the chain head and its
 * pending commit: it reveals once the window opens, drops a commit whose window passed, and commits fresh weights
 * once per tempo period, early in it (within the subnet's rate limit), so honest validators' rows describe the same
 * period. The pending commit's weights and salt are
 * written to SQLite before the commit is sent, so a restart still reveals it.
 */
import {
  commitWeights,
  decodeWeights,
  encodeWeights,
  getSubnetParams,
  getWeightsCommit,
  randomSalt,
  revealWeights,
  subnetRegistryAbi,
  toChainWeights,
  type WriteClient,
  weightsCommitHash,
} from '@mycel/sdk'
import type { Address, Hex } from 'viem'
import { getBlockNumber, getChainId, readContract } from 'viem/actions'
import type { Db } from '../db/database.ts'

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

type Pending = { packed: Hex; salt: Hex; commitBlock: bigint; revealFrom: bigint; revealUntil: bigint }

export function createWeightSetter(parameters: {
  db: Db
  wallet: WriteClient
  weights: Address
  registry: Address
  netuid: bigint
}): WeightSetter {
  const { db, wallet, netuid } = parameters
  const hotkey = wallet.account.address.toLowerCase()
  const read = () =>
    db
      .prepare(
        'SELECT packed, salt, commit_block, reveal_from, reveal_until FROM validator_commits WHERE netuid = ? AND hotkey = ?',
      )
      .get(Number(netuid), hotkey) as
      | { packed: Hex; salt: Hex; commit_block: number; reveal_from: number; reveal_until: number }
      | undefined
  const pending = (): Pending | null => {
    const row = read()
    return row
      ? {
          packed: row.packed,
          salt: row.salt,
          commitBlock: BigInt(row.commit_block),
          revealFrom: BigInt(row.reveal_from),
          revealUntil: BigInt(row.reveal_until),
        }
      : null
  }
  const clear = () =>
    db.prepare('DELETE FROM validator_commits WHERE netuid = ? AND hotkey = ?').run(Number(netuid), hotkey)
  /** A commit written to SQLite whose transaction's fate is unknown (the process stopped): ask the chain. */
  async function reconcile(open: Pending): Promise<Pending | null> {
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
    db.prepare(
      'UPDATE validator_commits SET commit_block = ?, reveal_from = ?, reveal_until = ? WHERE netuid = ? AND hotkey = ?',
    ).run(Number(fixed.commitBlock), Number(fixed.revealFrom), Number(fixed.revealUntil), Number(netuid), hotkey)
    lastCommit = fixed.commitBlock
    return fixed
  }
  let lastCommit: bigint | null = null
  const lastRow = db
    .prepare('SELECT MAX(commit_block) AS b FROM validator_weights WHERE netuid = ? AND hotkey = ?')
    .get(Number(netuid), hotkey) as { b: number | null }
  if (lastRow.b !== null) lastCommit = BigInt(lastRow.b)
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
        const { revealBlock } = await revealWeights(wallet, {
          weights: parameters.weights,
          netuid,
          packed: open.packed,
          salt: open.salt,
        })
        clear()
        db.prepare(
          'INSERT OR REPLACE INTO validator_weights (netuid, hotkey, commit_block, reveal_block, packed) VALUES (?, ?, ?, ?, ?)',
        ).run(Number(netuid), hotkey, Number(open.commitBlock), Number(revealBlock), open.packed)
        return { kind: 'revealed', netuid, block: revealBlock, weights: decodeWeights(open.packed) }
      }
      const params = await getSubnetParams(wallet, { registry: parameters.registry, netuid })
      const subnet = await readContract(wallet, {
        address: parameters.registry,
        abi: subnetRegistryAbi,
        functionName: 'getSubnet',
        args: [netuid],
      })
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
      db.prepare(
        'INSERT OR REPLACE INTO validator_commits (netuid, hotkey, packed, salt, commit_block, reveal_from, reveal_until) VALUES (?, ?, ?, ?, 0, 0, 0)',
      ).run(Number(netuid), hotkey, encodeWeights(chainWeights), salt)
      let result: Awaited<ReturnType<typeof commitWeights>>
      try {
        result = await commitWeights(wallet, { weights: parameters.weights, netuid, values: chainWeights, salt })
      } catch (error) {
        clear()
        throw error
      }
      const { revealFrom, revealUntil } = result
      db.prepare(
        'UPDATE validator_commits SET commit_block = ?, reveal_from = ?, reveal_until = ? WHERE netuid = ? AND hotkey = ?',
      ).run(Number(result.commitBlock), Number(revealFrom), Number(revealUntil), Number(netuid), hotkey)
      lastCommit = result.commitBlock
      return { kind: 'committed', netuid, block: result.commitBlock, revealFrom, revealUntil }
    },
  }
}
