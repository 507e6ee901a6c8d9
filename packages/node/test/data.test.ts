/**
 * Key release on a real node (embedded devnet, the data-market contracts): a dataset sealed into the node's vault
 * and registered; grantees fetch it through `POST /api/data/keys` from another data dir (key wrapped to them, sealed
 * bytes fetched by CID and verified, records checked against the chain). Refused, with the reason logged and nothing
 * released: a request signed by another key, a revoked grant, an expired one, a training grant, a stale request, an
 * unknown grant, a malformed body, a dataset whose key is not here. A tampered ciphertext is refused by its tag.
 * Certification: a certifier with a compute grant certifies the dataset on chain and off chain (the offchain package
 * verified with EAS's own SDK, kept by the provider, a forged one refused); `?certified=true` filters; revoking both
 * shows them revoked everywhere.
 */
import { rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import {
  buyGrant,
  DATA_REQUEST_MAX_AGE,
  dataRequestBody,
  dataRequestDomain,
  easAbi,
  getDataset,
  issueGrant,
  registerDataset,
  revokeAttestation,
  revokeGrant,
  revokeOffchainAttestation,
  signDataRequest,
  testUsdAbi,
  writeContractAndWait,
} from '@mycel/sdk'
import { createPublicClient, createWalletClient, http } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '../../../test/helpers/chain.ts'
import type { MycelNode } from '../src/app/start.ts'
import { certifyDataset } from '../src/certifier/certify.ts'
import { createContentStore } from '../src/content/contentStore.ts'
import { offchainFromJson } from '../src/data/easOffchain.ts'
import { DatasetCiphertextError, decryptDataset, unwrapKey } from '../src/data/encryption.ts'
import { fetchDataset, requestDatasetKey } from '../src/data/fetchDataset.ts'
import { readReleases } from '../src/db/stores/vault.ts'
import { devnetAccount, devnetPrivateKey } from '../src/devnet/accounts.ts'
import { openVault, recordRegistration, sealDataset, type Vault } from '../src/vault/vault.ts'
import { startTestNode } from './testNode.ts'

const dataDir = tempDir('mycel-data-')
const granteeDir = tempDir('mycel-data-grantee-')
let node: MycelNode
let vault: Vault
let datasetId: bigint
let sealedCid: string
const owner = devnetAccount(8)
const grantee = devnetAccount(9)
const stranger = devnetAccount(7)
const records = Array.from({ length: 25 }, (_, i) => JSON.stringify({ text: `note ${i}`, label: i % 2 ? 'a' : 'b' }))
const wallet = (account: typeof owner) =>
  createWalletClient({ account, chain: undefined, transport: http(node.rpcUrl) }) as never

const rpc = (method: string, params: unknown[] = []) =>
  fetch(node.rpcUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  })
