/**
 * The content store's pins: the roots (CIDs) a node keeps, with their size and block count, and the only place
 * holding that SQL. Pins live in their own database, `<dataDir>/content/pins.db`, so the content store is one
 * self-contained folder (the CLI opens it without the node's database, and its migrations never collide with the
 * node's numbering).
 */
import type { Db, Migration } from '../database.ts'

export const contentMigrations: Migration[] = [
  {
    version: 1,
    name: 'content pins',
    up: `
      CREATE TABLE pins (
        cid TEXT PRIMARY KEY,
        size INTEGER NOT NULL,
        blocks INTEGER NOT NULL,
        name TEXT NOT NULL DEFAULT '',
        pinned_at TEXT NOT NULL
      );
    `,
  },
]

/** A pinned root: `size` is the file's (or directory's files') bytes, `blocks` the DAG's block count. */
export type Pin = { cid: string; size: number; blocks: number; name: string; pinnedAt: string }

/** Pins `cid` (or updates its size, blocks and name when already pinned). */
export function putPin(db: Db, pin: Omit<Pin, 'pinnedAt'>): void {
  db.prepare(
    `INSERT INTO pins (cid, size, blocks, name, pinned_at) VALUES (@cid, @size, @blocks, @name, @pinnedAt)
     ON CONFLICT(cid) DO UPDATE SET size = excluded.size, blocks = excluded.blocks,
       name = CASE WHEN excluded.name != '' THEN excluded.name ELSE pins.name END`,
  ).run({ ...pin, pinnedAt: new Date().toISOString() })
}

/** Removes the pin of `cid`; whether there was one. */
export function deletePin(db: Db, cid: string): boolean {
  return db.prepare('DELETE FROM pins WHERE cid = ?').run(cid).changes > 0
}

/** Every pin, oldest first. */
export function readPins(db: Db): Pin[] {
  return db
    .prepare('SELECT cid, size, blocks, name, pinned_at AS pinnedAt FROM pins ORDER BY pinned_at, cid')
    .all() as Pin[]
}

/** The pin of `cid`, if any. */
export function readPin(db: Db, cid: string): Pin | undefined {
  return db.prepare('SELECT cid, size, blocks, name, pinned_at AS pinnedAt FROM pins WHERE cid = ?').get(cid) as
    | Pin
    | undefined
}
