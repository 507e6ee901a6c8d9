/**
 * The Ethereum Attestation Service as mycel deploys and uses it (the real EAS and SchemaRegistry from their published
 * bytecode, on anvil): deployed with the core contracts and mycel's schemas registered under the UIDs the SDK
 * computes; a second deployment sends nothing and a deployment naming an existing EAS records it; a dataset
 * certification attested, read back decoded and listed by dataset; revoked by its attester only (another account is
 * refused with a sentence), after which it reads as revoked everywhere.
 */
import { getBlockNumber, getTransactionCount, readContract } from 'viem/actions'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  attestDatasetCertification,
  type DatasetCertification,
  decodeDatasetCertification,
  deployMycel,
  easAbi,
  encodeDatasetCertification,
  getCertification,
  listCertifications,
  MYCEL_SCHEMAS,
  mycelSchemaUids,
  revokeAttestation,
  schemaRegistryAbi,
} from '../src/index.ts'
import { type AnvilWorld, startAnvilWorld } from './helpers/anvil.ts'

let world: AnvilWorld
beforeAll(async () => {
  world = await startAnvilWorld()
}, 120_000)
afterAll(async () => world?.stop())

const certification = (over: Partial<DatasetCertification> = {}): DatasetCertification => ({
  datasetId: 1n,
  recordsRoot: `0x${'ab'.repeat(32)}`,
  recordCount: 1000,
  duplicates: 2,
  labelBalanceBps: 9_500,
  piiFindings: 0,
  schemaConforms: true,
  licensePresent: true,
  passed: true,
  reportCid: 'bafkreireport',
  ...over,
})

describe('EAS', () => {
  it('is deployed with the core contracts and holds mycel schemas under the UIDs the SDK computes', async () => {
    const { eas, schemaRegistry } = world.addresses
    expect(await readContract(world.client, { address: eas, abi: easAbi, functionName: 'getSchemaRegistry' })).toBe(
      schemaRegistry,
    )
    for (const name of ['datasetCertification', 'modelEvaluation'] as const) {
      const record = await readContract(world.client, {
        address: schemaRegistry,
        abi: schemaRegistryAbi,
        functionName: 'getSchema',
        args: [mycelSchemaUids[name]],
      })
      expect(record.schema).toBe(MYCEL_SCHEMAS[name])
      expect(record.revocable).toBe(true)
    }
  })

  it('deploys again without a transaction, and records an existing EAS as it is', async () => {
    const deployer = world.wallet(0)
    const before = await getTransactionCount(world.client, { address: deployer.account.address })
    const again = await deployMycel(deployer, {
      treasury: deployer.account.address,
      initialSupply: 10n ** 24n,
      challengePeriodSeconds: 3600n,
      testStablecoin: true,
      eas: { eas: world.addresses.eas, schemaRegistry: world.addresses.schemaRegistry },
    })
    expect(again.addresses.eas).toBe(world.addresses.eas)
    expect(again.contracts.eas.transactionHash).toBeUndefined()
    expect(await getTransactionCount(world.client, { address: deployer.account.address })).toBe(before)
    await expect(
      deployMycel(deployer, {
        treasury: deployer.account.address,
        initialSupply: 10n ** 24n,
        eas: { eas: `0x${'11'.repeat(20)}`, schemaRegistry: world.addresses.schemaRegistry },
      }),
    ).rejects.toThrow(/eas/)
  })

  it('attests a certification, reads it decoded, lists it, and revokes it by its attester only', async () => {
    const from = await getBlockNumber(world.client)
    const certifier = world.wallet(2)
    const { uid, gasUsed } = await attestDatasetCertification(certifier, {
      eas: world.addresses.eas,
      certification: certification(),
    })
    expect(gasUsed).toBeGreaterThan(100_000n)
    const other = await attestDatasetCertification(certifier, {
      eas: world.addresses.eas,
      certification: certification({ datasetId: 2n, passed: false, piiFindings: 3 }),
    })
    const read = await getCertification(world.client, { eas: world.addresses.eas, uid })
    expect(read).toMatchObject({ attester: certifier.account.address, revoked: false, certification: certification() })
    const listed = await listCertifications(world.client, { eas: world.addresses.eas, datasetId: 1n, fromBlock: from })
    expect(listed.map((c) => c.uid)).toEqual([uid])
    expect((await listCertifications(world.client, { eas: world.addresses.eas, fromBlock: from })).length).toBe(2)
    await expect(revokeAttestation(world.wallet(3), { eas: world.addresses.eas, uid })).rejects.toThrow(
      /Only the attester/,
    )
    await revokeAttestation(certifier, { eas: world.addresses.eas, uid })
    expect(await getCertification(world.client, { eas: world.addresses.eas, uid })).toMatchObject({ revoked: true })
    await expect(revokeAttestation(certifier, { eas: world.addresses.eas, uid })).rejects.toThrow(/already revoked/)
    expect(
      (await getCertification(world.client, { eas: world.addresses.eas, uid: other.uid }))?.certification.piiFindings,
    ).toBe(3)
    expect(
      await getCertification(world.client, { eas: world.addresses.eas, uid: `0x${'00'.repeat(31)}01` }),
    ).toBeUndefined()
  })

  it('encodes and decodes a certification losslessly', () => {
    const c = certification({ reportCid: 'bafy…ünïcode', recordCount: 2 ** 32 - 1, labelBalanceBps: 0 })
    expect(decodeDatasetCertification(encodeDatasetCertification(c))).toEqual(c)
  })
})
