/**
 * The `mycel` CLI as a user runs it: help everywhere, keys, deploy to an "external" chain, readable errors.
 *
 * Longer than 400 lines: every command shares one test chain (the "external" one), started once, and one data dir.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { join } from 'node:path'
import { createContentStore, freePort } from '@mycel/node'
import { runYumaJson } from '@mycel/sdk'
import type { Command } from 'commander'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { startTestChain, type TestChain, tempDir } from '../../../test/helpers/chain.ts'
import { mycelBin, runCli, runShell } from '../../../test/helpers/cli.ts'
import { buildProgram } from '../src/main.ts'

const dataDir = tempDir('mycel-cli-')
let external: TestChain
const passwordFile = join(dataDir, 'password.txt')
// anvil's account 0 key: public test material, funded only on local anvil chains.
const anvilKey0 = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80'

beforeAll(async () => {
  external = await startTestChain()
  writeFileSync(passwordFile, 'a long test password\n')
})
afterAll(async () => {
  await external?.stop()
  rmSync(dataDir, { recursive: true, force: true })
})

const cli = (args: string[], env: Record<string, string> = {}) => runCli(['--data-dir', dataDir, ...args], { env })

describe('help', () => {
  const commands = [
    [],
    ['up'],
    ['status'],
    ['devnet'],
    ['devnet', 'start'],
    ['devnet', 'stop'],
    ['devnet', 'reset'],
    ['deploy'],
    ['keys'],
    ['keys', 'new'],
    ['keys', 'import'],
    ['keys', 'list'],
    ['keys', 'export-address'],
    ['subnet'],
    ['subnet', 'create'],
    ['subnet', 'list'],
    ['neuron'],
    ['neuron', 'register'],
    ['neuron', 'update'],
    ['neuron', 'deregister'],
    ['neuron', 'list'],
    ['channel'],
    ['channel', 'open'],
    ['channel', 'list'],
    ['channel', 'status'],
    ['channel', 'voucher'],
    ['channel', 'claim'],
    ['channel', 'close'],
    ['yuma'],
    ['stake'],
    ['stake', 'add'],
    ['stake', 'remove'],
    ['stake', 'list'],
    ['subnet', 'params'],
    ['balance'],
  ]
  it.each(commands.map((c) => [c.join(' ') || '(root)', c]))('mycel %s --help prints usage', async (_name, command) => {
    const out: string[] = []
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      out.push(String(chunk))
      return true
    })
    const program = buildProgram()
    const error = await program
      .parseAsync(['node', 'mycel', ...(command as string[]), '--help'])
      .catch((e: unknown) => e)
    spy.mockRestore()
    expect((error as { code?: string }).code).toBe('commander.helpDisplayed')
    const text = out.join('')
    expect(text).toContain(`Usage: mycel ${(command as string[]).join(' ')}`.trim())
    expect(text).toContain('Options:')
  })

  it('marks every required option as required, and no other', () => {
    const walk = (command: Command): Command[] => [command, ...command.commands.flatMap(walk)]
    const all = walk(buildProgram())
    const required = all.flatMap((c) => c.options.filter((o) => o.mandatory).map((o) => [c, o] as const))
    // --netuid is required wherever a command acts on one subnet.
    expect(required.filter(([, o]) => o.long === '--netuid').map(([c]) => c.name())).toEqual(
      expect.arrayContaining(['add', 'remove', 'list', 'show', 'params', 'claim', 'register', 'update', 'deregister']),
    )
    for (const command of all) {
      const help = command.helpInformation().replace(/\n {20,}/g, ' ')
      for (const option of command.options) {
        const line = help.split('\n').find((l) => l.trimStart().startsWith(option.flags)) ?? ''
        expect(line.endsWith('(required)'), `${command.name()} ${option.flags}: ${line}`).toBe(option.mandatory)
      }
    }
  })

  it('exits 2 on an unknown command or option', async () => {
    const result = await runCli(['frobnicate'])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain("unknown command 'frobnicate'")
  })
})

describe('a reader that goes away', () => {
  it('ends `mycel … | head -3` quietly: exit 0, no stack trace', async () => {
    // More output than a pipe holds, so the writer is still writing when head exits.
    const n = 120
    const weights = Array.from({ length: n }, (_, i) =>
      Array.from({ length: n }, (_, j) => ((i * 7 + j * 3) % 11) / 10),
    )
    const file = join(dataDir, 'big-epoch.json')
    writeFileSync(file, JSON.stringify({ weights, stake: new Array(n).fill(1), version: 'yuma' }))
    const result = await runShell(
      `${JSON.stringify(process.execPath)} ${JSON.stringify(mycelBin)} yuma --in ${JSON.stringify(file)} | head -3; echo "mycel exited $\{PIPESTATUS[0]}" >&2`,
    )
    expect(result.stdout.split('\n')).toHaveLength(4) // three lines and the last newline
    expect(result.stderr).toBe('mycel exited 0\n')
  })
})

describe('config errors', () => {
  it('prints one line naming the field and exits 2', async () => {
    const result = await cli(['status'], { MYCEL_PORT: 'eighty' })
    expect(result.code).toBe(2)
    expect(result.stderr.trim().split('\n')).toEqual([
      'mycel: Invalid config: port = "eighty": expected a port number (set by environment variable MYCEL_PORT; fix it there or use --port).',
    ])
  })

  it('fails fast and clearly when the RPC is unreachable', async () => {
    const result = await cli(['subnet', 'list', '--rpc', 'http://127.0.0.1:9'])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/^mycel: Cannot reach the chain at http:\/\/127\.0\.0\.1:9/)
  })

  it('says how to start a chain when none runs', async () => {
    const result = await cli(['subnet', 'list'])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('No chain to talk to')
  })
})

describe('keys and deploying to an external chain', () => {
  it('creates, imports, lists and exports keys; never stores the plaintext key', async () => {
    const created = await cli(['keys', 'new', 'hot', '--light-kdf', '--json', '--password-file', passwordFile])
    expect(created.code).toBe(0)
    const hot = JSON.parse(created.stdout) as { address: string; file: string }
    expect(hot.address).toMatch(/^0x[0-9a-fA-F]{40}$/)

    const keyFile = join(dataDir, 'key.txt')
    writeFileSync(keyFile, anvilKey0)
    const imported = await cli(['keys', 'import', 'deployer', '--private-key-file', keyFile, '--light-kdf'], {
      MYCEL_PASSWORD: 'a long test password',
    })
    rmSync(keyFile)
    expect(imported.code).toBe(0)
    expect(imported.stdout).toContain('0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266')
    const stored = readFileSync(join(dataDir, 'keystore', 'deployer.json'), 'utf8')
    expect(stored).not.toContain(anvilKey0.slice(2))
    expect(JSON.parse(stored).version).toBe(3)

    const list = JSON.parse((await cli(['keys', 'list', '--json'])).stdout) as { name: string }[]
    expect(list.map((k) => k.name)).toEqual(['deployer', 'hot'])
    expect((await cli(['keys', 'export-address', 'hot'])).stdout.trim()).toBe(hot.address)

    const piped = await runCli(['--data-dir', dataDir, 'keys', 'import', 'bad', '--password-file', passwordFile], {
      input: 'not-a-key\n',
    })
    expect(piped.code).toBe(2)
    expect(piped.stderr).toContain('That is not a private key')
  })

  it('deploys with an encrypted key, refuses a wrong password, and is idempotent', async () => {
    const rpc = external.anvil.rpcUrl
    const wrong = await cli(['deploy', '--rpc', rpc, '--key', 'deployer'], { MYCEL_PASSWORD: 'nope' })
    expect(wrong.code).toBe(1)
    expect(wrong.stderr.trim()).toBe('mycel: Wrong password for key "deployer" (the keystore MAC does not match).')

    // An unfunded key: the error names the address, its balance and the gas a deployment takes, measured.
    const hot = (await cli(['keys', 'export-address', 'hot'])).stdout.trim()
    const unfunded = await cli(['deploy', '--rpc', rpc, '--key', 'hot', '--password-file', passwordFile])
    expect(unfunded.code).toBe(1)
    expect(unfunded.stderr).toMatch(
      new RegExp(
        `^mycel: ${hot} cannot pay for the deployment on chain 31337: it holds 0 ETH, and deploying the mycel contracts takes about [\\d,]+ gas, about [\\d.]+ ETH at the current [\\d.]+ gwei per gas\\. Send at least that much to ${hot} \\(from another account, or a faucet on a testnet\\), then run \`mycel deploy\` again: contracts already deployed are reused\\.\\n$`,
      ),
    )
    const estimated = BigInt((/about ([\d,]+) gas/.exec(unfunded.stderr)?.[1] ?? '0').replaceAll(',', ''))

    const before = await external.publicClient.getBlockNumber()
    const first = await cli(['deploy', '--rpc', rpc, '--key', 'deployer', '--password-file', passwordFile, '--json'])
    expect(first.code).toBe(0)
    let used = 0n
    for (let n = before + 1n; n <= (await external.publicClient.getBlockNumber()); n++) {
      used += (await external.publicClient.getBlock({ blockNumber: n })).gasUsed
    }
    // The estimate is the same deployment measured on a throwaway chain.
    expect(Number(estimated) / Number(used)).toBeCloseTo(1, 2)
    const deployed = JSON.parse(first.stdout) as {
      contracts: Record<string, string>
      deploymentsFile: string
      deployed: boolean
    }
    expect(deployed.deployed).toBe(true)
    expect(existsSync(deployed.deploymentsFile)).toBe(true)
    const code = await external.publicClient.getCode({ address: deployed.contracts.subnetRegistry as `0x${string}` })
    expect(code?.length).toBeGreaterThan(100)
    const nonce = await external.publicClient.getTransactionCount({
      address: '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266',
    })

    const second = await cli(['deploy', '--rpc', rpc, '--key', 'deployer', '--password-file', passwordFile, '--json'])
    expect(JSON.parse(second.stdout)).toMatchObject({ deployed: false, contracts: deployed.contracts })
    const human = await cli(['deploy', '--rpc', rpc])
    expect(human.stdout).toContain('already deployed on chain 31337')
    expect(
      await external.publicClient.getTransactionCount({ address: '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266' }),
    ).toBe(nonce)
  }, 180_000)

  it('creates a subnet and turns every registration error into a readable message', async () => {
    const rpc = external.anvil.rpcUrl
    const signer = ['--rpc', rpc, '--key', 'deployer', '--password-file', passwordFile]
    const spec = join(dataDir, 'spec.json')
    writeFileSync(spec, '{"kind":"mycel/scoring-spec@1","task":"image-classification"}\n')
    const created = await cli([
      'subnet',
      'create',
      ...signer,
      '--name',
      'tiny',
      '--task-type',
      'image-classification',
      '--scoring-spec',
      spec,
      '--max-neurons',
      '1',
      '--json',
    ])
    expect(created.code).toBe(0)
    const { netuid, scoringSpecCid } = JSON.parse(created.stdout) as { netuid: number; scoringSpecCid: string }
    expect(scoringSpecCid).toMatch(/^bafkrei/)
    // The scoring spec is in the node's content store under that CID, readable back.
    const store = createContentStore(dataDir)
    try {
      expect(new TextDecoder().decode(await store.get(scoringSpecCid))).toBe(readFileSync(spec, 'utf8'))
    } finally {
      store.close()
    }

    const tooMany = await cli([
      'subnet',
      'create',
      ...signer,
      '--name',
      'x',
      '--task-type',
      'y',
      '--scoring-spec',
      spec,
      '--max-neurons',
      '5000',
    ])
    expect(tooMany.code).toBe(2)
    expect(tooMany.stderr.trim()).toBe('mycel: --max-neurons must be an integer from 1 to 256, got "5000".')
    const noSpec = await cli([
      'subnet',
      'create',
      ...signer,
      '--name',
      'x',
      '--task-type',
      'y',
      '--scoring-spec',
      'nothing-here',
    ])
    expect(noSpec.stderr.trim()).toBe(
      'mycel: --scoring-spec "nothing-here" is neither an existing file nor a CID (e.g. bafkrei…).',
    )

    const register = (extra: string[]) => cli(['neuron', 'register', '--rpc', rpc, ...extra])
    const unknown = await register(['--netuid', '42', '--endpoint', 'http://127.0.0.1:9000'])
    expect(unknown.code).toBe(1)
    expect(unknown.stderr.trim()).toBe('mycel: Subnet 42 does not exist. List subnets with `mycel subnet list`.')

    const invalid = await register(['--netuid', String(netuid), '--endpoint', 'localhost:9000'])
    expect(invalid.stderr.trim()).toBe(
      'mycel: Endpoint "localhost:9000" is not valid: give an http:// or https:// URL of 10 to 256 visible ASCII characters, e.g. http://127.0.0.1:9000.',
    )
    const empty = await register(['--netuid', String(netuid), '--endpoint', ''])
    expect(empty.stderr).toContain('Endpoint "" is not valid')

    const ok = await register([
      '--netuid',
      String(netuid),
      '--endpoint',
      'http://127.0.0.1:9000',
      '--dev-account',
      '1',
      '--json',
    ])
    expect(ok.code).toBe(0)
    expect(JSON.parse(ok.stdout)).toMatchObject({ netuid, uid: 0, role: 'miner' })

    const twice = await register([
      '--netuid',
      String(netuid),
      '--endpoint',
      'http://127.0.0.1:9001',
      '--dev-account',
      '1',
    ])
    expect(twice.stderr).toContain(`is already registered in subnet ${netuid} as uid 0`)
    const full = await register([
      '--netuid',
      String(netuid),
      '--endpoint',
      'http://127.0.0.1:9002',
      '--dev-account',
      '2',
    ])
    expect(full.stderr.trim()).toBe(
      `mycel: Subnet ${netuid} is full (1 of 1 neurons). Pick another subnet or wait for a slot to free up.`,
    )
    const badRole = await register([
      '--netuid',
      String(netuid),
      '--endpoint',
      'http://127.0.0.1:9002',
      '--role',
      'oracle',
    ])
    expect(badRole.code).toBe(2)
    expect(badRole.stderr).toContain('--role must be one of miner, validator')

    const neurons = JSON.parse((await cli(['neuron', 'list', '--rpc', rpc, '--json'])).stdout) as { hotkey: string }[]
    expect(neurons).toHaveLength(1)
    const subnets = JSON.parse((await cli(['subnet', 'list', '--rpc', rpc, '--json'])).stdout) as { name: string }[]
    expect(subnets.map((s) => s.name)).toEqual(['tiny'])
  }, 180_000)
})

describe('chat and infer errors that need no gateway', () => {
  it('names the gateway URL that could not be reached and what to check', async () => {
    const port = await freePort('127.0.0.1') // nothing listens there
    const chat = await cli(['chat', 'hello', '--api', `http://127.0.0.1:${port}/v1`])
    expect(chat.code).toBe(1)
    expect(chat.stderr.trim()).toBe(
      `mycel: Cannot reach the gateway at http://127.0.0.1:${port}/v1/chat/completions (ECONNREFUSED). Check that a mycel node runs there (\`npm start\` prints its api URL) and that --api is its base URL, e.g. http://127.0.0.1:8080.`,
    )
  })

  it('gives the model’s refusal even when the gateway then hangs on the model lookup', async () => {
    // A gateway that refuses the input, then never answers GET /v1/models/m (the lookup that words the error).
    const server = createServer((req, res) => {
      if (req.method !== 'POST') return
      res.writeHead(400, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ error: { code: 'INVALID_INPUT', message: 'expected 784 values, got 3' } }))
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const input = join(dataDir, 'three.json')
    writeFileSync(input, '[1, 2, 3]')
    try {
      const api = `http://127.0.0.1:${(server.address() as { port: number }).port}`
      const result = await cli(['infer', 'm', input, '--api', api])
      expect(result.code).toBe(2)
      expect(result.stderr.trim()).toBe(`mycel: ${input} is not an input model "m" takes: expected 784 values, got 3`)
    } finally {
      server.closeAllConnections()
      server.close()
    }
  })

  it('says a file is not an input the model takes before sending it', async () => {
    const result = await cli(['infer', 'digits', 'package.json', '--api', 'http://127.0.0.1:9'])
    expect(result.code).toBe(2)
    expect(result.stderr.trim()).toBe(
      'mycel: package.json is not an input model "digits" takes: give a PNG image (for digits), a JSON array of numbers, or a KServe v2 request body ({"inputs": [...]}).',
    )
  })
})

describe('mycel status --rpc', () => {
  it('reads the chain it names: head block, recorded contracts, subnets', async () => {
    const rpc = external.anvil.rpcUrl
    const status = JSON.parse((await cli(['status', '--rpc', rpc, '--json'])).stdout)
    const head = Number(await external.publicClient.getBlockNumber())
    expect(status.node).toBeNull()
    expect(status.network).toMatchObject({ source: 'rpc', chain: { chainId: 31337, rpcUrl: rpc } })
    expect(status.network.chain.headBlock).toBeGreaterThanOrEqual(head)
    expect(status.network.contracts.subnetRegistry).toMatch(/^0x[0-9a-fA-F]{40}$/)
    expect(status.network.subnets.map((s: { name: string }) => s.name)).toContain('tiny')
    const human = await cli(['status', '--rpc', rpc])
    expect(human.stdout).toMatch(new RegExp(`chain: +31337 at ${rpc}, block \\d+ \\(read directly\\)`))
    expect(human.stdout).toMatch(/^1 +tiny +image-classification +1\/1$/m)

    const otherDir = tempDir('mycel-cli-status-')
    const elsewhere = await runCli(['--data-dir', otherDir, 'status', '--rpc', rpc])
    rmSync(otherDir, { recursive: true, force: true })
    expect(elsewhere.stdout).toContain('contracts: none recorded for chain 31337')
    const dead = await cli(['status', '--rpc', 'http://127.0.0.1:9'])
    expect(dead.code).toBe(1)
    expect(dead.stderr).toMatch(/^mycel: Cannot reach the chain at http:\/\/127\.0\.0\.1:9/)
  })
})

describe('stake and subnet parameters from the CLI', () => {
  it('stakes, lists and unstakes; shows and changes subnet parameters; refuses bad input readably', async () => {
    const signer = ['--rpc', external.anvil.rpcUrl, '--key', 'deployer', '--password-file', passwordFile]
    const spec = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'
    const created = await cli([
      'subnet',
      'create',
      ...signer,
      '--name',
      'staked',
      '--task-type',
      't',
      '--scoring-spec',
      spec,
      '--max-neurons',
      '4',
      '--json',
    ])
    expect(created.code).toBe(0)
    const netuid = String((JSON.parse(created.stdout) as { netuid: number }).netuid)
    const registered = await cli([
      'neuron',
      'register',
      ...signer,
      '--netuid',
      netuid,
      '--endpoint',
      'http://127.0.0.1:9000',
      '--role',
      'validator',
    ])
    expect(registered.code).toBe(0)

    const added = await cli(['stake', 'add', ...signer, '--netuid', netuid, '--amount', '50', '--json'])
    expect(added.stderr).toBe('')
    expect(JSON.parse(added.stdout)).toMatchObject({ total: '50000000000000000000', own: '50000000000000000000' })
    const removed = await cli(['stake', 'remove', ...signer, '--netuid', netuid, '--amount', '20', '--json'])
    expect(JSON.parse(removed.stdout)).toMatchObject({ total: '30000000000000000000' })
    const listed = await cli(['stake', 'list', '--rpc', external.anvil.rpcUrl, '--netuid', netuid])
    expect(listed.stdout).toMatch(/0\s+validator\s+30 MYC/)

    const tooMuch = await cli(['stake', 'remove', ...signer, '--netuid', netuid, '--amount', '1000'])
    expect(tooMuch.code).toBe(1)
    expect(tooMuch.stderr.trim()).toBe(
      `mycel: 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266 has 30 MYC staked on 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266 in subnet ${netuid}, less than the 1000 MYC asked for.`,
    )
    const noSubnet = await cli(['stake', 'add', ...signer, '--netuid', '99', '--amount', '1'])
    expect(noSubnet.code).toBe(1)
    expect(noSubnet.stderr.trim()).toBe(
      'mycel: Hotkey 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266 is not registered in subnet 99 (or subnet 99 does not exist), so it cannot take stake. Register it with `mycel neuron register --netuid 99 --endpoint <url>` signed by that hotkey, or stake on a registered one (`mycel stake list --netuid 99`); `mycel subnet list` lists the subnets.',
    )
    const zero = await cli(['stake', 'add', ...signer, '--netuid', netuid, '--amount', '0'])
    expect(zero.code).toBe(2)
    expect(zero.stderr).toContain('--amount must be a positive number of MYC')

    const shown = await cli(['subnet', 'params', '--rpc', external.anvil.rpcUrl, '--netuid', netuid, '--json'])
    expect(JSON.parse(shown.stdout)).toMatchObject({
      tempo: 360,
      kappa: 32_767,
      yuma3: true,
      liquidAlpha: true,
      maxValidators: 4,
    })
    // For people: the fractions subnet show prints, with the raw value --set takes; counts with their unit.
    const human = (await cli(['subnet', 'params', '--rpc', external.anvil.rpcUrl, '--netuid', netuid])).stdout
    const raw = JSON.parse(shown.stdout) as Record<string, number>
    expect(human).toMatch(/^ {2}tempo: +360 blocks$/m)
    expect(human).toMatch(/^ {2}kappa: +0\.500 \(32767\/65535\)$/m)
    const bma = raw.bondsMovingAverage ?? 0
    expect(human).toMatch(new RegExp(`bondsMovingAverage: +${(bma / 1e6).toFixed(3)} \\(${bma} ppm\\)$`, 'm'))
    expect(human).toMatch(
      new RegExp(`alphaHigh: +${((raw.alphaHigh ?? 0) / 65_535).toFixed(3)} \\(${raw.alphaHigh}/65535\\)`),
    )
    const show = (await cli(['subnet', 'show', '--rpc', external.anvil.rpcUrl, '--netuid', netuid])).stdout
    expect(show).toMatch(/^ {2}kappa: +0\.500 \(32767\/65535\)$/m)
    const changed = await cli([
      'subnet',
      'params',
      ...signer,
      '--netuid',
      netuid,
      '--set',
      'tempo=100',
      '--set',
      'liquidAlpha=false',
      '--json',
    ])
    expect(changed.stderr).toBe('')
    expect(JSON.parse(changed.stdout)).toMatchObject({ tempo: 100, liquidAlpha: false })
    const outOfBounds = await cli(['subnet', 'params', ...signer, '--netuid', netuid, '--set', 'tempo=1'])
    expect(outOfBounds.code).toBe(1)
    expect(outOfBounds.stderr).toMatch(
      /^mycel: Subnet parameter tempo = 1 is out of bounds: use \d+ to \d+ \(see `mycel subnet params --help`\)\.\n$/,
    )
    const unknown = await cli(['subnet', 'params', ...signer, '--netuid', netuid, '--set', 'tmpo=5'])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain('expected key=value with key one of tempo')
  }, 180_000)
})

describe('payment channels from the CLI', () => {
  it('opens a channel, signs and claims a voucher, and closes it, with readable errors on the way', async () => {
    const rpc = external.anvil.rpcUrl
    const payee = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC' // anvil account 2
    const opened = await cli([
      'channel',
      'open',
      '--rpc',
      rpc,
      '--payee',
      payee,
      '--token',
      'myc',
      '--amount',
      '10',
      '--json',
    ])
    expect(opened.code).toBe(0)
    const { channelId } = JSON.parse(opened.stdout) as { channelId: number }

    const badAmount = await cli(['channel', 'open', '--rpc', rpc, '--payee', payee, '--token', 'myc', '--amount', '-1'])
    expect(badAmount.code).toBe(2)
    expect(badAmount.stderr).toContain('--amount must be a number of tokens with at most 18 decimals, got "-1".')
    const noTusd = await cli(['channel', 'open', '--rpc', rpc, '--payee', payee, '--amount', '1'])
    expect(noTusd.stderr).toContain('--token tusd exists only on the devnet')

    const signed = await cli([
      'channel',
      'voucher',
      String(channelId),
      '--rpc',
      rpc,
      '--amount',
      '3',
      '--requests',
      '30',
    ])
    expect(signed.code).toBe(0)
    const voucherFile = join(dataDir, 'voucher.json')
    writeFileSync(voucherFile, signed.stdout)
    const claimed = await cli([
      'channel',
      'claim',
      String(channelId),
      '--rpc',
      rpc,
      '--voucher',
      voucherFile,
      '--dev-account',
      '2',
      '--json',
    ])
    expect(claimed.code).toBe(0)
    expect(JSON.parse(claimed.stdout).paid).toBe('3000000000000000000')
    const replay = await cli([
      'channel',
      'claim',
      String(channelId),
      '--rpc',
      rpc,
      '--voucher',
      voucherFile,
      '--dev-account',
      '2',
    ])
    expect(replay.stderr.trim()).toBe(
      `mycel: The voucher for channel ${channelId} carries 3000000000000000000, not more than the 3000000000000000000 already claimed.`,
    )

    const status = JSON.parse((await cli(['channel', 'status', String(channelId), '--rpc', rpc, '--json'])).stdout)
    expect(status).toMatchObject({ state: 'open', deposit: '10', claimed: '3', remaining: '7', symbol: 'MYC' })

    const requested = JSON.parse((await cli(['channel', 'close', String(channelId), '--rpc', rpc, '--json'])).stdout)
    expect(requested.action).toBe('close-requested')
    const early = await cli(['channel', 'close', String(channelId), '--rpc', rpc])
    expect(early.stderr).toContain(
      `Channel ${channelId} can be withdrawn only after its challenge window ends at unix time`,
    )
    const cooperative = JSON.parse(
      (
        await cli([
          'channel',
          'close',
          String(channelId),
          '--rpc',
          rpc,
          '--cooperative',
          '--dev-account',
          '2',
          '--json',
        ])
      ).stdout,
    )
    expect(cooperative).toMatchObject({ action: 'closed', refunded: '7000000000000000000' })
    const gone = await cli(['channel', 'status', String(channelId), '--rpc', rpc])
    expect(gone.stderr.trim()).toBe(`mycel: Channel ${channelId} does not exist or was closed.`)
    expect(JSON.parse((await cli(['channel', 'list', '--rpc', rpc, '--json'])).stdout)).toEqual([])
  }, 180_000)
})

describe('mycel yuma', () => {
  it('computes an epoch from a file or standard input, the same as the SDK', async () => {
    const input = {
      weights: [
        [1, 0, 0.5],
        [0, 1, 0.5],
        [1, 0.2, 0.5],
      ],
      stake: [10, 5, '20'],
      version: 'yuma',
    }
    const file = join(dataDir, 'epoch.json')
    writeFileSync(file, JSON.stringify(input))
    const fromFile = await runCli(['yuma', '--in', file])
    expect(fromFile.stderr).toBe('')
    expect(fromFile.code).toBe(0)
    const printed = JSON.parse(fromFile.stdout)
    expect(printed).toEqual(runYumaJson(input))
    expect(Object.keys(printed)).toEqual(['consensus', 'incentive', 'dividends', 'bonds', 'validatorTrust'])
    const fromStdin = await runCli(['yuma', '--in', '-'], { input: JSON.stringify(input) })
    expect(JSON.parse(fromStdin.stdout)).toEqual(printed)
  })

  it.each([
    ['{"weights": [[1, -2]], "stake": [1]}', 'weights[0][1]: must not be negative, got -2'],
    ['{"weights": [[1]], "stake": [1, 2]}', 'weights: has 1 rows but stake has 2 entries'],
    ['{"weights": [[1]]', 'not valid JSON'],
    [
      '{"weights": [[1]], "stake": [1], "version": "yuma", "liquidAlpha": {"low": 0.1, "high": 0.2}}',
      'liquidAlpha: applies to version "yuma3" only',
    ],
  ])('rejects %s with exit code 2 and the field at fault', async (text, message) => {
    const result = await runCli(['yuma', '--in', '-'], { input: text })
    expect(result.code).toBe(2)
    expect(result.stdout).toBe('')
    expect(result.stderr).toContain(message)
  })

  it('names a missing file', async () => {
    const result = await runCli(['yuma', '--in', join(dataDir, 'missing.json')])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('missing.json: no such file')
  })
})
