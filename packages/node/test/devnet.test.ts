/** The embedded devnet: state survives restarts and SIGKILL, anvil dies with its parent, corrupt state is refused. */
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { parseEther, toHex } from 'viem'
import { mnemonicToAccount } from 'viem/accounts'
import { afterAll, describe, expect, it } from 'vitest'
import { tempDir } from '../../../test/helpers/chain.ts'
import { DevnetStateCorruptError, PortInUseError } from '../src/common/errors.ts'
import { DEVNET_MNEMONIC, devnetAccount, devnetPrivateKey } from '../src/devnet/accounts.ts'
import { checkStateFile, probeChainId, startAnvil } from '../src/devnet/anvil.ts'
import {
  findRunningDevnet,
  isAlive,
  resetDevnet,
  startDetachedDevnet,
  stopDetachedDevnet,
} from '../src/devnet/devnet.ts'

const dirs: string[] = []
const fresh = () => {
  const dir = tempDir('mycel-devnet-')
  dirs.push(dir)
  return dir
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

async function rpc<result>(url: string, method: string, params: unknown[] = []): Promise<result> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  })
  const body = (await response.json()) as { result: result; error?: { message: string } }
  if (body.error) throw new Error(body.error.message)
  return body.result
}

/** Sends 1.5 ETH and waits until its block is the chain's (anvil may answer the send before it reports the block). */
async function sendValue(url: string, to: string) {
  const hash = await rpc<string>(url, 'eth_sendTransaction', [
    { from: devnetAccount(0).address, to, value: `0x${parseEther('1.5').toString(16)}` },
  ])
  for (let i = 0; i < 100; i++) {
    const receipt = await rpc<{ blockNumber: string } | null>(url, 'eth_getTransactionReceipt', [hash])
    if (receipt && BigInt(await rpc<string>(url, 'eth_blockNumber')) >= BigInt(receipt.blockNumber)) return hash
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`transaction ${hash} was not mined`)
}

const paths = (dir: string) => ({ stateFile: join(dir, 'state.json'), logFile: join(dir, 'anvil.log') })

