/**
 * Moves SQLite's WAL checkpoints off the event loop. With `journal_mode = WAL` and `synchronous = NORMAL` a commit
 * does not wait for the disk, but every 1,000 pages the committing connection copies the log into the database file
 * and syncs both, on the event loop, inside whichever request's transaction crossed the threshold: measured here, that
 * took a write from about 50 µs to 100–185 µs of event-loop time on average. A worker thread with its own connection
 * runs a PASSIVE checkpoint every `intervalMs` instead (it never blocks the writer), so the database file keeps up with
 * the log. The writer's own autocheckpoint moves to `BACKSTOP_PAGES`: it still restarts the log from its beginning when
 * it gets there (a checkpoint that overlaps writes cannot), but finds nearly everything copied already, so it blocks
 * the event loop a tenth as often and for less; and it is what remains should the worker fall behind or fail.
 *
 * The worker starts `delayMs` after the database opens (its ~80 ms of start-up CPU stays out of the node's start-up);
 * until it is ready the writer checkpoints as before.
 */
import { Worker } from 'node:worker_threads'
import type Database from 'better-sqlite3'

type Db = Database.Database

/** The writer's own autocheckpoint threshold once a checkpointer runs (pages of 4 KiB: 40 MiB of log). */
export const BACKSTOP_PAGES = 10_000
/** SQLite's default, which the writer keeps until the worker is ready (and returns to if it fails). */
const OWN_PAGES = 1000
export const CHECKPOINT_INTERVAL_MS = 200
export const CHECKPOINT_START_DELAY_MS = 5_000

export type CheckpointerOptions = { intervalMs?: number; delayMs?: number }

/** Starts checkpointing `file` in the background; `stop` ends it (call it before closing `db`). */
export function startCheckpointer(
  db: Db,
  file: string,
  { intervalMs = CHECKPOINT_INTERVAL_MS, delayMs = CHECKPOINT_START_DELAY_MS }: CheckpointerOptions = {},
): { stop: () => void } {
  let worker: Worker | undefined
  let stopped = false
  const own = () => {
    if (db.open) db.pragma(`wal_autocheckpoint = ${OWN_PAGES}`)
  }
  const spawn = () => {
    if (stopped) return
    try {
      // Plain JavaScript: no loader hooks inherited from the parent (tsx would cost ~0.2 s of CPU more to start).
      worker = new Worker(new URL('./checkpointWorker.mjs', import.meta.url), {
        workerData: { file, intervalMs },
        execArgv: [],
      })
    } catch {
      return // no worker: the writer keeps checkpointing itself
    }
    worker.unref()
    worker.on('message', (message) => {
      if (message === 'ready' && !stopped && db.open) db.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`)
    })
    worker.on('error', own)
    worker.on('exit', own)
  }
  const timer = setTimeout(spawn, delayMs)
  timer.unref()
  return {
    stop: () => {
      if (stopped) return
      stopped = true
      clearTimeout(timer)
      worker?.postMessage('stop')
    },
  }
}
