/**
 * End to end, as a user: `mycel up` in a child process (what `npm start` runs), the HTTP API, the dashboard in a
 * real headless Chromium, a live update, Ctrl-C, a restart that sees the same chain, a corrupt state file, and a
 * `devnet reset`.
 */
import type { ChildProcess } from 'node:child_process'
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { probeChainId } from '@mycel/node'
import { type Browser, chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from './helpers/chain.ts'
import { runCli, startUp } from './helpers/cli.ts'

const dataDir = tempDir('mycel-e2e-')
let browser: Browser
const children: ChildProcess[] = []

// Launch flags for Debian's chromium on a machine without network (see ARCHITECTURE.md).
const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

beforeAll(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: chromiumArgs,
  })
})
afterAll(async () => {
  await browser?.close()
  for (const child of children) child.kill('SIGKILL')
  rmSync(dataDir, { recursive: true, force: true })
})

// The neuron layout this suite checks is the paid-inference one; the incentive roles `mycel up` also starts (the demo
// subnet, validators, epoch duties) are exercised end to end by test/incentives.test.ts.
const up = async () => {
  const running = await startUp(dataDir, { MYCEL_SUBNET_DEMO: 'false', MYCEL_VALIDATOR: 'off', MYCEL_EPOCHS: 'off' })
  children.push(running.child)
  return running
}

describe('mycel up, as a user runs it', () => {
  let firstContracts: Record<string, string>

  it('starts the network, serves the API and a live dashboard, and stops cleanly on Ctrl-C', async () => {
    const { child, summary, stop } = await up()
    firstContracts = summary.contracts
    expect(summary.chainId).toBe(31337)
    expect(summary.startupMs).toBeLessThan(60_000)

    expect(await (await fetch(`${summary.api}/health`)).json()).toMatchObject({ status: 'ok' })
    const network = (await (await fetch(`${summary.api}/api/network`)).json()) as { subnets: { name: string }[] }
    expect(network.subnets.map((s) => s.name)).toEqual(['text', 'digits'])

    const page = await browser.newPage()
    await page.goto(`${summary.api}/`)
    await page.getByText('live · local devnet').waitFor()
    expect(await page.locator('#chain-id').textContent()).toBe('31337')
    expect(await page.locator('[data-contract="subnetRegistry"]').textContent()).toBe(summary.contracts.subnetRegistry)
    expect(await page.locator('article.subnet h3').allTextContents()).toEqual([
      '#1 text text-generation',
      '#2 digits image-classification',
    ])
    // The node's own miner (test account 2) is uid 0 in both subnets.
    const first = page.locator('article[data-netuid="1"] tbody tr')
    await first.first().waitFor()
    expect(await first.first().textContent()).toContain(summary.miner?.url ?? 'no miner')

    // A registration from the CLI appears on the open page without a reload.
    const registered = await runCli([
      '--data-dir',
      dataDir,
      'neuron',
      'register',
      '--netuid',
      '1',
      '--endpoint',
      'http://127.0.0.1:9500',
      '--dev-account',
      '4',
      '--json',
    ])
    expect(registered.code).toBe(0)
    const row = page.locator('article[data-netuid="1"] tbody tr')
    await row.nth(1).waitFor({ timeout: 10_000 })
    expect(await row.nth(1).textContent()).toContain('http://127.0.0.1:9500')
    expect(await page.locator('#neuron-count').textContent()).toBe('3')
    expect(await page.locator('#events li').first().textContent()).toContain('registered in subnet #1 as uid 1')
    await page.screenshot({ path: join(dataDir, 'dashboard.png') })
    await page.close()

    const status = JSON.parse((await runCli(['--data-dir', dataDir, 'status', '--json'])).stdout) as {
      node: { pid: number }
    }
    expect(status.node.pid).toBe(child.pid)

    expect(await stop()).toBe(0)
    expect(await probeChainId(summary.rpcUrl)).toBeUndefined() // the devnet stopped with the node
    expect(existsSync(join(dataDir, 'node.json'))).toBe(false)
  })

  it('restarts on the same chain: same contracts, same neurons; stops on SIGTERM', async () => {
    const { summary, stop } = await up()
    expect(summary.contracts).toEqual(firstContracts)
    const network = (await (await fetch(`${summary.api}/api/network`)).json()) as {
      subnets: { neurons: { endpoint: string }[] }[]
    }
    // The miner registered again at its new (free) port: the registry holds its current endpoint.
    expect(network.subnets[0]?.neurons.map((n) => n.endpoint)).toEqual([summary.miner?.url, 'http://127.0.0.1:9500'])
    expect(await stop('SIGTERM')).toBe(0)
    expect(await probeChainId(summary.rpcUrl)).toBeUndefined()
  })

  it('leaves no anvil behind when the node crashes (SIGKILL), and the chain survives it', async () => {
    const { summary, stop } = await up()
    await new Promise((r) => setTimeout(r, 1200)) // let a state dump happen
    expect(await stop('SIGKILL')).toBeNull()
    const deadline = Date.now() + 5000
    while ((await probeChainId(summary.rpcUrl, 200)) !== undefined && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100))
    }
    expect(await probeChainId(summary.rpcUrl)).toBeUndefined()

    const again = await up() // node.json of the killed node is stale and ignored
    const network = (await (await fetch(`${again.summary.api}/api/network`)).json()) as {
      subnets: { neurons: unknown[] }[]
    }
    expect(again.summary.contracts).toEqual(firstContracts)
    expect(network.subnets[0]?.neurons).toHaveLength(2)
    expect(await again.stop()).toBe(0)
  })

  it('refuses a corrupt devnet state file with the reset hint, and starts fresh after `devnet reset`', async () => {
    const state = join(dataDir, 'devnet', 'state.json')
    writeFileSync(state, '{"block": broken')
    const refused = await runCli(['--data-dir', dataDir, 'up', '--port', '0'])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain(`The devnet state file ${state} is unreadable`)
    expect(refused.stderr).toContain('`mycel devnet reset`')
    expect(readFileSync(state, 'utf8')).toBe('{"block": broken')

    const reset = await runCli(['--data-dir', dataDir, 'devnet', 'reset', '--json'])
    expect(JSON.parse(reset.stdout).removed).toContain(state)

    const { summary, stop } = await up()
    expect(summary.contracts).toEqual(firstContracts) // deterministic CREATE2 addresses on the fresh chain
    const network = (await (await fetch(`${summary.api}/api/network`)).json()) as { subnets: { neurons: unknown[] }[] }
    expect(network.subnets.map((s) => s.neurons.length)).toEqual([1, 1]) // only the node's own miner
    expect(await stop()).toBe(0)
  })
})

