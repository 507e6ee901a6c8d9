/**
 * What a user does beside and to a running `npm start` (every default role: miner, gateway, validators, epoch
 * duties, the demo subnet):
 * - one key, one process: the README's `mycel miner serve --model digits --price 500` works as written (it signs
 *   with a devnet account no role of the node uses, and the gateway routes to it), and a miner is refused a key that
 *   a running role signs with, locally (node.json) and on chain (a key registered as a validator), before it
 *   changes anything;
 * - Ctrl-C in the terminal (SIGINT to the whole process group) stops the roles before the chain they use.
 */
import { spawn } from 'node:child_process'
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { devnetAccount, probeChainId } from '@mycel/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from './helpers/chain.ts'
import { mycelBin, type RunningUp, runCli, startUp } from './helpers/cli.ts'

const dataDir = tempDir('mycel-keys-')
const otherDir = tempDir('mycel-keys-other-')
let node: RunningUp
const children: ReturnType<typeof spawn>[] = []

beforeAll(async () => {
  node = await startUp(dataDir, {}, { group: true })
}, 120_000)
afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL')
  await node?.stop()
  rmSync(dataDir, { recursive: true, force: true })
  rmSync(otherDir, { recursive: true, force: true })
})

type Neuron = { uid: number; hotkey: string; role: string; endpoint: string }
const neurons = async (name: string) => {
  const network = (await (await fetch(`${node.summary.api}/api/network`)).json()) as {
    subnets: { name: string; neurons: Neuron[] }[]
  }
  return network.subnets.find((s) => s.name === name)?.neurons ?? []
}

