/**
 * One transaction sequence per sending account: whatever sends from an account (a gateway opening channels, a miner
 * claiming, a validator setting weights, the epoch keeper) takes turns with everything else sending from it, so two
 * sends never race for a nonce or an allowance. A failed send does not stop the ones queued behind it.
 *
 * A send started from inside another send's turn for the same account (a step that holds the turn and sends
 * through a helper that queues too) runs at once, in the turn it is part of, instead of waiting behind itself
 * forever.
 */
import { AsyncLocalStorage } from 'node:async_hooks'

export type TxQueue = {
  /** Runs `send` once every send queued before it for `account` has finished (fulfilled or not). */
  run: <T>(account: string, send: () => Promise<T>) => Promise<T>
  /** Sends queued or running for `account` (0 when idle). */
  pending: (account: string) => number
}

export function createTxQueue(): TxQueue {
  const tails = new Map<string, { tail: Promise<unknown>; pending: number }>()
  /** The accounts whose turn the current async context holds. */
  const holding = new AsyncLocalStorage<ReadonlySet<string>>()
  return {
    run(account, send) {
      const key = account.toLowerCase()
      const held = holding.getStore()
      if (held?.has(key)) return send()
      const inTurn = () => holding.run(new Set([...(held ?? []), key]), send)
      const entry = tails.get(key) ?? { tail: Promise.resolve(), pending: 0 }
      const next = entry.tail.then(inTurn, inTurn)
      entry.pending += 1
      entry.tail = next.then(
        () => undefined,
        () => undefined,
      )
      entry.tail.then(() => {
        entry.pending -= 1
        if (entry.pending === 0 && tails.get(key) === entry) tails.delete(key)
      })
      tails.set(key, entry)
      return next
    },
    pending: (account) => tails.get(account.toLowerCase())?.pending ?? 0,
  }
}
