/**
 * The node's duty loops (scoring rounds, commit-reveal, epoch duties): each step runs after the previous one finished
 * and a pause; a failed step is logged and the loop goes on. Stopping is bounded: a step still in flight after
 * `graceMs` (one waiting for a receipt from a chain that is gone, e.g. an external node that stopped answering) is
 * left behind with a warning instead of holding the shutdown for viem's three-minute receipt timeout. What
 * the duties write is persisted before it is sent, so a restart picks it up.
 */
import type { Logger } from 'pino'

export type DutyLoops = {
  /** Starts a loop running `step` every `everyMs` after the previous step ended. */
  loop: (name: string, everyMs: number, step: (signal: AbortSignal) => Promise<unknown>) => void
  /** Stops every loop: aborts their signal, waits up to the grace period for steps in flight, all at once. */
  stop: () => Promise<void>
}

export function createDutyLoops(log: Pick<Logger, 'warn'>, graceMs = 5000): DutyLoops {
  let stopped = false
  const stopping = new AbortController()
  const loops: { name: string; timer: () => NodeJS.Timeout | undefined; running: () => Promise<unknown> }[] = []
  return {
    loop(name, everyMs, step) {
      let timer: NodeJS.Timeout | undefined
      let running: Promise<unknown> = Promise.resolve()
      const run = () => {
        running = step(stopping.signal)
          .catch((error: Error) => log.warn({ msg: `${name} failed`, err: error.message.split('\n')[0] }))
          .finally(() => {
            if (!stopped) timer = setTimeout(run, everyMs)
          })
      }
      timer = setTimeout(run, 0)
      loops.push({ name, timer: () => timer, running: () => running })
    },
    async stop() {
      stopped = true
      stopping.abort()
      await Promise.all(
        loops.map(async (l) => {
          clearTimeout(l.timer())
          const grace = new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), graceMs).unref())
          if ((await Promise.race([l.running().then(() => 'done' as const), grace])) === 'late') {
            log.warn({ msg: `${l.name} still running at shutdown; not waiting for it` })
          }
        }),
      )
    },
  }
}
