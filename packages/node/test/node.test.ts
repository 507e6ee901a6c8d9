/**
 * The node daemon end to end in-process: start, HTTP API, indexing, restart without redeploying, failure modes.
 *
 * Longer than 400 lines: the failure modes each start their own node but share one set of helpers, kept together.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { cidOfBytes, createSubnet, deployMycel, mycelTokenAbi, registerNeuron } from '@mycel/sdk'
import { createPublicClient, createWalletClient, http, parseEther } from 'viem'
import { afterAll, describe, expect, it } from 'vitest'
import { startTestChain, type TestChain, tempDir } from '../../../test/helpers/chain.ts'
import { start } from '../src/app/start.ts'
import { writeDeployments } from '../src/chain/deployments.ts'
import { createCommon, createLogger } from '../src/common/common.ts'
import { NotDeployedError, PortInUseError, RpcUnreachableError } from '../src/common/errors.ts'
import { type NodeOptions, resolveOptions } from '../src/config/options.ts'
import { devnetAccount } from '../src/devnet/accounts.ts'
import { isAlive } from '../src/devnet/devnet.ts'
import { createApp } from '../src/http/server.ts'

const dirs: string[] = []
const chains: TestChain[] = []
afterAll(async () => {
  for (const chain of chains) await chain.stop()
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

const silent = createLogger('silent')
/** A log destination that keeps the lines. */
const collect = (lines: string[]) =>
  new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk))
      done()
    },
  })
const mine = (rpcUrl: string) =>
  fetch(rpcUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'evm_mine', params: [] }),
  })
function options(overrides: Partial<NodeOptions> = {}): NodeOptions {
  const dataDir = tempDir('mycel-node-')
  dirs.push(dataDir)
  return {
    ...resolveOptions({ env: {}, cwd: dataDir }),
    port: 0,
    minerPort: 0,
    pollIntervalMs: 100,
    logLevel: 'silent',
    // This suite registers devnet accounts itself; the incentive roles are tested in test/incentives.test.ts.
    validator: 'off',
    epochs: 'off',
    ...overrides,
  }
}

/** Deploys the contracts with `wallet` and records them in `dataDir`, as `mycel deploy` does. */
async function deployAndRecord(wallet: ReturnType<TestChain['wallet']>, dataDir: string) {
  const result = await deployMycel(wallet, { treasury: wallet.account.address, initialSupply: parseEther('1000') })
  writeDeployments(dataDir, {
    chainId: 31337,
    method: result.method,
    deployer: wallet.account.address,
    treasury: wallet.account.address,
    deployedAt: new Date().toISOString(),
    contracts: result.contracts,
  })
  return result
}

async function json(url: string) {
  const response = await fetch(url)
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

async function until<value>(fn: () => Promise<value | undefined>, timeoutMs = 5000): Promise<value> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await fn()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 50))
  }
}

type Network = {
  chain: { chainId: number; headBlock: number; embedded: boolean }
  contracts: Record<string, string>
  subnets: {
    netuid: number
    name: string
    scoringSpecCid: string
    neurons: { uid: number; hotkey: string; endpoint: string }[]
  }[]
}

