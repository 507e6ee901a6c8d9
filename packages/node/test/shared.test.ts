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
      () => clock,
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
      () => clock,
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
