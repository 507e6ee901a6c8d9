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
    nodeLock: join(dataDir, 'node.lock'),
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

/**
 * Whether `pid` is alive and, where the OS shows command lines (Linux /proc), runs a command containing `marker`.
 * Guards against acting on a pid that was reused by an unrelated process after a crash or reboot.
 */
export function isProcessOf(pid: number, marker: string): boolean {
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return false
  const commandLine = commandLineOf(pid)
  return commandLine === undefined || commandLine.includes(marker) // no /proc here: liveness is all we can check
}

/** The command line of `pid` from /proc (Linux), or undefined where it cannot be read. */
function commandLineOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ')
  } catch {
    return undefined
  }
}

/**
 * Whether `info.pid` is the anvil serving this data dir's devnet: its command line names our state file (Linux), or,
 * where command lines cannot be read, it answers as chain 31337 at the recorded URL.
 */
async function isOurAnvil(info: DevnetInfo, stateFile: string): Promise<boolean> {
  if (!Number.isInteger(info.pid) || info.pid <= 0 || !isAlive(info.pid)) return false
  const commandLine = commandLineOf(info.pid)
  if (commandLine !== undefined) return commandLine.includes('anvil') && commandLine.includes(stateFile)
  return (await probeChainId(info.rpcUrl, 3000)) === DEVNET_CHAIN_ID
}

function readJson<value>(file: string): value | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as value
  } catch {
    return undefined
  }
}

/**
 * The detached devnet of this data dir, if one is running and answering. An info file whose pid is gone (or is no
 * longer anvil) is stale and removed; an anvil that is alive but does not answer is an error, never a reason to
 * start a second anvil on the same state file.
 */
export async function findRunningDevnet(dataDir: string): Promise<DevnetInfo | undefined> {
  const paths = devnetPaths(dataDir)
  const info = readJson<DevnetInfo>(paths.info)
  if (!info) return undefined
  if (!(await isOurAnvil(info, paths.state))) {
    rmSync(paths.info, { force: true })
    return undefined
  }
  if ((await probeChainId(info.rpcUrl, 3000)) === DEVNET_CHAIN_ID) return info
  throw new NodeError(
    'DEVNET_UNRESPONSIVE',
    `The background devnet (pid ${info.pid}) does not answer at ${info.rpcUrl}. Stop it with \`mycel devnet stop\` and start again.`,
  )
}

export type RunningNode = {
  pid: number
  apiUrl: string
  rpcUrl: string
  chainId: number
  /** The keys its roles sign with (see app/keysInUse.ts). */
  keys?: { role: string; address: `0x${string}` }[]
}

/**
 * The node running on this data dir, if any: `node.json` (written when ready) whose pid still holds the data dir's
 * lock file.
 */
export function findRunningNode(dataDir: string): RunningNode | undefined {
  const paths = devnetPaths(dataDir)
  const info = readJson<RunningNode>(paths.nodeInfo)
  if (!info || !isAlive(info.pid)) return undefined
  const lock = readJson<{ pid: number }>(paths.nodeLock)
  return lock?.pid === info.pid ? info : undefined
}

/**
 * Takes the data dir's lock (an exclusively created `node.lock`) so two nodes never share a chain state file or a
 * database. A lock left by a dead process is taken over. Returns the release function.
 */
export function lockDataDir(dataDir: string): () => void {
  const { nodeLock } = devnetPaths(dataDir)
  mkdirSync(dataDir, { recursive: true })
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(nodeLock, `${JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString() })}\n`, {
        flag: 'wx',
        mode: 0o600,
      })
      return () => rmSync(nodeLock, { force: true })
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      const holder = readJson<{ pid: number }>(nodeLock)
      if (holder && isProcessOf(holder.pid, 'node')) {
        throw new NodeError(
          'DATA_DIR_IN_USE',
          `Another mycel node (pid ${holder.pid}) uses data dir ${dataDir}. Stop it, or pass another --data-dir. If no node runs, delete ${nodeLock}.`,
        )
      }
      rmSync(nodeLock, { force: true }) // left by a process that is gone
    }
  }
  throw new NodeError('DATA_DIR_IN_USE', `Could not lock data dir ${dataDir} (${nodeLock}).`)
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
    portSetting: '`mycel devnet start --port`',
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
  // Only signal a pid that is still our anvil: after a crash or reboot the number may belong to anything. An anvil
  // of ours that hangs is still stopped (SIGKILL after the timeout).
  if (!(await isOurAnvil(info, paths.state))) {
    rmSync(paths.info, { force: true })
    return false
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