/** `mycel miner serve …` in its own process: its JSON summary once it serves, or its exit code and stderr. */
function serve(args: string[]) {
  const child = spawn(process.execPath, [mycelBin, 'miner', 'serve', '--json', ...args], {
    env: { ...process.env, MYCEL_LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.push(child)
  return new Promise<{ summary?: { url: string; payee: string }; code?: number | null; stderr: string }>((resolve) => {
    let out = ''
    let stderr = ''
    child.stderr?.on('data', (d) => {
      stderr += d
    })
    child.stdout?.on('data', (d) => {
      out += d
      try {
        const parsed = JSON.parse(out) as { url?: string; payee: string }
        if (parsed.url) resolve({ summary: parsed as { url: string; payee: string }, stderr })
      } catch {}
    })
    child.once('exit', (code) => resolve({ code, stderr: `${stderr}${out}` }))
  })
}

describe('mycel miner serve beside npm start', () => {
  it("refuses the key of the node's validator, naming it and the flag, and changes nothing on chain", async () => {
    const validator = devnetAccount(3).address
    const before = (await neurons('digits')).find((n) => n.hotkey === validator)
    expect(before).toMatchObject({ role: 'validator', endpoint: node.summary.api })
    const refused = await serve(['--data-dir', dataDir, '--model', 'digits', '--price', '500', '--dev-account', '3'])
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain(`Key ${validator} is already used by the validator of the mycel node`)
    expect(refused.stderr).toContain('--dev-account N')
    expect((await neurons('digits')).find((n) => n.hotkey === validator)).toEqual(before)
  })

  it('refuses, on chain, a key registered as a validator even when no local node lists it', async () => {
    // Another data dir that knows the deployment but runs no node: only the registry can tell.
    mkdirSync(join(otherDir, 'deployments'), { recursive: true })
    copyFileSync(join(dataDir, 'deployments', '31337.json'), join(otherDir, 'deployments', '31337.json'))
    const secondValidator = devnetAccount(7).address
    const refused = await serve([
      '--data-dir',
      otherDir,
      '--rpc',
      node.summary.rpcUrl,
      '--model',
      'digits',
      '--port',
      '0',
      '--dev-account',
      '7',
    ])
    expect(refused.code).toBe(2)
    expect(refused.stderr).toMatch(
      new RegExp(`Key ${secondValidator} is registered in subnet digits as a validator \\(uid \\d+\\)`),
    )
    const entry = (await neurons('digits')).find((n) => n.hotkey === secondValidator)
    expect(entry).toMatchObject({ role: 'validator', endpoint: node.summary.api })
  })

  it('runs the README step as written: a cheaper miner on a free account that the gateway routes to', async () => {
    const served = await serve(['--data-dir', dataDir, '--model', 'digits', '--price', '500', '--port', '0'])
    expect(served.stderr).toBe('')
    expect(served.summary?.payee).toBe(devnetAccount(8).address)
    const payee = devnetAccount(8).address
    const indexedBy = Date.now() + 10_000
    while (!(await neurons('digits')).some((n) => n.hotkey === payee) && Date.now() < indexedBy) {
      await new Promise((r) => setTimeout(r, 200))
    }
    expect((await neurons('digits')).find((n) => n.hotkey === payee)).toMatchObject({
      role: 'miner',
      endpoint: served.summary?.url,
    })

    // The gateway rediscovers every 10 s; then the cheaper miner gets the request.
    const deadline = Date.now() + 25_000
    for (;;) {
      const payments = (await (await fetch(`${node.summary.api}/api/payments`)).json()) as {
        gateway: { miners: { payee: string }[] }
      }
      if (payments.gateway.miners.some((m) => m.payee === payee) || Date.now() > deadline) break
      await new Promise((r) => setTimeout(r, 250))
    }
    // The gateway draws miners by weight (docs/inference.md#choosing-a-miner): the cheaper one gets most requests,
    // not all, so a few requests are sent until one is paid to it (8 all missing it: about 1 in 30,000).
    const sample = join(import.meta.dirname, '..', 'models', 'digits', 'samples', '3.png')
    let paidToCheaper = false
    for (let i = 0; i < 8 && !paidToCheaper; i++) {
      const result = await runCli(['--data-dir', dataDir, 'infer', 'digits', sample])
      expect(result.stdout).toMatch(/^3 /)
      paidToCheaper = /paid 500 token units/.test(result.stderr)
    }
    expect(paidToCheaper).toBe(true)

    // A second miner started while the first serves (the README's trained-model step, from another terminal) takes
    // the other free account, 9; a third finds both in use and is refused, naming the key and the flag.
    const args = (name: string) => ['--data-dir', dataDir, '--model', 'digits', '--port', '0', '--miner-data-dir', name]
    const second = await serve(args(join(dataDir, 'miners', 'second')))
    expect(second.stderr).toBe('')
    expect(second.summary?.payee).toBe(devnetAccount(9).address)
    const third = await serve(args(join(dataDir, 'miners', 'third')))
    expect(third.code).toBe(2)
    expect(third.stderr).toContain(`Key ${payee} is already used by the miner of the mycel node`)
    expect(third.stderr).toContain('--dev-account N')
  }, 90_000)
})

/** The process group of `pid` (Linux /proc). */
const groupOf = (pid: number) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2])
}
/** The child processes of `pid` (Linux /proc). */
const childrenOf = (pid: number) =>
  readdirSync(`/proc/${pid}/task`).flatMap((tid) =>
    readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number),
  )

describe('Ctrl-C on npm start', () => {
  it('reaches the node only, which stops every role before the chain: no role fails against a stopped chain', async () => {
    const pid = node.child.pid as number
    const anvil = childrenOf(pid).find((child) => readFileSync(`/proc/${child}/cmdline`, 'utf8').includes('anvil'))
    expect(anvil).toBeDefined()
    // The terminal signals the foreground group: the devnet's anvil is not in it.
    expect(groupOf(anvil as number)).not.toBe(groupOf(pid))
    const before = node.stderr().length
    expect(await node.stop()).toBe(0)
    const shutdown = node.stderr().slice(before)
    expect(shutdown).toContain('stopping')
    expect(shutdown).not.toMatch(/failed/)
    expect(await probeChainId(node.summary.rpcUrl)).toBeUndefined()
  })
})
