/**
 * Runs anvil (the npm `@foundry-rs/anvil` binary, no download) as a child process on a loopback port, with its state
 * in a file that is dumped every `stateIntervalSeconds` and on SIGTERM, so a SIGKILL loses at most that interval.
 *
 * An attached anvil dies with its parent even when the parent is SIGKILLed: on Linux it is started through
 * `setpriv --pdeathsig SIGTERM`, so the kernel signals it when the node process dies (and SIGTERM makes anvil dump
 * its state first). It also runs in a process group of its own there, so Ctrl-C in a terminal (SIGINT to the whole
 * foreground group) reaches the node only, which stops its roles before it stops the chain they use. A detached
 * anvil (`mycel devnet start`) runs in its own session until `mycel devnet stop`.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { createServer } from 'node:net'
import { dirname, join } from 'node:path'
import { DevnetStartError, DevnetStateCorruptError, PortInUseError } from '../common/errors.ts'
import { NoFreePortError } from './errors.ts'

export const DEVNET_CHAIN_ID = 31337

export type StartAnvilParameters = {
  stateFile: string
  logFile: string
  host?: string
  /** 0 picks a free port. */
  port?: number
  stateIntervalSeconds?: number
  detached?: boolean
  readyTimeoutMs?: number
  /** How the user picks this port, for the port-in-use message. */
  portSetting?: string
  /** Work to do while anvil boots (called once it is spawned, before waiting for it to answer). */
  whileStarting?: () => void
}

export type AnvilProcess = {
  pid: number
  port: number
  rpcUrl: string
  /** SIGTERM (anvil dumps its state), then SIGKILL after `timeoutMs`. */
  stop: (timeoutMs?: number) => Promise<void>
  /** Resolves with the exit code when the process ends. */
  exited: Promise<number | null>
}

/** Path of the anvil binary shipped in the platform package of `@foundry-rs/anvil`. */
export function anvilBinary(): string {
  const arch = process.arch === 'x64' ? 'amd64' : process.arch
  const pkg = `@foundry-rs/anvil-${process.platform}-${arch}`
  const require = createRequire(import.meta.url)
  let dir: string
  try {
    dir = dirname(
      require.resolve(`${pkg}/package.json`, { paths: [dirname(require.resolve('@foundry-rs/anvil/package.json'))] }),
    )
  } catch (cause) {
    throw new DevnetStartError(
      `No anvil binary for ${process.platform}-${arch}: package ${pkg} is not installed.`,
      cause,
    )
  }
  return join(dir, 'bin', process.platform === 'win32' ? 'anvil.exe' : 'anvil')
}

/**
 * Fails with {@link DevnetStateCorruptError} when the state file exists but is not a JSON object. Never deletes it.
 * `quick` only looks at its size and first byte (a restart must not parse megabytes before anvil starts: anvil
 * parses it anyway, and a failure then runs the full check to name the reason).
 */
export function checkStateFile(file: string, { quick = false }: { quick?: boolean } = {}): void {
  if (!existsSync(file)) return
  let reason: string | undefined
  if (statSync(file).size === 0) reason = 'the file is empty'
  else if (quick) {
    const head = Buffer.alloc(64)
    const fd = openSync(file, 'r')
    try {
      const read = readSync(fd, head, 0, head.length, 0)
      if (!head.subarray(0, read).toString('utf8').trimStart().startsWith('{')) reason = 'not a JSON object'
    } finally {
      closeSync(fd)
    }
  } else {
    try {
      const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'))
      if (typeof parsed !== 'object' || parsed === null || !('accounts' in parsed)) reason = 'not an anvil state dump'
    } catch (error) {
      reason = `invalid JSON: ${(error as Error).message}`
    }
  }
  if (reason) throw new DevnetStateCorruptError({ file, reason })
}

export async function isPortFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, host, () => server.close(() => resolve(true)))
  })
}

export async function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, host, () => {
      const address = server.address()
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new NoFreePortError(host)),
      )
    })
  })
}

