/**
 * The incentive subnet end to end on the embedded devnet, as `npm start` runs it: miners of graded quality, two
 * validators scoring them over the signed transport, commit-reveal, epochs proposed, checked, finalized and claimed
 * by the node — and the miners paid by measured quality. Also: the miner's refusals of bad validator requests, and
 * the CLI's subnet, weights and epoch commands on the live chain.
 */
import { rmSync } from 'node:fs'
import { getEpochProposals, isEmissionClaimed, mycelTokenAbi, signValidatorRequest, VALIDATOR_HEADER } from '@mycel/sdk'
import { createPublicClient, http } from 'viem'
import { readContract } from 'viem/actions'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type MycelNode, start } from '../packages/node/src/app/start.ts'
import { createLogger } from '../packages/node/src/common/common.ts'
import { resolveOptions } from '../packages/node/src/config/options.ts'
import { devnetAccount } from '../packages/node/src/devnet/accounts.ts'
import { tempDir } from './helpers/chain.ts'
import { runCli } from './helpers/cli.ts'

type View = {
  subnets: {
    netuid: number
    name: string
    neurons: { uid: number; hotkey: string; role: string; stake: string }[]
    weights: { uid: number; weights: number[] }[]
    scores: {
      validator: string
      miners: { uid: number; hotkey: string; quality: number; spotChecks: number; spotFailures: number }[]
    }[]
    epochs: {
      epoch: number
      final: boolean
      matches: boolean
      emission: string
      incentive: number[]
      dividends: number[]
      validators: number[]
    }[]
  }[]
}

let node: MycelNode
let dataDir: string
const view = async () => (await (await fetch(`${node.url}/api/incentives`)).json()) as View
const digitsOf = (v: View) => v.subnets.find((s) => s.name === 'digits') as View['subnets'][number]

beforeAll(async () => {
  dataDir = tempDir('mycel-incentives-')
  node = await start(
    {
      ...resolveOptions({ env: {}, cwd: dataDir }),
      port: 0,
      minerPort: 0,
      pollIntervalMs: 200,
      logLevel: 'silent',
      subnetDemo: true,
      validatorIntervalMs: 1000,
      devnetBlockSeconds: 0.5,
      gateway: 'off',
    },
    { logger: createLogger(process.env.INCENTIVES_LOG ? 'info' : 'silent') },
  )
}, 120_000)

afterAll(async () => {
  await node?.stop()
  rmSync(dataDir, { recursive: true, force: true })
})

