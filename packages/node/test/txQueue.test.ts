import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createTxQueue } from '../src/chain/txQueue.ts'

const tick = () => new Promise((resolve) => setImmediate(resolve))

describe('per-account transaction queue', () => {
  it('runs the sends of one account one at a time, in order, whatever fails', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ account: fc.constantFrom('0xA', '0xa', '0xB'), fails: fc.boolean(), ticks: fc.nat(3) }), {
          maxLength: 20,
        }),
        async (sends) => {
          const queue = createTxQueue()
          const running = new Map<string, number>()
          const order: Record<string, number[]> = {}
          const results = sends.map((send, i) =>
            queue
              .run(send.account, async () => {
                const key = send.account.toLowerCase()
                running.set(key, (running.get(key) ?? 0) + 1)
                expect(running.get(key)).toBe(1)
                order[key] = [...(order[key] ?? []), i]
                for (let t = 0; t < send.ticks; t++) await tick()
                running.set(key, (running.get(key) ?? 0) - 1)
                if (send.fails) throw new Error(`send ${i} failed`)
                return i
              })
              .then(
                (value) => ({ ok: true, value }),
                (error: Error) => ({ ok: false, value: error.message }),
              ),
          )
          const settled = await Promise.all(results)
          sends.forEach((send, i) => {
            expect(settled[i]).toEqual(send.fails ? { ok: false, value: `send ${i} failed` } : { ok: true, value: i })
          })
          for (const indices of Object.values(order)) expect(indices).toEqual([...indices].sort((a, b) => a - b))
          await tick()
          expect(queue.pending('0xa') + queue.pending('0xb')).toBe(0)
        },
      ),
    )
  })

  it('lets different accounts send at the same time', async () => {
    const queue = createTxQueue()
    let release: () => void = () => {}
    const first = queue.run('0xa', () => new Promise<void>((resolve) => (release = resolve)))
    const other = await queue.run('0xb', async () => 'b')
    expect(other).toBe('b')
    expect(queue.pending('0xA')).toBe(1)
    release()
    await first
  })
})

describe('a send queued from inside a turn of the same account', () => {
  it('runs in that turn instead of waiting behind itself, and others still wait', async () => {
    const queue = createTxQueue()
    const order: string[] = []
    const outer = queue.run('0xA', async () => {
      order.push('outer start')
      const inner = await queue.run('0xa', async () => {
        await tick()
        order.push('inner')
        return 'inner done'
      })
      order.push('outer end')
      return inner
    })
    const after = queue.run('0xa', async () => order.push('after'))
    expect(await outer).toBe('inner done')
    await after
    expect(order).toEqual(['outer start', 'inner', 'outer end', 'after'])
  })
})

describe('sends started together inside one turn', () => {
  it('run one at a time, in order, and nested deeper still never wait behind themselves', async () => {
    const queue = createTxQueue()
    let running = 0
    let most = 0
    const order: string[] = []
    const send = (name: string) =>
      queue.run('0xa', async () => {
        running += 1
        most = Math.max(most, running)
        await tick()
        order.push(name)
        running -= 1
        return name
      })
    const result = await queue.run('0xa', async () => {
      const both = await Promise.all([send('first'), send('second')])
      const deeper = await queue.run('0xa', () => send('deeper'))
      return [...both, deeper]
    })
    expect(result).toEqual(['first', 'second', 'deeper'])
    expect(order).toEqual(['first', 'second', 'deeper'])
    expect(most).toBe(1)
    await tick()
    expect(queue.pending('0xa')).toBe(0)
  })
})
