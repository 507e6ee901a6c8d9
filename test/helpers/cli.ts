/** Runs the real `mycel` bin in a child process, as a user would, and collects its output and exit code. */
import { type ChildProcess, spawn } from 'node:child_process'
import { join } from 'node:path'

export const mycelBin = join(import.meta.dirname, '../../packages/cli/bin/mycel.js')

export type CliResult = { code: number | null; stdout: string; stderr: string }

export function runCli(
  args: string[],
  { env = {}, input, timeoutMs = 60_000 }: { env?: Record<string, string>; input?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  const child = spawn(process.execPath, [mycelBin, ...args], {
    env: { ...process.env, MYCEL_LOG_LEVEL: 'silent', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  child.stdin?.end(input ?? '')
  return collect(child, `mycel ${args.join(' ')}`, timeoutMs)
}

/** Runs a bash command line (pipes and all), as a user types it in a shell. */
export function runShell(line: string, { timeoutMs = 60_000 } = {}): Promise<CliResult> {
  const child = spawn('bash', ['-c', line], {
    env: { ...process.env, MYCEL_LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  return collect(child, line, timeoutMs)
}

/** The exit code and output of `child`; killed, and an error naming `what`, after `timeoutMs`. */
function collect(child: ChildProcess, what: string, timeoutMs: number): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    let stdout = ''
    let stderr = ''
    child.stdout?.on('data', (d) => {
      stdout += d
    })
    child.stderr?.on('data', (d) => {
      stderr += d
    })
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${what} timed out; stderr: ${stderr}`))
    }, timeoutMs)
    child.on('exit', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

export type UpSummary = {
  api: string
  rpcUrl: string
  contracts: Record<string, string>
  startupMs: number
  chainId: number
  gateway: string | null
  miner: { url: string; models: string[] } | null
  channels: number
  chain: 'embedded' | 'devnet' | 'external'
}

export type RunningUp = {
  child: ChildProcess
  summary: UpSummary
  exited: Promise<number | null>
  /** Milliseconds from spawning the process to its printed summary (includes Node and tsx start-up). */
  wallMs: number
  /** Sends `signal` (default SIGINT, as Ctrl-C does), then resolves with the exit code. */
  stop: (signal?: NodeJS.Signals) => Promise<number | null>
  /** What it wrote to stderr so far (its log lines at MYCEL_LOG_LEVEL, `warn` by default). */
  stderr: () => string
}

/**
 * Runs `mycel up --json` (what `npm start` runs) and resolves once it printed its summary. With `group`, it leads a
 * process group of its own and `stop` signals the whole group, as a terminal's Ctrl-C does.
 */
export function startUp(
  dataDir: string,
  env: Record<string, string> = {},
  { group = false }: { group?: boolean } = {},
): Promise<RunningUp> {
  const started = performance.now()
  const child = spawn(
    process.execPath,
    [mycelBin, 'up', '--json', '--data-dir', dataDir, '--port', '0', '--miner-port', '0'],
    {
      env: { ...process.env, MYCEL_LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: group,
    },
  )
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve))
  let stdout = ''
  let stderr = ''
  child.stderr?.on('data', (d) => {
    stderr += d
  })
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d) => {
      stdout += d
      let summary: UpSummary
      try {
        summary = JSON.parse(stdout) as UpSummary
      } catch {
        return // not complete yet
      }
      resolve({
        child,
        summary,
        exited,
        wallMs: performance.now() - started,
        stop: (signal = 'SIGINT') => {
          if (group && child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, signal)
          else child.kill(signal)
          return exited
        },
        stderr: () => stderr,
      })
    })
    void exited.then((code) => reject(new Error(`mycel up exited with ${code}: ${stderr}`)))
  })
}