describe('incentive subnet on the devnet', () => {
  it('pays miners by measured quality through real epochs, settled and claimed by the node', async () => {
    // Wait for three final epochs in which miners earned something.
    const deadline = Date.now() + 240_000
    let digits = digitsOf(await view())
    while (digits.epochs.filter((e) => e.final && e.incentive.some((x) => x > 0)).length < 3) {
      if (Date.now() > deadline) throw new Error(`epochs did not settle: ${JSON.stringify(digits.epochs.slice(-2))}`)
      await new Promise((r) => setTimeout(r, 2000))
      digits = digitsOf(await view())
    }
    const final = digits.epochs.filter((e) => e.final)
    // Every epoch the node settled is the one it computes itself.
    expect(final.every((e) => e.matches)).toBe(true)
    expect(final.every((e) => BigInt(e.emission) > 0n)).toBe(true)

    // Miners by hotkey: the full model (account 2), then models trained on 1,000 / 200 / 100 samples.
    const uidOf = (account: number) =>
      digits.neurons.find((n) => n.hotkey.toLowerCase() === devnetAccount(account).address.toLowerCase())?.uid as number
    const [full, q1000, q200, q100] = [2, 4, 5, 6].map(uidOf) as [number, number, number, number]
    const last = final.at(-1) as View['subnets'][number]['epochs'][number]
    const incentive = (uid: number) => last.incentive[uid] as number
    expect(incentive(full)).toBeGreaterThan(incentive(q1000))
    expect(incentive(q1000)).toBeGreaterThan(incentive(q100))
    expect(incentive(q200)).toBeGreaterThan(incentive(q100))
    // Both validators hold stake, revealed weights and earn dividends.
    expect(last.validators).toHaveLength(2)
    expect(last.dividends.every((d) => d > 0)).toBe(true)
    expect(digits.weights.length).toBe(2)

    // Measured quality follows the models' held-out accuracy, and every spot check of the honest miners passed.
    for (const { miners } of digits.scores) {
      const q = (uid: number) => miners.find((m) => m.uid === uid)?.quality as number
      expect(q(full)).toBeGreaterThan(q(q100))
      expect(miners.every((m) => m.spotChecks > 0 && m.spotFailures === 0)).toBe(true)
    }

    // The node claimed the shares: minted to the miners' hotkeys.
    const client = createPublicClient({ transport: http(node.rpcUrl) })
    const netuid = BigInt(digits.netuid)
    // The first paying epoch: later ones went final after it, so the node's claims for it are done.
    const epoch = BigInt(final.find((e) => (e.incentive[full] ?? 0) > 0)?.epoch as number)
    expect(
      await isEmissionClaimed(client, { epochs: node.addresses.epochs, netuid, epoch, role: 'miner', uid: full }),
    ).toBe(true)
    expect(
      await isEmissionClaimed(client, { epochs: node.addresses.epochs, netuid, epoch, role: 'owner', uid: 0 }),
    ).toBe(true)
    const balance = await readContract(client, {
      address: node.addresses.mycelToken,
      abi: mycelTokenAbi,
      functionName: 'balanceOf',
      args: [devnetAccount(4).address],
    })
    expect(balance).toBeGreaterThan(10_000n * 10n ** 18n - 100n * 10n ** 18n) // faucet minus registration, plus claims
    const proposals = await getEpochProposals(client, { epochs: node.addresses.epochs, netuid })
    expect(proposals.length).toBeGreaterThanOrEqual(final.length)
  }, 300_000)

  it('miners serve permit holders free and refuse bad validator requests with 401/403', async () => {
    const miner = node.roles.miner
    if (!miner) throw new Error('no miner')
    const path = '/v2/models/digits/infer'
    const body = JSON.stringify({
      inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 784], data: new Array(784).fill(0) }],
    })
    const digits = digitsOf(await view())
    const netuid = BigInt(digits.netuid)
    const target = { chainId: node.chainId, registry: node.addresses.subnetRegistry }
    const send = (header: string, payload = body) =>
      fetch(`${miner.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [VALIDATOR_HEADER]: header },
        body: payload,
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as { error?: { code: string } } }))
    const sign = (account: number, miner_: `0x${string}` = miner.payee, payload = body) =>
      signValidatorRequest(devnetAccount(account), target, {
        netuid,
        miner: miner_,
        method: 'POST',
        path,
        body: payload,
      })

    const header = await sign(3)
    const ok = await send(header)
    expect(ok.status).toBe(200) // no voucher: a validator's request is free
    const replay = await send(header)
    expect([replay.status, replay.body.error?.code]).toEqual([401, 'VALIDATOR_REPLAYED'])
    // Signed by a key without a permit (a funded account that is no validator).
    const stranger = await send(await sign(9))
    expect([stranger.status, stranger.body.error?.code]).toEqual([403, 'NO_VALIDATOR_PERMIT'])
    // Signed for another miner: the signature recovers another address, which holds no permit.
    const elsewhere = await send(await sign(3, devnetAccount(4).address))
    expect(elsewhere.status).toBe(403)
    // The body changed after signing.
    const tampered = await send(await sign(3), body.replace('"shape":[1,784]', '"shape":[1, 784]'))
    expect(tampered.status).toBe(403)
    const malformed = await send('v1.garbage')
    expect([malformed.status, malformed.body.error?.code]).toEqual([401, 'VALIDATOR_MALFORMED'])
    const expired = await send(
      await signValidatorRequest(
        devnetAccount(3),
        target,
        { netuid, miner: miner.payee, method: 'POST', path, body },
        { timestamp: Math.floor(Date.now() / 1000) - 3600 },
      ),
    )
    expect([expired.status, expired.body.error?.code]).toEqual([401, 'VALIDATOR_EXPIRED'])
  })

  it('the CLI shows the subnet, its weights and epochs, and claims what is left', async () => {
    const digits = digitsOf(await view())
    const args = ['--data-dir', node.common.options.dataDir, '--json']
    const shown = await runCli([...args, 'subnet', 'show', '--netuid', String(digits.netuid)])
    expect(shown.code, shown.stderr).toBe(0)
    const subnet = JSON.parse(shown.stdout) as { neurons: { role: string; validatorPermit: boolean }[] }
    expect(subnet.neurons.filter((n) => n.role === 'validator' && n.validatorPermit)).toHaveLength(2)

    const weights = await runCli([...args, 'weights', 'show', '--netuid', String(digits.netuid)])
    expect(weights.code, weights.stderr).toBe(0)
    expect((JSON.parse(weights.stdout) as { validators: unknown[] }).validators).toHaveLength(2)

    const final = digits.epochs.filter((e) => e.final && e.incentive.some((x) => x > 0))
    const epoch = String(final[0]?.epoch)
    const epochShown = await runCli([...args, 'epoch', 'show', '--netuid', String(digits.netuid), '--epoch', epoch])
    expect(epochShown.code, epochShown.stderr).toBe(0)
    const detail = JSON.parse(epochShown.stdout) as { status: string; miners: { emission: string }[] }
    expect(detail.status).toBe('final')
    expect(detail.miners.some((m) => BigInt(m.emission) > 0n)).toBe(true)

    // The node already claimed everything: nothing is left, and claiming twice is refused on chain.
    const claim = await runCli([
      ...args,
      'epoch',
      'claim',
      '--netuid',
      String(digits.netuid),
      '--epoch',
      epoch,
      '--all',
    ])
    expect(claim.code, claim.stderr).toBe(0)
    expect((JSON.parse(claim.stdout) as { claimed: unknown[] }).claimed).toEqual([])
    const bad = await runCli([...args, 'epoch', 'claim', '--netuid', String(digits.netuid), '--epoch', epoch])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/exactly one of --uid/)
  }, 120_000)
})
