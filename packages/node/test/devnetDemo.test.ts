/** The devnet demo's miner start order (devnet/demo.ts): one after another to register, side by side once registered. */
import { describe, expect, it } from 'vitest'
import { type DEMO_MINERS, startDemoMiners } from '../src/devnet/demo.ts'

describe('devnet demo miners', () => {
  const tracked = () => {
    const log: string[] = []
    let running = 0
    let most = 0
    const start = async (demo: (typeof DEMO_MINERS)[number]) => {
      running += 1
      most = Math.max(most, running)
      log.push(`start ${demo.account}`)
      await new Promise((r) => setTimeout(r, 5))
      running -= 1
      if (demo.account === 5 && failing) throw new Error('miner 5 failed')
      return demo.account
    }
    let failing = false
    return { start, log, most: () => most, fail: () => (failing = true) }
  }

  it('starts unregistered miners one after another, in order', async () => {
    const t = tracked()
    expect(await startDemoMiners(t.start, () => false)).toEqual([4, 5, 6])
    expect(t.most()).toBe(1)
    expect(t.log).toEqual(['start 4', 'start 5', 'start 6'])
  })

  it('starts registered miners side by side, and reports a failure once all have ended', async () => {
    const t = tracked()
    expect(await startDemoMiners(t.start, () => true)).toEqual([4, 5, 6])
    expect(t.most()).toBe(3)
    const failing = tracked()
    failing.fail()
    await expect(startDemoMiners(failing.start, () => true)).rejects.toThrow('miner 5 failed')
    expect(failing.log).toHaveLength(3)
  })
})
