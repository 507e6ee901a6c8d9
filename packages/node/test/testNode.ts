/** A node for tests: on a fresh embedded devnet in `dataDir`, on ports the OS picks, logging nothing unless given a logger. */
import type { Logger } from 'pino'
import { type MycelNode, start } from '../src/app/start.ts'
import { createLogger } from '../src/common/common.ts'
import { type NodeOptions, resolveOptions } from '../src/config/options.ts'

export function startTestNode(
  dataDir: string,
  options: Partial<NodeOptions> = {},
  logger: Logger = createLogger('silent'),
): Promise<MycelNode> {
  return start(
    { ...resolveOptions({ env: {}, cwd: dataDir }), dataDir, port: 0, minerPort: 0, logLevel: 'silent', ...options },
    { logger },
  )
}

/** A node that only trains and verifies (the training market's roles), polling its duties every 200 ms. */
export function startTrainingTestNode(dataDir: string, options: Partial<NodeOptions> = {}): Promise<MycelNode> {
  return startTestNode(dataDir, {
    miner: 'off',
    gateway: 'off',
    validator: 'off',
    epochs: 'off',
    trainer: 'on',
    verifier: 'on',
    pollIntervalMs: 200,
    ...options,
  })
}
