/**
 * One transaction sequence per sending account: whatever sends from an account (a gateway opening channels, a miner
 * claiming, a validator setting weights, the epoch keeper) takes turns with everything else sending from it, so two
 * sends never race for a nonce or an allowance. A failed send does not stop the ones queued behind it.
 *
 * Turns nest: a send started from inside another send's turn for the same account (a step that holds the turn and
 * sends through a helper that queues too) runs within that turn instead of waiting behind itself forever, and the
 * sends one turn starts take turns among themselves (two started at once inside a turn still run one at a time).
 * A turn is carried by the async context, so work a turn leaves running on its own (a timer it sets) would count
 * as part of it: roles do not send from such work.
 */
import { AsyncLocalStorage } from 'node:async_hooks'

export type TxQueue = {
  /** Runs `send` once every send queued before it for `account` has finished (fulfilled or not). */
  run: <T>(account: string, send: () => Promise<T>) => Promise<T>
  /** Sends queued or running for `account` (0 when idle). */
  pending: (account: string) => number
}

type Sequence = { tail: Promise<unknown>; pending: number }

const ignore = () => undefined

/** Appends `step` to `sequence`: it starts when everything appended before it has settled. */
function append<T>(sequence: Sequence, step: () => Promise<T>): Promise<T> {
  const next = sequence.tail.then(step, step)
  sequence.pending += 1
  sequence.tail = next.then(ignore, ignore)
  return next
}

export function createTxQueue(): TxQueue {
  const sequences = new Map<string, Sequence>()
  /** The turns the current async context holds: per account, the sequence of the sends started within it. */
  const holding = new AsyncLocalStorage<ReadonlyMap<string, Sequence>>()
  return {
    run(account, send) {
      const key = account.toLowerCase()
      const held = holding.getStore()
      // Inside its turn, a send holds a turn of its own, with a fresh sequence for the sends it starts.
      const inTurn = () => holding.run(new Map([...(held ?? []), [key, { tail: Promise.resolve(), pending: 0 }]]), send)
      const within = held?.get(key)
      if (within) return append(within, inTurn)
      const sequence = sequences.get(key) ?? { tail: Promise.resolve(), pending: 0 }
      sequences.set(key, sequence)
      const next = append(sequence, inTurn)
      sequence.tail.then(() => {
        sequence.pending -= 1
        if (sequence.pending === 0 && sequences.get(key) === sequence) sequences.delete(key)
      })
      return next
    },
    pending: (account) => sequences.get(account.toLowerCase())?.pending ?? 0,
  }
}