describe('node on the embedded devnet', () => {
  it('serves health, readiness, metrics, the network and content; indexes changes; restarts without redeploying', async () => {
    const opts = options()
    const node = await start(opts, { logger: silent })
    try {
      expect(node.chainMode).toBe('embedded')
      expect((await json(`${node.url}/health`)).body.status).toBe('ok')
      expect(await json(`${node.url}/ready`)).toMatchObject({ status: 200, body: { ready: true, chainId: 31337 } })

      const network = (await json(`${node.url}/api/network`)).body as unknown as Network
      expect(network.contracts).toEqual(node.addresses)
      expect(network.subnets.map((s) => s.name)).toEqual(['text', 'digits'])

      // The scoring spec is in the content store, and its bytes hash to the CID on chain.
      const spec = await fetch(`${node.url}/api/content/${network.subnets[0]?.scoringSpecCid}`)
      expect(spec.status).toBe(200)
      const bytes = new Uint8Array(await spec.arrayBuffer())
      expect(await cidOfBytes(bytes)).toBe(network.subnets[0]?.scoringSpecCid)
      expect(JSON.parse(new TextDecoder().decode(bytes)).task).toBe('text-generation')

      // A registration on chain shows up through the indexer.
      const wallet = createWalletClient({ account: devnetAccount(3), transport: http(node.rpcUrl) })
      await registerNeuron(wallet as never, {
        registry: node.addresses.subnetRegistry,
        netuid: 2,
        role: 'miner',
        endpoint: 'http://127.0.0.1:9100',
      })
      const indexed = await until(async () => {
        const n = (await json(`${node.url}/api/network`)).body as unknown as Network
        return (n.subnets[1]?.neurons.length ?? 0) > 1 ? n : undefined
      })
      // uid 0 is the node's own miner, registered at start in both built-in subnets.
      expect(indexed.subnets[1]?.neurons[0]).toMatchObject({ uid: 0, hotkey: devnetAccount(2).address })
      expect(indexed.subnets[1]?.neurons[1]).toMatchObject({
        uid: 1,
        hotkey: devnetAccount(3).address,
        endpoint: 'http://127.0.0.1:9100',
      })
      const events = (await json(`${node.url}/api/events?limit=5`)).body.events as { name: string }[]
      expect(events[0]?.name).toBe('NeuronRegistered')

      const metrics = await (await fetch(`${node.url}/metrics`)).text()
      expect(metrics).toMatch(/^# TYPE mycel_http_requests_total counter$/m)
      expect(metrics).toMatch(/^mycel_indexed_block \d+$/m)
    } finally {
      await node.stop()
    }

    const deployments = readFileSync(join(opts.dataDir, 'deployments', '31337.json'), 'utf8')
    const again = await start(opts, { logger: silent })
    try {
      expect(again.addresses).toEqual(node.addresses)
      expect(readFileSync(join(opts.dataDir, 'deployments', '31337.json'), 'utf8')).toBe(deployments)
      const network = (await json(`${again.url}/api/network`)).body as unknown as Network
      expect(network.subnets.map((s) => s.neurons.length)).toEqual([1, 2])
      // Blocks mined after a state load, dumped at the next state interval.
      for (let i = 0; i < 5; i++) await mine(again.rpcUrl)
      await new Promise((r) => setTimeout(r, 1500))
    } finally {
      await again.stop()
    }

    // Another restart resumes the index where it stopped: anvil makes up a new genesis block each time it loads its
    // state, which is no reason to index the whole chain again.
    const lines: string[] = []
    const third = await start(opts, { logger: createLogger('info', collect(lines), 'json') })
    try {
      const network = (await json(`${third.url}/api/network`)).body as unknown as Network
      expect(network.subnets.map((s) => s.neurons.length)).toEqual([1, 2])
      expect(lines.filter((l) => l.includes('index rebuilt'))).toEqual([])
    } finally {
      await third.stop()
    }
  })

  it("restarts the demo subnet's miners on their ports: the gateway's first discovery finds every miner", async () => {
    // As `npm start` runs it: the validators start the demo subnet's three miners beside the node's own.
    const opts = options({ subnetDemo: true, validator: 'auto', validatorIntervalMs: 60_000 })
    const lines: string[] = []
    const logger = createLogger('warn', collect(lines), 'json')
    const node = await start(opts, { logger })
    const urls = node.incentives.demoMiners.map((m) => m.url)
    try {
      expect(urls).toHaveLength(3)
      expect(node.roles.gateway?.miners()).toHaveLength(4)
    } finally {
      await node.stop()
    }
    const again = await start(opts, { logger })
    try {
      expect(again.incentives.demoMiners.map((m) => m.url)).toEqual(urls)
      const endpoints = (again.roles.gateway?.miners() ?? []).map((m) => m.endpoint)
      expect(endpoints.sort()).toEqual([again.roles.miner?.url, ...urls].sort())
    } finally {
      await again.stop()
    }
    // Neither start met a stale endpoint, and no role was left polling a stopped chain.
    expect(lines.filter((l) => /offer rejected|tick failed/.test(l))).toEqual([])
  })

  it('completes seeding on a later start when the first start did not seed', async () => {
    const opts = options({ seed: false })
    const bare = await start(opts, { logger: silent })
    expect(((await json(`${bare.url}/api/network`)).body as unknown as Network).subnets).toEqual([])
    await bare.stop()
    const seeded = await start({ ...opts, seed: true }, { logger: silent })
    try {
      const network = (await json(`${seeded.url}/api/network`)).body as unknown as Network
      expect(network.subnets.map((s) => s.name)).toEqual(['text', 'digits'])
      const balance = await createPublicClient({ transport: http(seeded.rpcUrl) }).readContract({
        address: seeded.addresses.mycelToken,
        abi: mycelTokenAbi,
        functionName: 'balanceOf',
        args: [devnetAccount(9).address],
      })
      expect(balance).toBe(parseEther('10000'))
    } finally {
      await seeded.stop()
    }
  })

  it('answers bad API input with JSON 4xx', async () => {
    const node = await start(options(), { logger: silent })
    try {
      expect(await json(`${node.url}/api/events?limit=abc`)).toMatchObject({
        status: 400,
        body: { error: { code: 'INVALID_LIMIT' } },
      })
      expect(await json(`${node.url}/api/content/not-a-cid`)).toMatchObject({
        status: 400,
        body: { error: { code: 'INVALID_CID' } },
      })
      const missing = await cidOfBytes(new TextEncoder().encode('nothing stored'))
      expect(await json(`${node.url}/api/content/${missing}`)).toMatchObject({
        status: 404,
        body: { error: { code: 'NOT_FOUND' } },
      })
      expect(await json(`${node.url}/api/nope`)).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } })
    } finally {
      await node.stop()
    }
  })

  it('serves dashboard files and nothing outside their folder, whatever the raw path', async () => {
    const dashboardDir = tempDir('mycel-dash-')
    dirs.push(dashboardDir)
    writeFileSync(join(dashboardDir, 'index.html'), '<title>ok</title>')
    mkdirSync(join(dashboardDir, 'sub'))
    const app = createApp(createCommon(options({ dashboardDir }), silent), { ready: false, reason: 'test' })
    const { listen } = await import('../src/http/server.ts')
    const { server, port } = await listen(app, '127.0.0.1', 0)
    const raw = (path: string) =>
      new Promise<number>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
          res.resume()
          resolve(res.statusCode ?? 0)
        })
        req.on('error', reject)
        req.end()
      })
    try {
      expect(await raw('/')).toBe(200)
      expect(await raw('/index.html')).toBe(200)
      for (const path of [
        '/../../etc/passwd',
        '/%2e%2e/%2e%2e/etc/passwd',
        '/..%2f..%2fetc%2fpasswd',
        '/sub',
        '/sub/../../x',
        '//etc/passwd',
      ]) {
        expect([400, 404]).toContain(await raw(path))
      }
    } finally {
      server.close()
    }
  })

  it('reports 503 on /ready and the API until it is ready', async () => {
    const common = createCommon(options(), silent)
    const app = createApp(common, { ready: false, reason: 'deploying contracts' })
    const ready = await app.request('/ready')
    expect(ready.status).toBe(503)
    expect(await ready.json()).toEqual({ ready: false, reason: 'deploying contracts' })
    expect((await app.request('/api/network')).status).toBe(503)
    expect((await app.request('/health')).status).toBe(200)
  })
})

