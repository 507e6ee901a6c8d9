/**
 * Moves SQLite's WAL checkpoints off the event loop. With `journal_mode = WAL` and `synchronous = NORMAL` a commit
 * does not wait for the disk, but every 1,000 pages the committing connection copies the log into the database file
 * and syncs both, on the event loop, inside whichever request's transaction crossed the threshold: measured here, that
 * took a write from about 50 µs to 100–185 µs of event-loop time on average. A worker thread with its own connection
 * runs a PASSIVE checkpoint every `intervalMs` instead (it never blocks the writer), so the database file keeps up with
 * the log. The writer's own autocheckpoint moves to `BACKSTOP_PAGES`: it still restarts the log from its beginning when
 * it gets there (a checkpoint that overlaps writes cannot), but finds nearly everything copied already, so it blocks
 * the event loop a tenth as often and for less; and it is what remains should the worker fall behind or fail.
 */
import { Worker } from 'node:worker_threads'
import type { Db } from './database.ts'

/** The writer's own autocheckpoint threshold once a checkpointer runs (pages of 4 KiB: 40 MiB of log). */
export const BACKSTOP_PAGES = 10_000
export const CHECKPOINT_INTERVAL_MS = 200

/** Starts checkpointing `file` in the background; `stop` ends it (call it before closing `db`). */
export function startCheckpointer(db: Db, file: string, intervalMs = CHECKPOINT_INTERVAL_MS): { stop: () => void } {
  let worker: Worker
  try {
    worker = new Worker(new URL('./checkpointWorker.mjs', import.meta.url), { workerData: { file, intervalMs } })
  } catch {
    return { stop: () => {} } // no worker: the writer keeps checkpointing itself
  }
  worker.unref()
  // Should the worker fail, the writer checkpoints itself again at the usual threshold.
  worker.on('error', () => db.open && db.pragma('wal_autocheckpoint = 1000'))
  db.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`)
  let stopped = false
  return {
    stop: () => {
      if (stopped) return
      stopped = true
      worker.postMessage('stop')
    },
  }
}