const postKey = async (body: unknown) => {
  const response = await fetch(`${node.url}/api/data/keys`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
  return { status: response.status, body: (await response.json()) as Record<string, never> }
}
const signed = async (account: typeof owner, grantId: bigint, issuedAt = Math.floor(Date.now() / 1000)) => ({
  grantId: grantId.toString(),
  issuedAt,
  signature: await signDataRequest(account, dataRequestDomain(node.chainId, node.addresses.accessGrants), {
    grantId,
    action: 'key',
    body: dataRequestBody(''),
    issuedAt: BigInt(issuedAt),
  }),
})
const buy = async (account: typeof owner, kind: 'access' | 'training') =>
  (
    await buyGrant(wallet(account), {
      datasetRegistry: node.addresses.datasetRegistry,
      accessGrants: node.addresses.accessGrants,
      datasetId,
      kind,
    })
  ).grantId

beforeAll(async () => {
  node = await startTestNode(dataDir, { validator: 'off', epochs: 'off', gateway: 'off', seed: false })
  vault = await openVault(dataDir)
  const store = createContentStore(dataDir)
  const sealed = await sealDataset(vault, store, { bytes: Buffer.from(`${records.join('\n')}\n`), name: 'notes' })
  store.close()
  sealedCid = sealed.cid
  const testUsd = node.addresses.testUsd as `0x${string}`
  // Devnet account 0 owns TestUSD: the grantees get some to pay with.
  for (const account of [grantee, stranger])
    await writeContractAndWait(wallet(devnetAccount(0)), {
      address: testUsd,
      abi: testUsdAbi,
      functionName: 'mint',
      args: [account.address, 10n ** 12n],
    })
  ;({ datasetId } = await registerDataset(wallet(owner), {
    datasetRegistry: node.addresses.datasetRegistry,
    listing: {
      cid: sealed.cid,
      schemaCid: sealed.schemaCid,
      recordsRoot: sealed.recordsRoot,
      recordCount: sealed.recordCount,
      license: 'CC0-1.0',
      provider: node.url,
    },
    terms: {
      currency: testUsd,
      offers: ['access', 'training'],
      grantDuration: 600,
      accessPrice: 1_000n,
      trainingPrice: 5_000n,
      recordPrice: 0n,
      queryPrice: 0n,
    },
  }))
  recordRegistration(vault, {
    chainId: node.chainId,
    datasetRegistry: node.addresses.datasetRegistry,
    datasetId,
    cid: sealed.cid,
  })
}, 180_000)
afterAll(async () => {
  vault?.close()
  await node?.stop()
  rmSync(dataDir, { recursive: true, force: true })
  rmSync(granteeDir, { recursive: true, force: true })
})

describe('key release', () => {
  it('gives a grantee the key and the records, fetched from another data dir and checked against the chain', async () => {
    const grantId = await buy(grantee, 'access')
    const store = createContentStore(granteeDir)
    try {
      const fetched = await fetchDataset({
        client: createPublicClient({ transport: http(node.rpcUrl) }),
        chainId: node.chainId,
        addresses: node.addresses,
        datasetId,
        account: grantee,
        privateKey: devnetPrivateKey(9),
        store,
      })
      expect(fetched.grant.grantId).toBe(grantId)
      expect(fetched.recordCount).toBe(25)
      expect(fetched.bytes.toString()).toBe(`${records.join('\n')}\n`)
      expect(fetched.schema.format).toBe('jsonl')
      // The grantee's store now holds the sealed bytes, fetched by CID from the provider: changed, they are refused.
      const sealed = Buffer.from((await store.get(sealedCid)) as Uint8Array)
      const { key } = await requestDatasetKey({
        provider: node.url,
        chainId: node.chainId,
        accessGrants: node.addresses.accessGrants,
        grantId,
        account: grantee,
        privateKey: devnetPrivateKey(9),
      })
      expect(decryptDataset(sealed, key).toString()).toBe(`${records.join('\n')}\n`)
      sealed[sealed.length - 3] = (sealed[sealed.length - 3] as number) ^ 1
      expect(() => decryptDataset(sealed, key)).toThrow(DatasetCiphertextError)
    } finally {
      store.close()
    }
    const [last] = readReleases(vault.db, { limit: 1 })
    expect(last).toMatchObject({ released: true, grantId: grantId.toString(), requester: grantee.address })
  })

  it('releases nothing to a request signed by another key than the grantee', async () => {
    const grantId = await buy(grantee, 'access')
    const { status, body } = await postKey(await signed(stranger, grantId))
    expect(status).toBe(403)
    expect(body.error).toMatchObject({ code: 'NOT_GRANTEE' })
    expect(JSON.stringify(body)).not.toMatch(/wrappedKey/)
    expect(readReleases(vault.db, { limit: 1 })[0]).toMatchObject({ released: false, reason: 'not the grantee' })
  })

  it('refuses a revoked grant, an expired one and a training grant', async () => {
    const revoked = await buy(grantee, 'access')
    await revokeGrant(wallet(owner), { accessGrants: node.addresses.accessGrants, grantId: revoked })
    expect((await postKey(await signed(grantee, revoked))).body.error).toMatchObject({ code: 'GRANT_REVOKED' })
    const training = await buy(grantee, 'training')
    const refusal = await postKey(await signed(grantee, training))
    expect(refusal.status).toBe(403)
    expect(refusal.body.error).toMatchObject({ code: 'NO_KEY_FOR_KIND' })
    const expiring = await buy(grantee, 'access')
    await rpc('evm_increaseTime', [601])
    await rpc('evm_mine')
    expect((await postKey(await signed(grantee, expiring))).body.error).toMatchObject({ code: 'GRANT_EXPIRED' })
    const reasons = readReleases(vault.db, { limit: 3 }).map((r) => r.reason)
    expect(reasons).toEqual(['expired', 'a training grant', 'revoked'])
  })

  it('gives a compute grant (a provider the owner trusts) the key', async () => {
    const { grantId } = await issueGrant(wallet(owner), {
      accessGrants: node.addresses.accessGrants,
      datasetId,
      kind: 'compute',
      grantee: stranger.address,
      duration: 0n,
    })
    const { status, body } = await postKey(await signed(stranger, grantId))
    expect(status).toBe(200)
    expect(body.cid).toBe(sealedCid)
    const key = unwrapKey(devnetPrivateKey(7), Buffer.from(String(body.wrappedKey).slice(2), 'hex'))
    expect(key.length).toBe(32)
  })

  it('refuses stale, unknown, unsigned and malformed requests with 4xx', async () => {
    const grantId = await buy(grantee, 'access')
    const old = await signed(grantee, grantId, Math.floor(Date.now() / 1000) - DATA_REQUEST_MAX_AGE - 120)
    expect((await postKey(old)).body.error).toMatchObject({ code: 'STALE_REQUEST' })
    const unknown = await postKey(await signed(grantee, 9_999n))
    expect(unknown.status).toBe(404)
    expect(unknown.body.error).toMatchObject({ code: 'UNKNOWN_GRANT' })
    const good = await signed(grantee, grantId)
    // A signature over another grant id recovers another address: not the grantee.
    expect((await postKey({ ...good, grantId: (grantId + 1n).toString() })).status).toBeGreaterThanOrEqual(400)
    for (const bad of [
      'not json',
      {},
      { ...good, grantId: 'one' },
      { ...good, signature: '0x12' },
      { ...good, extra: 1 },
    ]) {
      const { status, body } = await postKey(bad)
      expect(status).toBe(400)
      expect(body.error).toMatchObject({ code: 'INVALID_DATA_REQUEST' })
    }
  })

  it('shows datasets, grants, the keys held and the log at /api/data', async () => {
    const response = await fetch(`${node.url}/api/data`)
    expect(response.status).toBe(200)
    const body = (await response.json()) as {
      datasets: { datasetId: string; heldHere: boolean; grants: unknown[] }[]
      vault: { datasets: { cid: string }[] }
      releases: { released: boolean }[]
    }
    expect(body.datasets[0]).toMatchObject({ datasetId: datasetId.toString(), heldHere: true })
    expect(body.datasets[0]?.grants.length).toBeGreaterThanOrEqual(6)
    expect(body.vault.datasets.map((d) => d.cid)).toContain(sealedCid)
    expect(body.releases.some((r) => r.released)).toBe(true)
    expect(body.releases.some((r) => !r.released)).toBe(true)
  })
})

describe('certification on EAS', () => {
  const certifier = devnetAccount(6)
  const overview = async (query = '') =>
    (await (await fetch(`${node.url}/api/data${query}`)).json()) as {
      datasets: {
        datasetId: string
        certified: boolean
        certifications: { uid: string; onchain: boolean; revoked: boolean }[]
      }[]
    }

  it('certifies on chain and off chain; the offchain package verifies with EAS SDK and a forged one is refused', async () => {
    await issueGrant(wallet(owner), {
      accessGrants: node.addresses.accessGrants,
      datasetId,
      kind: 'compute',
      grantee: certifier.address,
      duration: 0n,
    })
    const store = createContentStore(granteeDir)
    const common = {
      client: createPublicClient({ transport: http(node.rpcUrl) }),
      wallet: wallet(certifier),
      chainId: node.chainId,
      addresses: node.addresses,
      datasetId,
      account: certifier,
      privateKey: devnetPrivateKey(6),
      store,
    }
    try {
      expect((await overview('?certified=true')).datasets).toEqual([])
      const onchain = await certifyDataset(common)
      expect(onchain).toMatchObject({ onchain: true, report: { passed: true } })
      const offchain = await certifyDataset({ ...common, offchain: true })
      expect(offchain.onchain).toBe(false)
      const shared = offchain.onchain ? undefined : (offchain.offchain as { sig: unknown; signer: string })
      // EAS's own SDK checks the package as any EAS tool would.
      const eas = createRequire(import.meta.url)('@ethereum-attestation-service/eas-sdk')
      const version = await createPublicClient({ transport: http(node.rpcUrl) }).readContract({
        address: node.addresses.eas,
        abi: easAbi,
        functionName: 'version',
      })
      const verifier = new eas.Offchain(
        { address: node.addresses.eas, version, chainId: BigInt(node.chainId) },
        eas.OffchainAttestationVersion.Version2,
        new eas.EAS(node.addresses.eas),
      )
      const sig = offchainFromJson(shared?.sig)
      expect(verifier.verifyOffchainAttestationSignature(certifier.address, sig)).toBe(true)
      expect(verifier.verifyOffchainAttestationSignature(owner.address, sig)).toBe(false)
      // Forged: the signer swapped, or the data changed after signing.
      const post = (body: unknown) =>
        fetch(`${node.url}/api/data/certifications`, { method: 'POST', body: JSON.stringify(body) })
      const wrongSigner = await post({ ...shared, signer: owner.address })
      expect(wrongSigner.status).toBe(400)
      expect(((await wrongSigner.json()) as { error: { message: string } }).error.message).toMatch(/does not verify/)
      const raw = shared?.sig as { message: { data: string } }
      const changed = {
        ...raw,
        message: {
          ...raw.message,
          data: `${raw.message.data.slice(0, 200)}${raw.message.data[200] === '1' ? '2' : '1'}${raw.message.data.slice(201)}`,
        },
      }
      expect((await post({ ...shared, sig: changed })).status).toBe(400)
      await new Promise((r) => setTimeout(r, 1100)) // the view is one chain read a second, shared
      const certified = (await overview('?certified=true')).datasets
      expect(certified.map((d) => d.datasetId)).toEqual([datasetId.toString()])
      expect(certified[0]?.certifications.map((c) => [c.uid, c.onchain, c.revoked])).toEqual(
        expect.arrayContaining([
          [onchain.uid, true, false],
          [offchain.uid, false, false],
        ]),
      )
      // Revoked, both read as revoked, and the dataset is no longer certified.
      await revokeAttestation(wallet(certifier), { eas: node.addresses.eas, uid: onchain.uid })
      await revokeOffchainAttestation(wallet(certifier), { eas: node.addresses.eas, uid: offchain.uid })
      await new Promise((r) => setTimeout(r, 1100))
      const after = (await overview()).datasets[0]
      expect(after?.certified).toBe(false)
      expect(after?.certifications.every((c) => c.revoked)).toBe(true)
      expect((await overview('?certified=false')).datasets.length).toBe(1)
      expect((await fetch(`${node.url}/api/data?certified=maybe`)).status).toBe(400)
    } finally {
      store.close()
    }
  })
})

describe('a copy of the listing (contracts/test/attacks.data.md D1)', () => {
  it('releases nothing for a grant on another dataset naming the same sealed CID, and shows the copy as not held', async () => {
    const original = await getDataset(createPublicClient({ transport: http(node.rpcUrl) }), {
      datasetRegistry: node.addresses.datasetRegistry,
      datasetId,
    })
    // The stranger re-registers the public listing as its own and gives itself a free access grant on the copy.
    const { datasetId: copyId } = await registerDataset(wallet(stranger), {
      datasetRegistry: node.addresses.datasetRegistry,
      listing: {
        cid: original.cid,
        schemaCid: original.schemaCid,
        recordsRoot: original.recordsRoot,
        recordCount: original.recordCount,
        license: original.license,
        provider: original.provider,
      },
      terms: { ...original.terms, offers: [] },
    })
    const { grantId } = await issueGrant(wallet(stranger), {
      accessGrants: node.addresses.accessGrants,
      datasetId: copyId,
      kind: 'access',
      grantee: stranger.address,
      duration: 0n,
    })
    const { status, body } = await postKey(await signed(stranger, grantId))
    expect(status).toBe(404)
    expect(body.error).toMatchObject({ code: 'KEY_NOT_HELD' })
    expect(JSON.stringify(body)).not.toMatch(/wrappedKey/)
    expect(readReleases(vault.db, { limit: 1 })[0]).toMatchObject({
      released: false,
      datasetId: copyId.toString(),
      reason: 'dataset not registered from this vault',
    })
    await new Promise((resolve) => setTimeout(resolve, 1_100)) // the chain view is shared for a second
    const overview = (await (await fetch(`${node.url}/api/data`)).json()) as {
      datasets: { datasetId: string; heldHere: boolean }[]
    }
    const held = Object.fromEntries(overview.datasets.map((d) => [d.datasetId, d.heldHere]))
    expect(held).toMatchObject({ [datasetId.toString()]: true, [copyId.toString()]: false })
  })
})
