/**
 * The node's duty loops: steps repeat, failures are logged without stopping the loop, and stopping never waits
 * longer than the grace period for a step that hangs (a receipt from a chain that is gone).
 */
import { describe, expect, it } from 'vitest'
import { createDutyLoops } from '../src/common/dutyLoops.ts'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const recorder = () => {
  const lines: string[] = []
  return { lines, warn: (o: object) => lines.push((o as { msg: string }).msg) }
}

describe('duty loops', () => {
  it('repeats each step, logs a failure and goes on, and runs nothing after stop', async () => {
    const log = recorder()
    const duties = createDutyLoops(log, 1000)
    let ok = 0
    let failing = 0
    duties.loop('counting', 5, async () => {
      ok += 1
    })
    duties.loop('failing', 5, async () => {
      failing += 1
      throw new Error('the chain said no\nwith details')
    })
    await sleep(100)
    expect(ok).toBeGreaterThan(3)
    expect(failing).toBeGreaterThan(3)
    expect(log.lines).toContain('failing failed')
    await duties.stop()
    const after = { ok, failing }
    await sleep(50)
    expect({ ok, failing }).toEqual(after)
    expect(log.lines.some((l) => l.includes('still running'))).toBe(false)
  })

  it('gives a step that hangs the grace period, then stops without it; a step that honours the signal ends early', async () => {
    const log = recorder()
    const duties = createDutyLoops(log, 300)
    let aborted = false
    duties.loop('hanging', 10, () => new Promise(() => {}))
    duties.loop('polite', 10, (signal) => {
      return new Promise<void>((resolve) => {
        signal.addEventListener('abort', () => {
          aborted = true
          resolve()
        })
      })
    })
    await sleep(30)
    const started = performance.now()
    await duties.stop()
    const took = performance.now() - started
    expect(took).toBeGreaterThanOrEqual(290)
    expect(took).toBeLessThan(1000)
    expect(aborted).toBe(true)
    expect(log.lines).toEqual(['hanging still running at shutdown; not waiting for it'])
  })
})
