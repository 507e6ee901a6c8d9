/**
 * Issue #16's "done": a fresh `npm start` seeds a certified dataset (the MNIST digits, sealed in the node's vault,
 * certified on EAS — read back here with EAS's own SDK), trains the example job on it by compute-to-data (the
 * buyer never gets the key; the owner is paid the training price), the buyer accepts and receives the model; the
 * model is served by a miner (`mycel miner serve`) and answers a paid request; that answer is verified (signature,
 * Merkle proof, anchor) and its lineage walks back through the model and the job to the dataset and its
 * certification. The seeded personal vault's grantee used its records and query grants, logged.
 */
import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { devnetAccount } from '@mycel/node'
import { accessGrantsAbi, mycelSchemaUids } from '@mycel/sdk'
import { createPublicClient, http } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from './helpers/chain.ts'
import { mycelBin, type RunningUp, runCli, startUp } from './helpers/cli.ts'

const dataDir = tempDir('mycel-economy-')
let node: RunningUp
let miner: ReturnType<typeof spawn> | undefined
const OWNER = devnetAccount(12).address
const CERTIFIER = devnetAccount(13).address
const TREASURY = devnetAccount(0).address

beforeAll(async () => {
  node = await startUp(dataDir)
}, 120_000)
afterAll(async () => {
  if (miner && miner.exitCode === null) miner.kill('SIGINT')
  await node?.stop()
})

const api = async <shape>(path: string, base = node.summary.api) =>
  (await (await fetch(`${base}${path}`)).json()) as shape