describe('the index follows the chain', () => {
  it('rebuilds when the chain goes back (lost blocks or a reorg) instead of keeping events that no longer exist', async () => {
    const chain = await startTestChain()
    chains.push(chain)
    const opts = options({ rpcUrl: chain.anvil.rpcUrl })
    const wallet = chain.wallet(0)
    const result = await deployAndRecord(wallet, opts.dataDir)
    const registry = result.addresses.subnetRegistry
    const node = await start(opts, { logger: silent })
    const subnetNames = async () =>
      ((await json(`${node.url}/api/network`)).body as unknown as Network).subnets.map((s) => s.name)
    try {
      const before = await chain.snapshot()
      await createSubnet(wallet, {
        registry,
        name: 'lost',
        taskType: 't',
        scoringSpecCid: 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy',
        maxNeurons: 2,
        registrationCost: 0n,
      })
      await until(async () => ((await subnetNames()).includes('lost') ? true : undefined))

      // The chain goes back below the indexed block: the index must drop "lost".
      await chain.revert(before)
      await until(async () => ((await subnetNames()).length === 0 ? true : undefined))

      // Same height, other blocks (a reorg): the stored block hash no longer matches.
      const again = await chain.snapshot()
      await createSubnet(wallet, {
        registry,
        name: 'first',
        taskType: 't',
        scoringSpecCid: 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy',
        maxNeurons: 2,
        registrationCost: 0n,
      })
      await until(async () => ((await subnetNames()).includes('first') ? true : undefined))
      await chain.revert(again)
      await createSubnet(wallet, {
        registry,
        name: 'second',
        taskType: 't',
        scoringSpecCid: 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy',
        maxNeurons: 2,
        registrationCost: 0n,
      })
      expect(
        await until(async () => {
          const names = await subnetNames()
          return names.includes('second') ? names : undefined
        }),
      ).toEqual(['second'])
    } finally {
      await node.stop()
    }
  })
})

