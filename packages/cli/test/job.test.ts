/**
 * `mycel job` and `mycel job round` as a user runs them (the real bin, in a child process) against a real anvil with
 * the mycel contracts recorded in a fresh data dir. A job is submitted from a spec file and listed; a research round
 * is opened, a job proposed, funded by three contributors, finalized (the QF match goes to the only proposal with
 * more than one contributor), launched into the market with raised + match as its budget, then withdrawn while still
 * at auction — every contributor and the sponsor reclaim exactly what they put in; a round nobody funded returns its
 * pool. Bad input is refused by name.
 */
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { writeDeployments } from '@mycel/node'
import { deployMycel, type MycelAddresses, registerDataset, testUsdAbi, writeContractAndWait } from '@mycel/sdk'
import { parseEther } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestChain, type TestChain, tempDir } from '../../../test/helpers/chain.ts'
import { runCli } from '../../../test/helpers/cli.ts'

const dataDir = tempDir('mycel-cli-job-')
let t: TestChain
let rpc: string
let researchRounds: string
let usd: `0x${string}`
let addresses: MycelAddresses

const cli = (...args: string[]) => runCli(['--data-dir', dataDir, '--rpc', rpc, ...args], { timeoutMs: 120_000 })
const json = <shape = Record<string, unknown>>(stdout: string) => JSON.parse(stdout) as shape
const specFile = join(dataDir, 'small.spec.json')

beforeAll(async () => {
  t = await startTestChain()
  rpc = t.anvil.rpcUrl
  const wallet = t.wallet(0)
  const result = await deployMycel(wallet, {
    treasury: wallet.account.address,
    initialSupply: parseEther('1000000'),
    testStablecoin: true,
  })
  writeDeployments(dataDir, {
    chainId: t.chain.id,
    method: result.method,
    deployer: wallet.account.address,
    treasury: wallet.account.address,
    deployedAt: new Date().toISOString(),
    contracts: result.contracts,
  })
  researchRounds = result.addresses.researchRounds
  usd = result.addresses.testUsd as `0x${string}`
  addresses = result.addresses
  for (const i of [0, 1, 2, 3]) {
    await writeContractAndWait(wallet, {
      address: usd,
      abi: testUsdAbi,
      functionName: 'mint',
      args: [t.wallet(i).account.address, 100_000_000n],
    })
  }
  writeFileSync(
    specFile,
    JSON.stringify({
      model: { type: 'mlp', layers: [784, 16, 10] },
      dataset: 'mnist',
      optimizer: { kind: 'sgd', learningRate: 0.05, momentum: 0.9 },
      batchSize: 8,
      seed: 3,
      steps: 20,
    }),
  )
}, 120_000)
afterAll(async () => {
  await t?.stop()
  rmSync(dataDir, { recursive: true, force: true })
})

const balance = async (i: number) =>
  t.publicClient.readContract({
    address: usd,
    abi: testUsdAbi,
    functionName: 'balanceOf',
    args: [t.wallet(i).account.address],
  })

