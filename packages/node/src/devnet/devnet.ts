/**
 * The embedded devnet's files and lifecycle in a data dir:
 *   <dataDir>/devnet/state.json   anvil's state (dumped every second and on SIGTERM)
 *   <dataDir>/devnet/anvil.log    anvil's output
 *   <dataDir>/devnet/devnet.json  the detached devnet started by `mycel devnet start` (pid, rpcUrl)
 * `mycel devnet reset` removes the chain state and the devnet's deployments file; nothing else.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { NodeError } from '../common/errors.ts'
import { type AnvilProcess, DEVNET_CHAIN_ID, probeChainId, startAnvil } from './anvil.ts'

export const devnetPaths = (dataDir: string) => {
  const dir = join(dataDir, 'devnet')
  return {
    dir,
    state: join(dir, 'state.json'),
    log: join(dir, 'anvil.log'),
    info: join(dir, 'devnet.json'),
    deployments: join(dataDir, 'deployments', `${DEVNET_CHAIN_ID}.json`),
    nodeInfo: join(dataDir, 'node.json'),
  }
}

export type DevnetInfo = { pid: number; rpcUrl: string; port: number; startedAt: string }

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function readJson<value>(file: string): value | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as value
  } catch {
    return undefined
  }
}

/** The detached devnet of this data dir, if one is running and answering; removes a stale info file. */
export async function findRunningDevnet(dataDir: string): Promise<DevnetInfo | undefined> {
  const paths = devnetPaths(dataDir)
  const info = readJson<DevnetInfo>(paths.info)
  if (!info) return undefined
  if (isAlive(info.pid) && (await probeChainId(info.rpcUrl)) === DEVNET_CHAIN_ID) return info
  rmSync(paths.info, { force: true })
  return undefined
}

/** Node process info written by a running node (`node.json`), if that process is alive. */
export function findRunningNode(dataDir: string): { pid: number; apiUrl: string; rpcUrl: string } | undefined {
  const info = readJson<{ pid: number; apiUrl: string; rpcUrl: string }>(devnetPaths(dataDir).nodeInfo)
  return info && isAlive(info.pid) ? info : undefined
}

/** Starts a devnet that outlives this process (for `mycel devnet start`). */
export async function startDetachedDevnet(
  dataDir: string,
  options: { port?: number; host?: string; stateIntervalSeconds?: number } = {},
): Promise<DevnetInfo & { alreadyRunning: boolean }> {
  const running = await findRunningDevnet(dataDir)
  if (running) return { ...running, alreadyRunning: true }
  const node = findRunningNode(dataDir)
  if (node) {
    throw new NodeError(
      'NODE_RUNNING',
      `A mycel node (pid ${node.pid}) already runs an embedded devnet at ${node.rpcUrl} for ${dataDir}. Use it, or stop the node first.`,
    )
  }
  const paths = devnetPaths(dataDir)
  const anvil = await startAnvil({
    stateFile: paths.state,
    logFile: paths.log,
    detached: true,
    ...(options.port === undefined ? {} : { port: options.port }),
    ...(options.host === undefined ? {} : { host: options.host }),
    ...(options.stateIntervalSeconds === undefined ? {} : { stateIntervalSeconds: options.stateIntervalSeconds }),
  })
  const info: DevnetInfo = {
    pid: anvil.pid,
    rpcUrl: anvil.rpcUrl,
    port: anvil.port,
    startedAt: new Date().toISOString(),
  }
  mkdirSync(paths.dir, { recursive: true })
  writeFileSync(paths.info, `${JSON.stringify(info, null, 2)}\n`)
  return { ...info, alreadyRunning: false }
}

/** Stops the detached devnet (SIGTERM, so anvil saves its state). Returns false when none was running. */
export async function stopDetachedDevnet(dataDir: string, timeoutMs = 10_000): Promise<boolean> {
  const paths = devnetPaths(dataDir)
  const info = readJson<DevnetInfo>(paths.info)
  if (!info || !isAlive(info.pid)) {
    rmSync(paths.info, { force: true })
    return false
  }
  const node = findRunningNode(dataDir)
  if (node && node.rpcUrl === info.rpcUrl) {
    throw new NodeError(
      'NODE_RUNNING',
      `A mycel node (pid ${node.pid}) is using this devnet. Stop the node (Ctrl-C) before \`mycel devnet stop\`.`,
    )
  }
  process.kill(info.pid, 'SIGTERM')
  const deadline = Date.now() + timeoutMs
  while (isAlive(info.pid)) {
    if (Date.now() > deadline) {
      process.kill(info.pid, 'SIGKILL')
      break
    }
    await new Promise((r) => setTimeout(r, 50))
  }
  rmSync(paths.info, { force: true })
  return true
}

/** Wipes the devnet chain (state and its deployments record). Refuses while a node uses it; stops a detached one. */
export async function resetDevnet(dataDir: string): Promise<{ removed: string[] }> {
  const node = findRunningNode(dataDir)
  if (node) {
    throw new NodeError(
      'NODE_RUNNING',
      `A mycel node (pid ${node.pid}) is using this devnet. Stop it (Ctrl-C) before \`mycel devnet reset\`.`,
    )
  }
  await stopDetachedDevnet(dataDir)
  const paths = devnetPaths(dataDir)
  const removed: string[] = []
  for (const file of [paths.state, paths.deployments, paths.info]) {
    if (existsSync(file)) {
      rmSync(file)
      removed.push(file)
    }
  }
  return { removed }
}

export type { AnvilProcess }