let setprivPath: string | null | undefined
function findSetpriv(): string | null {
  if (setprivPath !== undefined) return setprivPath
  setprivPath = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p)) ?? null
  return setprivPath
}

/** JSON-RPC `eth_chainId` with a short timeout; undefined when nothing answers. */
export async function probeChainId(rpcUrl: string, timeoutMs = 1000): Promise<number | undefined> {
  try {
    const response = await fetch(rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      signal: AbortSignal.timeout(timeoutMs),
    })
    const body = (await response.json()) as { result?: string }
    return body.result ? Number(body.result) : undefined
  } catch {
    return undefined
  }
}

function tail(file: string, lines = 5): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n')
  } catch {
    return ''
  }
}

export async function startAnvil(parameters: StartAnvilParameters): Promise<AnvilProcess> {
  const host = parameters.host ?? '127.0.0.1'
  checkStateFile(parameters.stateFile, { quick: true })
  let port = parameters.port ?? 0
  if (port === 0) port = await freePort(host)
  else if (!(await isPortFree(host, port)))
    throw new PortInUseError({
      host,
      port,
      what: 'devnet RPC port',
      setting: parameters.portSetting ?? '--devnet-port / MYCEL_DEVNET_PORT',
    })

  mkdirSync(dirname(parameters.stateFile), { recursive: true })
  mkdirSync(dirname(parameters.logFile), { recursive: true })
  const args = [
    '--host',
    host,
    '--port',
    String(port),
    '--chain-id',
    String(DEVNET_CHAIN_ID),
    '--state',
    parameters.stateFile,
    '--state-interval',
    String(parameters.stateIntervalSeconds ?? 1),
  ]
  const binary = anvilBinary()
  const log = openSync(parameters.logFile, 'a')
  const setpriv = parameters.detached ? null : findSetpriv()
  let child: ChildProcess
  try {
    // Without setpriv (not Linux) nothing ties anvil to the node but the group: it stays in the node's, so that the
    // terminal's Ctrl-C still reaches it should the node be gone.
    child = setpriv
      ? spawn(setpriv, ['--pdeathsig', 'SIGTERM', '--', binary, ...args], {
          stdio: ['ignore', log, log],
          detached: true,
        })
      : spawn(binary, args, { stdio: ['ignore', log, log], detached: parameters.detached ?? false })
  } finally {
    closeSync(log)
  }
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code))
    child.once('error', () => resolve(-1))
  })
  if (parameters.detached) child.unref()
  const pid = child.pid
  if (pid === undefined) throw new DevnetStartError(`Could not start anvil (${binary}). See ${parameters.logFile}.`)

  parameters.whileStarting?.()
  const rpcUrl = `http://${host}:${port}`
  const deadline = Date.now() + (parameters.readyTimeoutMs ?? 15_000)
  let exitCode: number | null | undefined
  void exited.then((code) => {
    exitCode = code
  })
  while ((await probeChainId(rpcUrl, 500)) === undefined) {
    if (exitCode !== undefined) {
      checkStateFile(parameters.stateFile) // the full check names what is wrong with a state anvil could not load
      const output = tail(parameters.logFile)
      if (/failed to parse|invalid value .* for '--state/i.test(output)) {
        throw new DevnetStateCorruptError({ file: parameters.stateFile, reason: 'anvil could not load it' })
      }
      throw new DevnetStartError(`anvil exited with code ${exitCode} before it was ready:\n${output}`)
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new DevnetStartError(`anvil did not answer on ${rpcUrl} within ${parameters.readyTimeoutMs ?? 15_000} ms.`)
    }
    // Anvil answers ~120 ms after its spawn with a restart's state: a short poll wastes little of that.
    await new Promise((r) => setTimeout(r, 10))
  }

  return {
    pid,
    port,
    rpcUrl,
    exited,
    stop: async (timeoutMs = 5000) => {
      if (exitCode !== undefined) return
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
      await exited
      clearTimeout(timer)
    },
  }
}