describe('mycel job', () => {
  it('has help for every subcommand', async () => {
    for (const args of [['job'], ['job', 'submit'], ['job', 'round'], ['job', 'round', 'propose']]) {
      const help = await runCli([...args, '--help'])
      expect(help.code, args.join(' ')).toBe(0)
      expect(help.stdout).toContain('Usage: mycel')
    }
  })

  it('submits a job from a spec file and lists it; bad input is named', async () => {
    const missing = await cli('job', 'submit', '--spec', join(dataDir, 'nope.json'))
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('--spec')
    const uneven = await cli('job', 'submit', '--spec', specFile, '--checkpoint-every', '7')
    expect(uneven.stderr).toContain("--checkpoint-every 7 must divide the spec's 20 steps")
    const zero = await cli('job', 'submit', '--spec', specFile, '--checkpoint-every', '10', '--budget', '0')
    expect(zero.stderr).toContain('--budget must be greater than zero')
    const submitted = await cli('job', 'submit', '--spec', specFile, '--checkpoint-every', '10', '--json')
    expect(submitted.code, submitted.stderr).toBe(0)
    const { jobId } = json<{ jobId: string }>(submitted.stdout)
    expect(jobId).toBe('1')
    const listed = json<{ id: string; status: string; budget: string }[]>((await cli('job', 'list', '--json')).stdout)
    expect(listed).toEqual([expect.objectContaining({ id: '1', status: 'bidding', budget: '2000000' })])
    const unknown = await cli('job', 'show', '9')
    expect(unknown.stderr).toContain('Training job 9 does not exist (there are 1)')
  })

  it('funds a job by quadratic funding; a withdrawn proposal returns every contribution and the match', async () => {
    expect((await cli('job', 'round', 'show', '4')).stderr).toContain('Research round 4 does not exist')
    expect((await cli('job', 'round', 'open', '--pool', 'ten')).stderr).toContain('--pool must be a number of tokens')
    const opened = await cli('job', 'round', 'open', '--pool', '10', '--duration', '120', '--json')
    expect(opened.code, opened.stderr).toBe(0)
    const { roundId } = json<{ roundId: string }>(opened.stdout)
    const proposed = await cli(
      'job',
      'round',
      'propose',
      roundId,
      '--spec',
      specFile,
      '--checkpoint-every',
      '10',
      '--json',
    )
    expect(proposed.code, proposed.stderr).toBe(0)
    const { proposalId } = json<{ proposalId: string }>(proposed.stdout)
    const before = await Promise.all([0, 1, 2, 3].map(balance))
    for (const [i, amount] of [
      [1, '1'],
      [2, '1'],
      [3, '2'],
    ] as const) {
      const c = await cli(
        'job',
        'round',
        'contribute',
        proposalId,
        '--amount',
        amount,
        '--dev-account',
        `${i}`,
        '--json',
      )
      expect(c.code, c.stderr).toBe(0)
    }
    const early = await cli('job', 'round', 'finalize', roundId)
    expect(early.code).toBe(1)
    expect(early.stderr).toContain(`Round ${roundId} takes contributions until`)
    await t.increaseTime(121)
    const finalized = json<{ proposals: { raised: string; score: string; matched: string }[] }>(
      (await cli('job', 'round', 'finalize', roundId, '--json')).stdout,
    )
    // (√1 + √1 + √2)² − 4 = 2 + 4√2 ≈ 7.657 tUSD of score; the only proposal takes the whole pool.
    expect(finalized.proposals[0]).toMatchObject({ raised: '4000000', matched: '10000000' })
    expect(Number(finalized.proposals[0]?.score)).toBeCloseTo((2 + 4 * Math.SQRT2) * 1e6, -1)
    const launched = json<{ jobId: string; budget: string }>(
      (await cli('job', 'round', 'launch', proposalId, '--dev-account', '2', '--json')).stdout,
    )
    expect(launched.budget).toBe('14000000')
    const job = json<{ buyer: string; status: string }>((await cli('job', 'show', launched.jobId, '--json')).stdout)
    expect(job.buyer.toLowerCase()).toBe(researchRounds.toLowerCase())
    expect(job.status).toBe('bidding')
    const notYet = await cli('job', 'round', 'claim', proposalId)
    expect(notYet.stderr).toContain(`job ${launched.jobId} is bidding: no model yet and nothing to refund`)
    expect((await cli('job', 'round', 'withdraw', proposalId, '--dev-account', '1')).stderr).toContain(
      `Only proposal ${proposalId}'s proposer or its round's sponsor may withdraw it`,
    )
    expect((await cli('job', 'round', 'withdraw', proposalId, '--json')).code).toBe(0)
    for (const i of [1, 2, 3]) {
      const r = await cli('job', 'round', 'reclaim', proposalId, '--dev-account', `${i}`, '--json')
      expect(r.code, r.stderr).toBe(0)
    }
    const sponsor = json<{ amount: string }>((await cli('job', 'round', 'reclaim', proposalId, '--json')).stdout)
    expect(sponsor.amount).toBe('10000000')
    expect(await Promise.all([0, 1, 2, 3].map(balance))).toEqual(before.map((b, i) => (i === 0 ? b + 10_000_000n : b)))
    const again = await cli('job', 'round', 'reclaim', proposalId, '--dev-account', '1')
    expect(again.stderr).toContain(`nothing to reclaim from proposal ${proposalId}`)
    const shown = json<{ status: string; proposals: { withdrawn: boolean }[] }>(
      (await cli('job', 'round', 'show', roundId, '--json')).stdout,
    )
    expect(shown).toMatchObject({ status: 'finalized', proposals: [{ withdrawn: true }] })
  })

  it('a round no proposal scored in returns its pool to the sponsor', async () => {
    const opened = json<{ roundId: string }>(
      (await cli('job', 'round', 'open', '--pool', '3', '--duration', '60', '--json')).stdout,
    )
    const early = await cli('job', 'round', 'reclaim-pool', opened.roundId)
    expect(early.stderr).toContain(`Round ${opened.roundId} is not finalized yet`)
    await t.increaseTime(61)
    expect((await cli('job', 'round', 'finalize', opened.roundId, '--dev-account', '3')).code).toBe(0)
    const before = await balance(0)
    const back = await cli('job', 'round', 'reclaim-pool', opened.roundId, '--dev-account', '2', '--json')
    expect(back.code, back.stderr).toBe(0)
    expect(json<{ amount: string }>(back.stdout).amount).toBe('3000000')
    expect(await balance(0)).toBe(before + 3_000_000n)
    const listed = json<{ id: string; status: string }[]>((await cli('job', 'round', 'list', '--json')).stdout)
    expect(listed.map((r) => [r.id, r.status])).toEqual([
      [opened.roundId, 'finalized'],
      ['1', 'finalized'],
    ])
  })

  it('submits a job on a registered dataset (compute-to-data): the training grant is bought in the same transaction', async () => {
    const owner = t.wallet(2)
    const { datasetId } = await registerDataset(owner, {
      datasetRegistry: addresses.datasetRegistry,
      listing: {
        cid: 'bafkreidigits',
        schemaCid: 'bafkreischema',
        recordsRoot: `0x${'5a'.repeat(32)}`,
        recordCount: 256,
        license: 'CC0-1.0',
        provider: 'http://127.0.0.1:1',
      },
      terms: {
        currency: usd,
        offers: ['training'],
        grantDuration: 0,
        accessPrice: 0n,
        trainingPrice: 3_000_000n,
        recordPrice: 0n,
        queryPrice: 0n,
      },
      contributors: [],
    })
    const args = ['job', 'submit', '--spec', specFile, '--checkpoint-every', '10', '--dev-account', '1']
    expect((await cli(...args, '--grant', '1')).stderr).toContain('--grant goes with --dataset <id>')
    expect((await cli(...args, '--dataset', '99')).stderr).toContain('Dataset 99 does not exist')
    const before = await balance(1)
    const posted = await cli(...args, '--dataset', datasetId.toString(), '--json')
    expect(posted.code, posted.stderr).toBe(0)
    const out = json<{ jobId: string; grantId: string; dataPrice: string; datasetCid: string }>(posted.stdout)
    expect(out).toMatchObject({ dataPrice: '3000000', datasetCid: 'bafkreidigits' })
    expect(before - (await balance(1))).toBe(2_000_000n + 3_000_000n) // the budget and the data price
    const shown = json<{ buyer: string; datasetCid: string }>((await cli('job', 'show', out.jobId, '--json')).stdout)
    expect(shown.buyer).toBe(addresses.computeToData)
    // The grant runs that job: posting again under it is refused by name while the job lives.
    const again = await cli(...args, '--dataset', datasetId.toString(), '--grant', out.grantId)
    expect(again.stderr).toContain(`Training grant ${out.grantId} already runs job ${out.jobId}`)
    expect((await cli('job', 'approve', out.jobId, '--dev-account', '1')).stderr).toContain(
      'only its owner approves the spec',
    )
    const approved = await cli('job', 'approve', out.jobId, '--dev-account', '2', '--json')
    expect(approved.code, approved.stderr).toBe(0)
    expect(json<{ approved: boolean }>(approved.stdout).approved).toBe(true)
    expect((await cli('job', 'approve', '1')).stderr).toContain('Job 1 was not posted on a dataset')
    const early = await cli('job', 'accept', out.jobId, '--dev-account', '1')
    expect(early.stderr).toContain(`Job ${out.jobId} is bidding: there is no result to accept`)
  })
})
