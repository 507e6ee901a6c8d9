import { describe, expect, it } from 'vitest'
import { sharedFor } from '../src/common/shared.ts'

describe('sharedFor', () => {
  it('shares one computation among concurrent and recent callers, per key, and recomputes after the period', async () => {
    let clock = 0
    let computed = 0
    const view = sharedFor(
      1000,
      async (key: number) => {
        computed++
        await new Promise((r) => setTimeout(r, 5))
        return `${key}:${computed}`
      },
      { now: () => clock },
    )
    const first = await Promise.all(Array.from({ length: 50 }, () => view(30)))
    expect(new Set(first)).toEqual(new Set(['30:1']))
    clock = 999
    expect(await view(30)).toBe('30:1')
    expect(await view(5)).toBe('5:2')
    clock = 1000
    expect(await view(30)).toBe('30:3')
    expect(computed).toBe(3)
  })

  it('shares a computation that outlasts the period with every caller until it ends', async () => {
    let clock = 0
    let computed = 0
    let finish: (value: string) => void = () => {}
    const view = sharedFor(
      1000,
      () => {
        computed++
        return new Promise<string>((resolve) => {
          finish = resolve
        })
      },
      { now: () => clock },
    )
    const first = view('all')
    clock = 5000 // long past the period, still running: no second computation
    const late = view('all')
    expect(late).toBe(first)
    expect(computed).toBe(1)
    finish('walked')
    expect(await late).toBe('walked')
    // Ended, and past its period: the next caller starts the next computation.
    void view('all')
    expect(computed).toBe(2)
  })

  it('with stale, answers from the last computation when a refresh outlasts waitMs, never one older than maxAgeMs', async () => {
    let clock = 0
    let computed = 0
    const finishers: ((value: string) => void)[] = []
    const view = sharedFor(
      1000,
      () => {
        computed++
        return new Promise<string>((resolve) => finishers.push(resolve))
      },
      { now: () => clock, stale: { waitMs: 20, maxAgeMs: 10_000 } },
    )
    const first = view('all') // nothing kept yet: the first caller waits however long
    await new Promise((r) => setTimeout(r, 40))
    finishers[0]?.('one')
    expect(await first).toBe('one')
    clock = 2000 // past the period: a refresh starts; it is slow, so its caller gets the last answer after waitMs
    expect(await view('all')).toBe('one')
    expect(computed).toBe(2)
    clock = 2500 // the refresh still runs: shared (no third computation), answered from the last one
    expect(await view('all')).toBe('one')
    expect(computed).toBe(2)
    // A refresh that ends within waitMs is what its callers get.
    const waiting = view('all')
    finishers[1]?.('two')
    expect(await waiting).toBe('two')
    clock = 20_000 // the kept answer is too old to serve: a caller waits for the refresh
    let answered = false
    const late = view('all').then((v) => {
      answered = true
      return v
    })
    await new Promise((r) => setTimeout(r, 40))
    expect(answered).toBe(false)
    finishers[2]?.('three')
    expect(await late).toBe('three')
    expect(computed).toBe(3)
  })

  it('does not keep a failure: the next caller computes again', async () => {
    let calls = 0
    const view = sharedFor(60_000, async () => {
      calls++
      if (calls === 1) throw new Error('chain unreachable')
      return 'ok'
    })
    await expect(view('k')).rejects.toThrow('chain unreachable')
    expect(await view('k')).toBe('ok')
    expect(calls).toBe(2)
  })
})
