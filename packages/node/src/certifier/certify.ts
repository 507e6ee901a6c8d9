/**
 * Certifying a dataset (docs/data.md "Certification"): the certifier fetches it as a grantee (its key released by the
 * owner's node for the certifier's access or compute grant), runs the checks (certifier/check.ts), keeps the full
 * report in the content store, and attests the result on EAS under mycel's dataset-certification schema — on chain,
 * or off chain in EAS's own EIP-712 format, which it hands to the dataset's provider to publish beside the dataset.
 */
import {
  attestDatasetCertification,
  type DatasetCertification,
  encodeDatasetCertification,
  type MycelAddresses,
  mycelSchemaUids,
  type WriteClient,
} from '@mycel/sdk'
import type { Client, Hex } from 'viem'
import type { LocalAccount } from 'viem/accounts'
import { NodeError } from '../common/errors.ts'
import type { ContentStore } from '../content/contentStore.ts'
import { offchainPackage, signOffchainAttestation } from '../data/easOffchain.ts'
import { fetchDataset } from '../data/fetchDataset.ts'
import { type CertificationReport, checkDataset } from './check.ts'

export type Certified = {
  report: CertificationReport
  reportCid: string
  certification: DatasetCertification
} & (
  | { onchain: true; uid: Hex; transactionHash: Hex; gasUsed: bigint }
  | { onchain: false; uid: Hex; offchain: unknown }
)

export async function certifyDataset(p: {
  client: Client
  wallet: WriteClient
  chainId: number
  addresses: Pick<MycelAddresses, 'accessGrants' | 'datasetRegistry' | 'eas'>
  datasetId: bigint
  account: LocalAccount
  privateKey: Hex
  store: ContentStore
  offchain?: boolean
  fetch?: typeof fetch
}): Promise<Certified> {
  const fetched = await fetchDataset({ ...p })
  const { dataset } = fetched
  const report = checkDataset({
    datasetId: p.datasetId,
    bytes: fetched.bytes,
    schema: fetched.schema,
    license: dataset.license,
    recordCount: dataset.recordCount,
    recordsRoot: dataset.recordsRoot,
  })
  fetched.bytes.fill(0)
  const { cid: reportCid } = await p.store.addBytes(Buffer.from(`${JSON.stringify(report, null, 2)}\n`), {
    cidVersion: 1,
  })
  const certification: DatasetCertification = {
    datasetId: p.datasetId,
    recordsRoot: dataset.recordsRoot,
    recordCount: report.recordCount.found,
    duplicates: report.duplicates.count,
    labelBalanceBps: report.labels?.balanceBps ?? 10_000,
    piiFindings: report.pii.count,
    schemaConforms: report.schema.conforms,
    licensePresent: report.license.present,
    passed: report.passed,
    reportCid,
  }
  if (!p.offchain) {
    const { uid, hash, gasUsed } = await attestDatasetCertification(p.wallet, {
      eas: p.addresses.eas,
      certification,
      recipient: dataset.owner,
    })
    return { report, reportCid, certification, onchain: true, uid, transactionHash: hash, gasUsed }
  }
  const attestation = await signOffchainAttestation({
    client: p.client,
    eas: p.addresses.eas,
    chainId: p.chainId,
    account: p.account,
    schema: mycelSchemaUids.datasetCertification,
    data: encodeDatasetCertification(certification),
    recipient: dataset.owner,
  })
  const shared = offchainPackage(attestation, p.account.address)
  await publishOffchain(dataset.provider, shared, p.fetch)
  return { report, reportCid, certification, onchain: false, uid: attestation.uid as Hex, offchain: shared }
}

/** Hands an offchain certification to the dataset's provider, which checks it with EAS's SDK and lists it. */
export async function publishOffchain(provider: string, shared: unknown, f: typeof fetch = fetch) {
  const url = `${provider.replace(/\/+$/, '')}/api/data/certifications`
  const response = await f(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(shared),
    signal: AbortSignal.timeout(30_000),
  }).catch((error: Error) => {
    throw new NodeError('PROVIDER_UNREACHABLE', `The dataset's provider ${provider} did not answer (${error.message}).`)
  })
  if (!response.ok) {
    const body = (await response.json().catch(() => undefined)) as { error?: { message?: string } } | undefined
    throw new NodeError(
      'CERTIFICATION_REFUSED',
      `The provider refused the offchain certification (${response.status}): ${body?.error?.message ?? 'no reason given'}`,
    )
  }
}
