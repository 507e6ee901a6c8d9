/**
 * WAL checkpoints off the event loop (db/checkpointer.ts): with `backgroundCheckpoints`, the writer's own
 * autocheckpoint moves to a backstop, and the worker thread copies the log into the database file instead.
 */
import { rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, describe, expect, it } from 'vitest'
import { tempDir } from '../../../test/helpers/chain.ts'
import { BACKSTOP_PAGES } from '../src/db/checkpointer.ts'
import { migrations, openDatabase } from '../src/db/database.ts'

const dirs: string[] = []
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

/** Writes 2,000 one-row transactions of 2 KiB, in bursts with pauses as requests come; then the files' sizes. */
async function write({ background, threshold }: { background: boolean; threshold?: number }) {
  const dir = tempDir('mycel-checkpoint-')
  dirs.push(dir)
  const file = join(dir, 'node.db')
  const db = openDatabase(file, migrations, { backgroundCheckpoints: background, checkpoints: { delayMs: 0 } })
  await sleep(300) // the worker starts
  if (threshold !== undefined) db.pragma(`wal_autocheckpoint = ${threshold}`)
  db.exec('CREATE TABLE filler (id INTEGER PRIMARY KEY, body TEXT NOT NULL)')
  const insert = db.prepare('INSERT INTO filler (body) VALUES (?)')
  const one = db.transaction(() => insert.run('x'.repeat(2048)))
  for (let i = 0; i < 2000; i++) {
    one()
    if (i % 10 === 9) await sleep(1)
  }
  await sleep(1000) // a few checkpoint intervals
  const sizes = { database: statSync(file).size, log: statSync(`${file}-wal`).size }
  const autocheckpoint = db.pragma('wal_autocheckpoint', { simple: true })
  expect((db.prepare('SELECT COUNT(*) AS n FROM filler').get() as { n: number }).n).toBe(2000)
  db.close()
  return { ...sizes, autocheckpoint }
}

describe('background checkpoints', () => {
  it('copy the log into the database on a worker thread; the writer checkpoints only at the backstop', async () => {
    const background = await write({ background: true })
    expect(background.autocheckpoint).toBe(BACKSTOP_PAGES)
    // 4 MB of rows: in the database file, although the writer never reached its threshold (2,000 × a few pages).
    expect(background.database).toBeGreaterThan(4_000_000)
    // The same writes with the same threshold and no worker: everything stays in the log.
    const alone = await write({ background: false, threshold: BACKSTOP_PAGES })
    expect(alone.database).toBeLessThan(1_000_000)
    expect(alone.log).toBeGreaterThan(4_000_000)
  })
})
