/**
 * The Data view's data: the shape of `GET /api/data` (datasets with terms, grants and certifications, the keys this
 * vault holds and its log of requests; amounts are decimal strings of token units) and of the training jobs it marks
 * as compute-to-data, and the view's pure rules — a dataset's name, offers, certification status and grant counts, a
 * grant's state and expiry, which jobs ran on data. No rendering here, so the rules are tested without a browser.
 */
import { sameHex, short } from '../../format.ts'
import { money } from '../models/models.ts'

export type GrantKind = 'access' | 'training' | 'compute' | 'records' | 'queries'
export type DatasetTerms = {
  currency: string
  offers: GrantKind[]
  grantDuration: number
  accessPrice: string
  trainingPrice: string
  recordPrice: string
  queryPrice: string
}
export type Grant = {
  grantId: string
  datasetId: string
  grantee: string
  kind: GrantKind | string
  /** Unix seconds as a decimal string; 2^64 − 1 for no end. */
  expiresAt: string
  revoked: boolean
  units: number
  price: string
  currency: string
  valid: boolean
}
export type Certification = {
  uid: string
  attester: string
  time: string
  revoked: boolean
  onchain: boolean
  certification: { passed: boolean; recordCount: number; piiFindings: number; reportCid: string }
}
export type Dataset = {
  datasetId: string
  owner: string
  cid: string
  schemaCid?: string
  recordsRoot: string
  recordCount: number
  license: string
  provider: string
  registeredAt?: string
  terms?: DatasetTerms
  heldHere: boolean
  certified: boolean
  certifications: Certification[]
  grants: Grant[]
}
export type HeldKey = { cid: string; name: string; format: string; recordCount: number }
export type Release = {
  id: number
  at: string
  datasetId: string
  grantId: string
  requester: string
  /** `key`, `records` or `query`. */
  action: string
  released: boolean
  reason: string
}
export type DataOverview = {
  vault: { publicKey: string; datasets: HeldKey[] } | null
  total: string
  datasets: Dataset[]
  releases: Release[]
}
export type TrainingJob = {
  id: string
  status: string
  buyer: string
  provider: string
  modelId: string
  datasetCid?: string
  result?: { weightsCid: string }
}

/** A dataset as people name it: the file name the vault keeps for its CID, else the CID shortened. */
export function datasetName(d: Pick<Dataset, 'cid'>, held: HeldKey[] | undefined): string {
  return held?.find((k) => k.cid === d.cid)?.name ?? shortCid(d.cid)
}

/** A CID shortened to its start and end (`bafkre…osnte`); short ones whole. */
export const shortCid = (cid: string) => (cid.length > 16 ? `${cid.slice(0, 6)}…${cid.slice(-5)}` : cid)

const priceOf: Record<string, keyof DatasetTerms | undefined> = {
  access: 'accessPrice',
  training: 'trainingPrice',
  records: 'recordPrice',
  queries: 'queryPrice',
}
const unitOf: Record<string, string> = { records: ' / record', queries: ' / query' }

/** The kinds on sale with their prices (`access 1 tUSD · records 0.01 tUSD / record`), or `not for sale`. */
export function offers(terms: DatasetTerms | undefined, testUsd: string | undefined): string {
  if (!terms || terms.offers.length === 0) return 'not for sale'
  return terms.offers
    .map((kind) => {
      const field = priceOf[kind]
      const price = field ? terms[field] : undefined
      return price === undefined
        ? kind
        : `${kind} ${money(price, undefined, terms.currency, testUsd)}${unitOf[kind] ?? ''}`
    })
    .join(' · ')
}

export type CertificationStatus = 'certified' | 'revoked' | 'failed' | 'none'

/**
 * Whether a dataset is certified: by a passing certification not revoked (the node's `certified`); else `revoked`
 * when a passing one was revoked, `failed` when checks ran and failed, `none` when nobody checked it.
 */
export function certificationStatus(d: Pick<Dataset, 'certified' | 'certifications'>): CertificationStatus {
  if (d.certified) return 'certified'
  if (d.certifications.some((c) => c.certification.passed && c.revoked)) return 'revoked'
  if (d.certifications.length > 0) return 'failed'
  return 'none'
}

export const certificationText: Record<CertificationStatus, string> = {
  certified: 'yes',
  revoked: 'revoked',
  failed: 'no (failed checks)',
  none: 'no',
}

export type GrantState = 'valid' | 'revoked' | 'expired'

/** A grant's state: revoked wins over expired; the chain's `valid` is the truth for the rest. */
export const grantState = (g: Pick<Grant, 'revoked' | 'valid'>): GrantState =>
  g.revoked ? 'revoked' : g.valid ? 'valid' : 'expired'

/** `valid / total` of a dataset's grants. */
export const grantCounts = (grants: Pick<Grant, 'valid'>[]) => ({
  valid: grants.filter((g) => g.valid).length,
  total: grants.length,
})

const FOREVER = 2n ** 64n - 1n

/** A grant's expiry: `never` for no end, else the UTC date and time to the minute (`2027-01-05 05:22 UTC`). */
export function expiry(expiresAt: string | number): string {
  let seconds: bigint
  try {
    seconds = BigInt(expiresAt)
  } catch {
    return '–'
  }
  if (seconds >= FOREVER || seconds > 8_640_000_000_000n) return 'never'
  return `${new Date(Number(seconds) * 1000).toISOString().slice(0, 16).replace('T', ' ')} UTC`
}

/** A timestamp of the log (ISO) as the UTC date and time to the second. */
export const logTime = (iso: string) =>
  /^\d{4}-\d\d-\d\dT/.test(iso) ? `${iso.slice(0, 19).replace('T', ' ')} UTC` : iso

/**
 * The jobs that trained on a dataset (those naming one), each marked compute-to-data when its buyer is the network's
 * `ComputeToData` contract (it bought the job for a buyer who never sees the records), with the dataset it names
 * when that dataset is listed.
 */
export function dataJobs(
  jobs: TrainingJob[],
  computeToData: string | undefined,
  datasets: Pick<Dataset, 'cid' | 'datasetId'>[],
) {
  return jobs
    .filter((j) => j.datasetCid || (computeToData !== undefined && sameHex(j.buyer, computeToData)))
    .map((j) => ({
      ...j,
      computeToData: computeToData !== undefined && sameHex(j.buyer, computeToData),
      dataset: datasets.find((d) => d.cid === j.datasetCid)?.datasetId,
    }))
}

/** A person's address shortened, or the contract's name when it is one the network knows. */
export function who(address: string, contracts: Record<string, string> | undefined): string {
  const name = Object.entries(contracts ?? {}).find(([, a]) => sameHex(a, address))?.[0]
  return name ?? short(address)
}
