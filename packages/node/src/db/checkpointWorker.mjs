// Checkpoints the node's SQLite write-ahead log on a thread of its own (see checkpointer.ts). Plain JavaScript, like
// payments/verifierWorker.mjs, so that it starts the same way under tsx or not.
import { createRequire } from 'node:module'
import { parentPort, workerData } from 'node:worker_threads'

const Database = createRequire(import.meta.url)('better-sqlite3')
const db = new Database(workerData.file, { fileMustExist: true })
db.pragma('synchronous = NORMAL')
// Waits for nothing: a checkpoint that would block on a reader or the writer copies what it can and returns.
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)')
  } catch {
    // A busy or closing database: the next tick tries again (and the writer's own autocheckpoint is the backstop).
  }
}, workerData.intervalMs)
parentPort.postMessage('ready')
parentPort.on('message', (message) => {
  if (message !== 'stop') return
  clearInterval(timer)
  db.close()
  parentPort.close()
})
