/**
 * A validator's weights, and the only place holding their SQL: the commit awaiting its reveal (`validator_commits`,
 * written before the commit is sent so a restart can still reveal it) and the rows it revealed
 * (`validator_weights`). The weight setter (validator/weightSetter.ts) runs commit-reveal; this module reads and
 * writes rows. Hotkeys are stored lowercase.
 */
import type { Address, Hex } from 'viem'
import type { Db } from '../database.ts'

/** A commit awaiting its reveal; `commitBlock` 0 while the commit transaction's fate is unknown. */
export type PendingCommit = { packed: Hex; salt: Hex; commitBlock: bigint; revealFrom: bigint; revealUntil: bigint }

/** The commit of `hotkey` in subnet `netuid` awaiting its reveal, if any. */
export function getPendingCommit(db: Db, netuid: bigint, hotkey: Address): PendingCommit | null {
  const row = db
    .prepare(
      'SELECT packed, salt, commit_block, reveal_from, reveal_until FROM validator_commits WHERE netuid = ? AND hotkey = ?',
    )
    .get(Number(netuid), hotkey.toLowerCase()) as
    | { packed: Hex; salt: Hex; commit_block: number; reveal_from: number; reveal_until: number }
    | undefined
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

/** Records a commit about to be sent (its blocks unknown yet: 0), replacing any earlier one. */
export function putPendingCommit(db: Db, netuid: bigint, hotkey: Address, packed: Hex, salt: Hex): void {
  db.prepare(
    'INSERT OR REPLACE INTO validator_commits (netuid, hotkey, packed, salt, commit_block, reveal_from, reveal_until) VALUES (?, ?, ?, ?, 0, 0, 0)',
  ).run(Number(netuid), hotkey.toLowerCase(), packed, salt)
}

/** Sets the blocks of the pending commit once the chain has them. */
export function setPendingCommitBlocks(
  db: Db,
  netuid: bigint,
  hotkey: Address,
  blocks: { commitBlock: bigint; revealFrom: bigint; revealUntil: bigint },
): void {
  db.prepare(
    'UPDATE validator_commits SET commit_block = ?, reveal_from = ?, reveal_until = ? WHERE netuid = ? AND hotkey = ?',
  ).run(
    Number(blocks.commitBlock),
    Number(blocks.revealFrom),
    Number(blocks.revealUntil),
    Number(netuid),
    hotkey.toLowerCase(),
  )
}

/** Forgets the pending commit (revealed, expired, replaced or never sent). */
export function clearPendingCommit(db: Db, netuid: bigint, hotkey: Address): void {
  db.prepare('DELETE FROM validator_commits WHERE netuid = ? AND hotkey = ?').run(Number(netuid), hotkey.toLowerCase())
}

/** The commit block of the last row `hotkey` revealed in subnet `netuid`, or null. */
export function lastRevealedCommitBlock(db: Db, netuid: bigint, hotkey: Address): bigint | null {
  const row = db
    .prepare('SELECT MAX(commit_block) AS b FROM validator_weights WHERE netuid = ? AND hotkey = ?')
    .get(Number(netuid), hotkey.toLowerCase()) as { b: number | null }
  return row.b === null ? null : BigInt(row.b)
}

/** Records a revealed row. */
export function recordRevealedWeights(
  db: Db,
  netuid: bigint,
  hotkey: Address,
  row: { commitBlock: bigint; revealBlock: bigint; packed: Hex },
): void {
  db.prepare(
    'INSERT OR REPLACE INTO validator_weights (netuid, hotkey, commit_block, reveal_block, packed) VALUES (?, ?, ?, ?, ?)',
  ).run(Number(netuid), hotkey.toLowerCase(), Number(row.commitBlock), Number(row.revealBlock), row.packed)
}
