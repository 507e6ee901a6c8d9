/**
 * `mycel dataset` as a user runs it (the real bin, in a child process) beside a running node (embedded devnet): a
 * JSON-lines file sealed and registered with the node as its provider, listed and shown, a grant bought by another
 * account, the dataset fetched by that grantee into another data dir (key released by the node, records checked
 * against the chain) and equal to the file, the grant revoked by the owner only, after which a fetch is refused; the
 * owner and the contributor withdraw their exact shares. Bad input is refused by name.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { testUsdAbi, writeContractAndWait } from '@mycel/sdk'
import { createWalletClient, http } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '../../../test/helpers/chain.ts'
import { runCli } from '../../../test/helpers/cli.ts'
import type { MycelNode } from '../../node/src/app/start.ts'
import { devnetAccount } from '../../node/src/devnet/accounts.ts'
import { startTestNode } from '../../node/test/testNode.ts'

const dataDir = tempDir('mycel-cli-dataset-')
const granteeDir = tempDir('mycel-cli-dataset-grantee-')
let node: MycelNode
const contributor = devnetAccount(5).address
const file = join(dataDir, 'notes.jsonl')
const lines = Array.from({ length: 30 }, (_, i) =>
  JSON.stringify({ text: `note ${i}`, label: i % 3 === 0 ? 'spam' : 'ham' }),
)

const owner = (...args: string[]) => runCli(['--data-dir', dataDir, ...args], { timeoutMs: 120_000 })
const grantee = (...args: string[]) =>
  runCli(['--data-dir', granteeDir, '--rpc', node.rpcUrl, ...args], { timeoutMs: 120_000 })
const json = <shape = Record<string, unknown>>(stdout: string) => JSON.parse(stdout) as shape

beforeAll(async () => {
  node = await startTestNode(dataDir, { validator: 'off', epochs: 'off', gateway: 'off', seed: false })
  // The grantee's data dir knows the deployment (as after `mycel deploy` there); account 9 gets tUSD to pay with.
  const { cpSync } = await import('node:fs')
  cpSync(join(dataDir, 'deployments'), join(granteeDir, 'deployments'), { recursive: true })
  const admin = createWalletClient({ account: devnetAccount(0), chain: undefined, transport: http(node.rpcUrl) })
  await writeContractAndWait(admin as never, {
    address: node.addresses.testUsd as `0x${string}`,
    abi: testUsdAbi,
    functionName: 'mint',
    args: [devnetAccount(9).address, 100_000_000n],
  })
  writeFileSync(file, `${lines.join('\n')}\n`)
}, 180_000)
afterAll(async () => {
  await node?.stop()
  rmSync(dataDir, { recursive: true, force: true })
  rmSync(granteeDir, { recursive: true, force: true })
})

describe('mycel dataset', () => {
  it('adds, lists, sells, fetches, revokes and pays out', async () => {
    const added = await owner(
      'dataset',
      'add',
      file,
      '--license',
      'CC-BY-4.0',
      '--access-price',
      '1.5',
      '--record-price',
      '0.01',
      '--contributor',
      `${contributor}:2500`,
      '--dev-account',
      '8',
      '--json',
    )
    expect(added.stderr).toBe('')
    const dataset = json<{ datasetId: string; recordCount: number; provider: string; cid: string }>(added.stdout)
    expect(dataset).toMatchObject({ datasetId: '1', recordCount: 30, provider: node.url })

    const list = json<{ total: string; datasets: { datasetId: string; owner: string }[] }>(
      (await owner('dataset', 'list', '--json')).stdout,
    )
    expect(list.total).toBe('1')
    expect(list.datasets[0]?.owner).toBe(devnetAccount(8).address)

    const bought = json<{ grantId: string; price: string }>(
      (await grantee('dataset', 'grant', '1', '--dev-account', '9', '--json')).stdout,
    )
    expect(bought.price).toBe('1500000')

    const out = join(granteeDir, 'out')
    const fetched = await grantee('dataset', 'fetch', '1', '-o', out, '--dev-account', '9', '--json')
    expect(fetched.code, fetched.stderr).toBe(0)
    expect(json(fetched.stdout)).toMatchObject({ recordCount: 30, grantId: bought.grantId })
    expect(readFileSync(join(out, 'records.jsonl'), 'utf8')).toBe(readFileSync(file, 'utf8'))
    expect(json(readFileSync(join(out, 'schema.json'), 'utf8'))).toMatchObject({ format: 'jsonl' })

    const notOwner = await grantee('dataset', 'revoke', bought.grantId, '--dev-account', '9')
    expect(notOwner.code).toBe(1)
    expect(notOwner.stderr).toMatch(/does not own dataset 1/)
    expect((await owner('dataset', 'revoke', bought.grantId, '--dev-account', '8')).code).toBe(0)
    const refused = await grantee('dataset', 'fetch', '1', '-o', out, '--dev-account', '9', '--grant', bought.grantId)
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/revoked/)

    const shown = json<{ grants: { grantId: string; revoked: boolean; valid: boolean }[] }>(
      (await owner('dataset', 'show', '1', '--json')).stdout,
    )
    expect(shown.grants).toEqual([expect.objectContaining({ grantId: bought.grantId, revoked: true, valid: false })])
    const human = await owner('dataset', 'show', '1')
    expect(human.stdout).toMatch(/access 1.5 tUSD, records 0.01 tUSD each/)
    expect(human.stdout).toMatch(/revoked/)

    const paid = json<{ amount: string }>((await owner('dataset', 'withdraw', '--dev-account', '8', '--json')).stdout)
    expect(paid.amount).toBe('1125000')
    const share = json<{ amount: string }>((await owner('dataset', 'withdraw', '--dev-account', '5', '--json')).stdout)
    expect(share.amount).toBe('375000')
    const nothing = await owner('dataset', 'withdraw', '--dev-account', '5')
    expect(nothing.code).toBe(1)
    expect(nothing.stderr).toMatch(/nothing to withdraw/)
  })

  it('certifies on EAS, lists by certification, and uncertifies', async () => {
    const certifier = devnetAccount(6).address
    expect(
      (await owner('dataset', 'grant', '1', '--kind', 'compute', '--give', certifier, '--dev-account', '8')).code,
    ).toBe(0)
    const certified = await grantee('dataset', 'certify', '1', '--dev-account', '6', '--json')
    expect(certified.code, certified.stderr).toBe(0)
    const { uid, onchain, report } = json<{
      uid: string
      onchain: boolean
      report: { passed: boolean; labels: { field: string } }
    }>(certified.stdout)
    expect(onchain).toBe(true)
    expect(report.passed).toBe(true)
    expect(report.labels.field).toBe('label')
    const listed = json<{ datasets: { datasetId: string; certified: boolean }[] }>(
      (await owner('dataset', 'list', '--certified', '--json')).stdout,
    )
    expect(listed.datasets.map((d) => d.datasetId)).toEqual(['1'])
    const offchain = await grantee('dataset', 'certify', '1', '--dev-account', '6', '--offchain', '--json')
    expect(json<{ onchain: boolean; offchain: { signer: string } }>(offchain.stdout)).toMatchObject({
      onchain: false,
      offchain: { signer: certifier },
    })
    expect((await owner('dataset', 'uncertify', uid, '--dev-account', '6')).code).toBe(0)
    expect(
      json<{ datasets: unknown[] }>((await owner('dataset', 'list', '--certified', '--json')).stdout).datasets,
    ).toEqual([])
    const bad = await owner('dataset', 'uncertify', '0x1234')
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/not an attestation uid/)
  })

  it('a personal vault serves records and answers queries to grants only, and logs every request', async () => {
    const added = await owner(
      'dataset',
      'add',
      file,
      '--license',
      'CC0-1.0',
      '--record-price',
      '0.01',
      '--query-price',
      '0.02',
      '--name',
      'my notes',
      '--dev-account',
      '8',
      '--json',
    )
    expect(added.code, added.stderr).toBe(0)
    const id = json<{ datasetId: string }>(added.stdout).datasetId
    const records = json<{ grantId: string; price: string }>(
      (await grantee('dataset', 'grant', id, '--kind', 'records', '--records', '2,4,6', '--dev-account', '9', '--json'))
        .stdout,
    )
    expect(records.price).toBe('30000')
    const recordsAs = (account: string, ...flags: string[]) =>
      grantee('dataset', 'records', id, '--grant', records.grantId, '--dev-account', account, ...flags)
    const all = await recordsAs('9', '--json')
    expect(all.code, all.stderr).toBe(0)
    const got = json<{ records: { index: number; data: string }[] }>(all.stdout).records
    expect(got.map((r) => [r.index, Buffer.from(r.data, 'base64').toString()])).toEqual(
      [2, 4, 6].map((i) => [i, lines[i]]),
    )
    const one = await recordsAs('9', '--records', '4')
    expect(one.code, one.stderr).toBe(0)
    expect(one.stdout).toContain(lines[4])
    const outside = await recordsAs('9', '--records', '5')
    expect(outside.code).toBe(1)
    expect(outside.stderr).toContain('Records 5 are not in grant')
    const stranger = await recordsAs('7')
    expect(stranger.code).toBe(1)
    expect(stranger.stderr).toContain('but grant')

    const queries = json<{ grantId: string }>(
      (await grantee('dataset', 'grant', id, '--kind', 'queries', '--queries', '1', '--dev-account', '9', '--json'))
        .stdout,
    )
    const histogram = '{"select":"histogram","field":"label"}'
    expect((await grantee('dataset', 'query', id, '{"select":"drop"}', '--grant', queries.grantId)).code).toBe(2)
    const answered = await grantee(
      'dataset',
      'query',
      id,
      histogram,
      '--grant',
      queries.grantId,
      '--dev-account',
      '9',
      '--json',
    )
    expect(answered.code, answered.stderr).toBe(0)
    expect(json<{ answer: unknown }>(answered.stdout).answer).toEqual({
      select: 'histogram',
      field: 'label',
      matched: 30,
      buckets: { ham: 20, spam: 10 },
      suppressed: 0,
    })
    const again = await grantee('dataset', 'query', id, histogram, '--grant', queries.grantId, '--dev-account', '9')
    expect(again.code).toBe(1)
    expect(again.stderr).toContain('all answered')

    const log = json<{ action: string; released: boolean; grantId: string; reason: string }[]>(
      (await owner('dataset', 'log', id, '--json')).stdout,
    )
    const summary = log.map((r) => `${r.action} ${r.released ? 'served' : 'refused'} ${r.grantId}`)
    expect(summary).toEqual(
      expect.arrayContaining([
        `records served ${records.grantId}`,
        `records refused ${records.grantId}`,
        `query served ${queries.grantId}`,
        `query refused ${queries.grantId}`,
      ]),
    )
    expect((await owner('dataset', 'log', id)).stdout).toMatch(/refused.*queries used up/)
  })

  it('refuses bad input by name', async () => {
    const cases: [string[], RegExp][] = [
      [['dataset', 'add', file], /--license/],
      [['dataset', 'add', join(dataDir, 'missing.jsonl'), '--license', 'MIT'], /no such file/],
      [['dataset', 'add', file, '--license', 'MIT', '--access-price', 'cheap'], /--access-price must be a number/],
      [['dataset', 'add', file, '--license', 'MIT', '--contributor', 'alice'], /--contributor must be <address>:<bps>/],
      [['dataset', 'add', file, '--license', 'MIT', '--format', 'tensor'], /--width/],
      [['dataset', 'grant', '1', '--kind', 'compute'], /Compute grants are not sold/],
      [['dataset', 'grant', '1', '--kind', 'records', '--records', '3,3'], /names a record twice/],
      [['dataset', 'grant', '1', '--kind', 'records'], /names its records/],
      [['dataset', 'grant', '1', '--kind', 'gold'], /--kind must be one of/],
      [['dataset', 'show', 'one'], /dataset id must be an integer/],
    ]
    for (const [args, message] of cases) {
      const r = await owner(...args)
      expect(r.code, args.join(' ')).toBe(2)
      expect(r.stderr).toMatch(message)
    }
    const bad = join(dataDir, 'bad.jsonl')
    writeFileSync(bad, '{"ok":1}\n{not json}\n')
    const badLine = await owner('dataset', 'add', bad, '--license', 'MIT', '--dev-account', '8')
    expect(badLine.code).toBe(2)
    expect(badLine.stderr).toMatch(/Line 2 is not valid JSON/)
    const unknown = await owner('dataset', 'grant', '99', '--dev-account', '9')
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toMatch(/Dataset 99 does not exist/)
    const notOffered = await owner('dataset', 'grant', '1', '--kind', 'training', '--dev-account', '9')
    expect(notOffered.stderr).toMatch(/does not sell training grants/)
  })
})
