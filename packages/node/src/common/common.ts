/**
 * The one context object built at start and passed down: options, logger, metrics, the shutdown registry and the
 * per-account transaction queue.
 * No module keeps global state of its own.
 */
import pino, { type Logger } from 'pino'
import pinoPretty from 'pino-pretty'
import type { Chain, PublicClient } from 'viem'
import { createTxQueue, type TxQueue } from '../chain/txQueue.ts'
import type { NodeOptions } from '../config/options.ts'
import type { ContentStore } from '../content/contentStore.ts'
import type { Db } from '../db/database.ts'
import { Metrics } from './metrics.ts'

export type Shutdown = {
  /** Registers a cleanup; cleanups run in reverse order of registration. */
  add: (name: string, fn: () => Promise<void> | void) => void
  /** Runs all cleanups once; later calls return the same promise. */
  run: (reason: string) => Promise<void>
  readonly isShuttingDown: boolean
}

export type Common = {
  options: NodeOptions
  logger: Logger
  metrics: Metrics
  shutdown: Shutdown
  /** One transaction sequence per sending account, shared by every role of this node. */
  txQueue: TxQueue
}

/** What the role starters (paid inference, incentives) share: the database, the chain, and the content store. */
export type RoleContext = {
  db: Db
  client: PublicClient
  chain: Chain
  rpcUrl: string
  chainId: number
  /** The chain is the embedded devnet (roles set to `auto` turn on). */
  devnet: boolean
  store: ContentStore
}

/**
 * pino on stderr: JSON lines for machines, or (format `pretty`, or `auto` on a terminal) one readable line per event.
 * A `destination` overrides both (tests).
 */
export function createLogger(
  level: NodeOptions['logLevel'],
  destination?: NodeJS.WritableStream,
  format: NodeOptions['logFormat'] = 'auto',
): Logger {
  const pretty = format === 'pretty' || (format === 'auto' && process.stderr.isTTY === true)
  const stream =
    destination ??
    (pretty
      ? pinoPretty({
          destination: 2,
          sync: true,
          singleLine: true,
          ignore: 'pid,hostname,service',
          translateTime: 'SYS:HH:MM:ss',
        })
      : pino.destination(2))
  return pino(
    {
      level,
      base: { service: 'mycel' },
      // Never let a key or password reach a log line, whatever object is logged.
      redact: { paths: ['*.privateKey', '*.password', 'privateKey', 'password', '*.mnemonic'], censor: '[redacted]' },
    },
    stream,
  )
}

export function createShutdown(logger: Logger): Shutdown {
  const tasks: { name: string; fn: () => Promise<void> | void }[] = []
  let running: Promise<void> | undefined
  return {
    add: (name, fn) => {
      tasks.push({ name, fn })
    },
    run: (reason) => {
      running ??= (async () => {
        logger.info({ msg: 'shutting down', reason })
        for (const task of tasks.reverse()) {
          try {
            await task.fn()
          } catch (error) {
            logger.error({ msg: 'shutdown step failed', step: task.name, err: error })
          }
        }
        logger.info({ msg: 'stopped' })
      })()
      return running
    },
    get isShuttingDown() {
      return running !== undefined
    },
  }
}

export function createCommon(options: NodeOptions, logger?: Logger): Common {
  const log = logger ?? createLogger(options.logLevel, undefined, options.logFormat)
  return { options, logger: log, metrics: new Metrics(), shutdown: createShutdown(log), txQueue: createTxQueue() }
}