describe('mycel devnet start|stop, a chain that outlives the node', () => {
  const dir = tempDir('mycel-e2e-devnet-')
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  const cli = (...args: string[]) => runCli(['--data-dir', dir, ...args])

  it('runs in the background, serves CLI and node, refuses to stop under a node, and keeps its state', async () => {
    const started = await cli('devnet', 'start', '--json')
    expect(started.code).toBe(0)
    const devnet = JSON.parse(started.stdout) as { rpcUrl: string; pid: number; deployed: boolean }
    expect(devnet.deployed).toBe(true)
    expect(await probeChainId(devnet.rpcUrl)).toBe(31337)

    const subnets = JSON.parse((await cli('subnet', 'list', '--json')).stdout) as { name: string }[]
    expect(subnets.map((s) => s.name)).toEqual(['text', 'digits'])

    const node = await startUp(dir)
    children.push(node.child)
    expect(node.summary).toMatchObject({ chain: 'devnet', rpcUrl: devnet.rpcUrl })
    const refused = await cli('devnet', 'stop')
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain('is using this devnet')
    expect(await node.stop()).toBe(0)
    expect(await probeChainId(devnet.rpcUrl)).toBe(31337) // the node left the background devnet running

    expect(JSON.parse((await cli('devnet', 'stop', '--json')).stdout)).toEqual({ stopped: true })
    expect(await probeChainId(devnet.rpcUrl)).toBeUndefined()

    const again = JSON.parse((await cli('devnet', 'start', '--json')).stdout) as {
      deployed: boolean
      contracts: unknown
    }
    expect(again.deployed).toBe(false)
    expect((JSON.parse((await cli('subnet', 'list', '--json')).stdout) as unknown[]).length).toBe(2)
    expect(JSON.parse((await cli('devnet', 'stop', '--json')).stdout)).toEqual({ stopped: true })
  })
})