describe('embedded devnet', () => {
  it("derives anvil's test accounts from its mnemonic, as viem's mnemonicToAccount does, and signs alike", async () => {
    for (let i = 0; i < 12; i++) {
      const expected = mnemonicToAccount(DEVNET_MNEMONIC, { addressIndex: i })
      expect(devnetAccount(i).address).toBe(expected.address)
      expect(devnetPrivateKey(i)).toBe(toHex(expected.getHdKey().privateKey as Uint8Array))
      expect(devnetAccount(i).getHdKey().privateKey).toEqual(expected.getHdKey().privateKey)
    }
    const expected = mnemonicToAccount(DEVNET_MNEMONIC, { addressIndex: 5 })
    expect(await devnetAccount(5).signMessage({ message: 'mycel' })).toBe(
      await expected.signMessage({ message: 'mycel' }),
    )
    // Well-known: anvil prints these as accounts (0) and (3).
    expect(devnetAccount(0).address).toBe('0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266')
    expect(devnetAccount(3).address).toBe('0x90F79bf6EB2c4f870365E785982E1f101E93b906')
  })

  it('resumes the same chain after a graceful stop', async () => {
    const dir = fresh()
    const first = await startAnvil(paths(dir))
    await sendValue(first.rpcUrl, devnetAccount(5).address)
    const genesis = await rpc<{ hash: string }>(first.rpcUrl, 'eth_getBlockByNumber', ['0x0', false])
    const block = await rpc<string>(first.rpcUrl, 'eth_blockNumber')
    await first.stop()
    expect(isAlive(first.pid)).toBe(false)

    const second = await startAnvil(paths(dir))
    expect(await rpc<string>(second.rpcUrl, 'eth_blockNumber')).toBe(block)
    expect((await rpc<{ hash: string }>(second.rpcUrl, 'eth_getBlockByNumber', ['0x0', false])).hash).toBe(genesis.hash)
    expect(BigInt(await rpc<string>(second.rpcUrl, 'eth_getBalance', [devnetAccount(5).address, 'latest']))).toBe(
      parseEther('10001.5'),
    )
    await second.stop()
  })

  it('loses at most the state interval on SIGKILL', async () => {
    const dir = fresh()
    const anvil = await startAnvil({ ...paths(dir), stateIntervalSeconds: 1 })
    await sendValue(anvil.rpcUrl, devnetAccount(6).address)
    await new Promise((r) => setTimeout(r, 2200))
    process.kill(anvil.pid, 'SIGKILL')
    await anvil.exited
    const again = await startAnvil(paths(dir))
    expect(BigInt(await rpc<string>(again.rpcUrl, 'eth_getBalance', [devnetAccount(6).address, 'latest']))).toBe(
      parseEther('10001.5'),
    )
    await again.stop()
  })

  it('dies with its parent process, even when the parent is SIGKILLed', async () => {
    const dir = fresh()
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, '../../../test/fixtures/anvil-child.ts'), dir],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    )
    const line = await new Promise<string>((resolve) => createInterface({ input: child.stdout }).once('line', resolve))
    const { pid, rpcUrl } = JSON.parse(line) as { pid: number; rpcUrl: string }
    expect(await probeChainId(rpcUrl)).toBe(31337)
    child.kill('SIGKILL')
    const deadline = Date.now() + 5000
    while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
    expect(isAlive(pid)).toBe(false)
  })

  it('refuses a corrupt state file with a reset hint and leaves the file untouched', async () => {
    const dir = fresh()
    const { stateFile, logFile } = paths(dir)
    writeFileSync(stateFile, '{"accounts": {truncated')
    const error = await startAnvil({ stateFile, logFile }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DevnetStateCorruptError)
    expect((error as Error).message).toMatch(
      /is unreadable \(invalid JSON: .*\)\. Nothing was deleted\..*`mycel devnet reset`/,
    )
    expect(readFileSync(stateFile, 'utf8')).toBe('{"accounts": {truncated')
    writeFileSync(stateFile, '')
    expect(() => checkStateFile(stateFile)).toThrow('the file is empty')
    writeFileSync(stateFile, '[1,2,3]')
    expect(() => checkStateFile(stateFile)).toThrow('not an anvil state dump')
  })

  it('names the port when the devnet port is taken', async () => {
    const server = createServer()
    const port = await new Promise<number>((resolve) =>
      server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
    )
    const error = await startAnvil({ ...paths(fresh()), port }).catch((e: unknown) => e)
    server.close()
    expect(error).toBeInstanceOf(PortInUseError)
    expect((error as Error).message).toContain(
      `Port ${port} on 127.0.0.1 is already in use (devnet RPC port). Stop the other process or choose another port with --devnet-port / MYCEL_DEVNET_PORT.`,
    )
  })

  it('never signals a pid that is no longer its anvil', async () => {
    const dir = fresh()
    const stranger = spawn('sleep', ['30'], { stdio: 'ignore' })
    mkdirSync(join(dir, 'devnet'), { recursive: true })
    writeFileSync(
      join(dir, 'devnet', 'devnet.json'),
      JSON.stringify({ pid: stranger.pid, rpcUrl: 'http://127.0.0.1:9', port: 9, startedAt: '' }),
    )
    expect(await findRunningDevnet(dir)).toBeUndefined()
    writeFileSync(
      join(dir, 'devnet', 'devnet.json'),
      JSON.stringify({ pid: stranger.pid, rpcUrl: 'http://127.0.0.1:9', port: 9, startedAt: '' }),
    )
    expect(await stopDetachedDevnet(dir)).toBe(false)
    expect(isAlive(stranger.pid as number)).toBe(true)
    expect(existsSync(join(dir, 'devnet', 'devnet.json'))).toBe(false)
    stranger.kill()
  })

  it('stops its own background anvil even when it hangs, and reports it as unresponsive before that', async () => {
    const dir = fresh()
    const info = await startDetachedDevnet(dir)
    try {
      process.kill(info.pid, 'SIGSTOP')
      // SIGSTOP lands asynchronously: wait until the kernel shows the process stopped ("T") before probing it.
      const stopDeadline = Date.now() + 3000
      while (!/^\d+ \(.*\) T/.test(readFileSync(`/proc/${info.pid}/stat`, 'utf8')) && Date.now() < stopDeadline) {
        await new Promise((r) => setTimeout(r, 10))
      }
      const error = await findRunningDevnet(dir).catch((e: unknown) => e)
      expect((error as Error).message).toContain(`The background devnet (pid ${info.pid}) does not answer`)
      expect(await stopDetachedDevnet(dir, 500)).toBe(true)
      const deadline = Date.now() + 3000
      while (isAlive(info.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
      expect(isAlive(info.pid)).toBe(false)
    } finally {
      if (isAlive(info.pid)) process.kill(info.pid, 'SIGKILL')
    }
  })

  it('devnet reset removes the chain state and the devnet deployments only', async () => {
    const dir = fresh()
    const anvilDir = join(dir, 'devnet')
    const anvil = await startAnvil({ stateFile: join(anvilDir, 'state.json'), logFile: join(anvilDir, 'anvil.log') })
    await anvil.stop()
    writeFileSync(join(dir, 'keep.txt'), 'keys and other data stay')
    const { removed } = await resetDevnet(dir)
    expect(removed).toEqual([join(anvilDir, 'state.json')])
    expect(existsSync(join(dir, 'keep.txt'))).toBe(true)
  })
})