describe('node failure modes', () => {
  it('names the port when the HTTP port is taken, and starts nothing', async () => {
    const server = createServer()
    const port = await new Promise<number>((resolve) =>
      server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
    )
    const opts = options({ port })
    const error = await start(opts, { logger: silent }).catch((e: unknown) => e)
    server.close()
    expect(error).toBeInstanceOf(PortInUseError)
    expect((error as Error).message).toContain(
      `Port ${port} on 127.0.0.1 is already in use (node HTTP port). Stop the other process or choose another port with --port / MYCEL_PORT.`,
    )
    expect(existsSync(join(opts.dataDir, 'devnet'))).toBe(false) // no anvil was started
    expect(existsSync(join(opts.dataDir, 'node.lock'))).toBe(false) // and the lock was released
  })

  it('refuses a host it cannot listen on, naming the option', async () => {
    const error = await start(options({ host: 'no-such-host.invalid' }), { logger: silent }).catch((e: unknown) => e)
    expect((error as Error).message).toMatch(
      /^Cannot listen on host "no-such-host\.invalid" \(E[A-Z_]+\): use an address of this machine/,
    )
  })

  it('lets one node at a time use a data dir, and takes over a lock left by a dead process', async () => {
    const opts = options()
    const first = await start(opts, { logger: silent })
    try {
      const second = await start({ ...opts, port: 0 }, { logger: silent }).catch((e: unknown) => e)
      expect((second as Error).message).toContain(
        `Another mycel node (pid ${process.pid}) uses data dir ${opts.dataDir}`,
      )
    } finally {
      await first.stop()
    }
    writeFileSync(join(opts.dataDir, 'node.lock'), JSON.stringify({ pid: 2 ** 22 + 12345 }))
    const again = await start(opts, { logger: silent })
    await again.stop()
  })

  it('fails fast with a clear error when rpcUrl is unreachable', async () => {
    const started = Date.now()
    const error = await start(options({ rpcUrl: 'http://127.0.0.1:9' }), { logger: silent }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RpcUnreachableError)
    expect((error as Error).message).toMatch(/^Cannot reach the chain at http:\/\/127\.0\.0\.1:9/)
    expect(Date.now() - started).toBeLessThan(10_000)
  })

  it('runs on an external chain once contracts are deployed there, and refuses before', async () => {
    const external = await startTestChain()
    chains.push(external)
    const opts = options({ rpcUrl: external.anvil.rpcUrl })
    const refused = await start(opts, { logger: silent }).catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(NotDeployedError)
    expect((refused as Error).message).toContain('Run `mycel deploy --rpc <url> --key <name>` first')

    const wallet = external.wallet(0)
    await deployAndRecord(wallet, opts.dataDir)
    const node = await start(opts, { logger: silent })
    try {
      expect(node.chainMode).toBe('external')
      const network = (await json(`${node.url}/api/network`)).body as unknown as Network
      expect(network.chain.embedded).toBe(false)
      expect(network.subnets).toEqual([])
      expect(isAlive(external.anvil.pid)).toBe(true)

      // The chain goes away: the node says so on /ready instead of serving a stale view as healthy.
      await external.anvil.stop()
      const degraded = await until(async () => {
        const ready = await json(`${node.url}/ready`)
        return ready.status === 503 ? ready.body : undefined
      })
      expect(String(degraded.reason)).toMatch(/^the chain is not answering/)
    } finally {
      await node.stop()
    }
  })
})