async function until<value>(what: string, read: () => Promise<value | undefined>, timeoutMs: number): Promise<value> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await read().catch(() => undefined)
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`)
    await new Promise((r) => setTimeout(r, 1000))
  }
}
const cli = (...args: string[]) => runCli(['--data-dir', dataDir, ...args], { timeoutMs: 120_000 })

type DataOverview = {
  datasets: {
    datasetId: string
    cid: string
    certified: boolean
    certifications: { uid: string; onchain: boolean }[]
  }[]
  releases: { action: string; requester: string; released: boolean }[]
}
type Job = { id: string; status: string; buyer: string; modelId: string }

describe('the data economy npm start seeds', () => {
  it('a certified dataset, trained on by compute-to-data, its model paid for, an answer traced back to it', async () => {
    // The certified dataset and the personal vault.
    const data = await until(
      'the seeded datasets',
      async () => {
        const d = await api<DataOverview>('/api/data')
        return d.datasets.length >= 2 && d.datasets.some((x) => x.certified) ? d : undefined
      },
      120_000,
    )
    const digits = data.datasets.find((d) => d.datasetId === '1')
    expect(digits?.certified).toBe(true)
    const uid = digits?.certifications.find((c) => c.onchain)?.uid as string
    // EAS's own SDK reads the certification from the chain, as any EAS tool would.
    const { EAS } = createRequire(import.meta.url)('@ethereum-attestation-service/eas-sdk')
    const { JsonRpcProvider } = createRequire(import.meta.url)('ethers')
    const eas = new EAS(node.summary.contracts.eas)
    eas.connect(new JsonRpcProvider(node.summary.rpcUrl))
    const attestation = await eas.getAttestation(uid)
    expect(attestation.attester).toBe(CERTIFIER)
    expect(attestation.schema).toBe(mycelSchemaUids.datasetCertification)
    expect(attestation.revocationTime).toBe(0n)

    // The example job trains on it by compute-to-data; the buyer (the treasury) accepts as soon as it is submitted.
    const network = await api<{ contracts: Record<string, string> }>('/api/network')
    const submitted = await until(
      'job 1 trained and submitted',
      async () => {
        const job = (await api<{ jobs: Job[] }>('/api/training')).jobs.find((j) => j.id === '1')
        return job && ['submitted', 'accepted'].includes(job.status) ? job : undefined
      },
      240_000,
    )
    expect(submitted.buyer).toBe(network.contracts.computeToData)
    const accepted = await cli('job', 'accept', '1', '--dev-account', '0', '--json')
    expect(accepted.code, accepted.stderr).toBe(0)
    const { modelId, buyer } = JSON.parse(accepted.stdout) as { modelId: string; buyer: string }
    expect(buyer).toBe(TREASURY)
    const model = JSON.parse((await cli('model', 'show', modelId, '--json')).stdout) as {
      owner: string
      weightsCid: string
    }
    expect(model.owner).toBe(TREASURY)
    // The owner was paid the training price (1 tUSD) when the job was posted; the buyer never got the key.
    const client = createPublicClient({ transport: http(node.summary.rpcUrl) })
    expect(
      await client.readContract({
        address: node.summary.contracts.accessGrants as `0x${string}`,
        abi: accessGrantsAbi,
        functionName: 'owed',
        args: [node.summary.contracts.testUsd as `0x${string}`, OWNER],
      }),
    ).toBeGreaterThanOrEqual(1_000_000n)
    const releases = (await api<DataOverview>('/api/data')).releases
    expect(releases.some((r) => r.action === 'key' && r.released)).toBe(true)
    expect(releases.filter((r) => r.released).map((r) => r.requester)).not.toContain(TREASURY)
    expect(releases.some((r) => r.action === 'records' && r.released)).toBe(true)
    expect(releases.some((r) => r.action === 'query' && r.released)).toBe(true)

    // The model serves paid requests.
    miner = spawn(
      process.execPath,
      [
        mycelBin,
        'miner',
        'serve',
        '--json',
        '--data-dir',
        dataDir,
        '--model',
        model.weightsCid,
        '--subnet',
        'digits',
        '--port',
        '0',
      ],
      { env: { ...process.env, MYCEL_LOG_LEVEL: 'silent' }, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    const served = await new Promise<{ api: string; url: string }>((resolve, reject) => {
      let out = ''
      miner?.stdout?.on('data', (d) => {
        out += d
        try {
          resolve(JSON.parse(out))
        } catch {}
      })
      miner?.once('exit', (code) => reject(new Error(`miner serve exited ${code}: ${out}`)))
    })
    const sample = join(import.meta.dirname, '..', 'models', 'digits', 'samples', '7.png')
    // The gateway finds the new miner at its next discovery (every 10 s).
    const answer = await until(
      'a paid answer of the trained model',
      async () => {
        const r = await cli('infer', `model-${modelId}`, sample, '--json')
        return r.code === 0
          ? (JSON.parse(r.stdout) as { mycel: { cost: string; provenance: { output: string } } })
          : undefined
      },
      60_000,
    )
    expect(BigInt(answer.mycel.cost)).toBeGreaterThan(0n)
    // The answer, verified (signature, proof, anchor) at the miner's node, and traced back to the dataset.
    const output = answer.mycel.provenance.output
    const verified = await until(
      'the answer anchored',
      async () => {
        const r = await cli('verify', output, '--url', served.api, '--json')
        const v = JSON.parse(r.stdout) as {
          receipts?: { receipt: { model: string }; verdict: { ok: boolean; anchored: boolean } }[]
        }
        return r.code === 0 && v.receipts?.some((x) => x.verdict.ok && x.verdict.anchored) ? v : undefined
      },
      60_000,
    )
    expect(verified.receipts?.[0]?.receipt.model).toBe(model.weightsCid)
    const lineage = await api<{ found: string; edges: { from: string; to: string; relation: string }[] }>(
      `/api/lineage/${output}`,
      served.api,
    )
    expect(lineage.found).toBe('output')
    expect(lineage.edges).toEqual(
      expect.arrayContaining([
        { from: `model:${modelId}`, to: `output:${output}`, relation: 'answered' },
        { from: 'job:1', to: `model:${modelId}`, relation: 'produced' },
        { from: 'dataset:1', to: 'job:1', relation: 'trained in' },
        { from: `certification:${uid}`, to: 'dataset:1', relation: 'certifies' },
      ]),
    )
  }, 600_000)
})
