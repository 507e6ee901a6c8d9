/** Runs the real `mycel` bin in a child process, as a user would, and collects its output and exit code. */
import { spawn } from 'node:child_process'
import { join } from 'node:path'

export const mycelBin = join(import.meta.dirname, '../../packages/cli/bin/mycel.js')

export type CliResult = { code: number | null; stdout: string; stderr: string }

export function runCli(
  args: string[],
  { env = {}, input, timeoutMs = 60_000 }: { env?: Record<string, string>; input?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [mycelBin, ...args], {
      env: { ...process.env, MYCEL_LOG_LEVEL: 'silent', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => {
      stdout += d
    })
    child.stderr.on('data', (d) => {
      stderr += d
    })
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`mycel ${args.join(' ')} timed out; stderr: ${stderr}`))
    }, timeoutMs)
    child.on('exit', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
    child.stdin.end(input ?? '')
  })
}
