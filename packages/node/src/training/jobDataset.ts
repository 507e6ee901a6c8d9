/**
 * Where a training job's data comes from (docs/data.md "Compute-to-data"). A job posted straight to TrainingJobs
 * names a plaintext dataset file in the content store. A job posted through ComputeToData names a sealed dataset of
 * the DatasetRegistry: only a provider the dataset's owner trusts — holding a valid compute grant — can open it, by
 * asking the owner's node for the key wrapped to its own account (data/fetchDataset.ts). Trainers and verifiers enrol
 * their grant so TrainingJobs lets them bid and challenge; the buyer, holding a training grant, never gets the key.
 */
import {
  enrolComputeGrant,
  getDataJobOrder,
  getEnrolledGrant,
  getGrant,
  listGrants,
  type MycelAddresses,
  type TrainingJob,
  type WriteClient,
} from '@mycel/sdk'
import type { Client, Hex } from 'viem'
import type { LocalAccount } from 'viem/accounts'
import type { ContentStore } from '../content/contentStore.ts'
import { fetchDataset } from '../data/fetchDataset.ts'
import { cachedDataset, type DatasetWant, type LoadedDataset, loadDataset } from './dataset.ts'

/** The dataset of `job`, checked against what the job says of it. */
export type JobDatasets = (job: Pick<TrainingJob, 'id' | 'buyer'>, want: DatasetWant) => Promise<LoadedDataset>

/** Whether `job` was posted through ComputeToData (its records are sealed and opened only under a compute grant). */
export const isDataJob = (addresses: Pick<MycelAddresses, 'computeToData'>, job: Pick<TrainingJob, 'buyer'>) =>
  job.buyer.toLowerCase() === addresses.computeToData.toLowerCase()

export function jobDatasets(p: {
  client: Client
  chainId: number
  addresses: MycelAddresses
  store: ContentStore
  /** The provider's key (its compute grant's grantee); without it, compute-to-data jobs are refused. */
  key?: { account: LocalAccount; privateKey: Hex }
  /** Enrols the provider's compute grant when it is not: a trainer to bid, a verifier to be able to challenge. */
  enrol?: { wallet: WriteClient; inTx: <value>(send: () => Promise<value>) => Promise<value> }
}): JobDatasets {
  const { client, addresses } = p
  // A job's dataset is fixed when it is posted: read once per job, not at every bid, reveal and check.
  const datasetOfJob = new Map<bigint, bigint>()
  const datasetOf = async (jobId: bigint): Promise<bigint> => {
    const known = datasetOfJob.get(jobId)
    if (known !== undefined) return known
    const order = await getDataJobOrder(client, { computeToData: addresses.computeToData, jobId })
    if (!order) throw new Error(`job ${jobId} has no compute-to-data order`)
    datasetOfJob.set(jobId, order.datasetId)
    return order.datasetId
  }
  return async (job, want) => {
    if (!isDataJob(addresses, job)) return loadDataset(p.store, want)
    const key = p.key
    if (!key) throw new Error(`job ${job.id} trains on a sealed dataset and this role has no key to open it`)
    const datasetId = await datasetOf(job.id)
    const me = key.account.address
    return cachedDataset(
      want,
      async () => {
        const grants = await listGrants(client, {
          accessGrants: addresses.accessGrants,
          datasetId: datasetId,
          grantee: me,
        })
        const grant = grants.find((g) => g.valid && g.kind === 'compute')
        if (!grant) {
          throw new Error(
            `job ${job.id} trains on dataset ${datasetId}, whose owner has given ${me} no valid compute grant`,
          )
        }
        const fetched = await fetchDataset({
          client,
          chainId: p.chainId,
          addresses,
          datasetId: datasetId,
          grantId: grant.grantId,
          account: key.account,
          privateKey: key.privateKey,
          store: p.store,
        })
        // Enrolled once the data opened (a grant on a copy of someone else's listing opens nothing: attacks.c2d.md C6).
        const enrol = p.enrol
        if (enrol) {
          const enrolled = await getEnrolledGrant(client, {
            computeToData: addresses.computeToData,
            datasetId: datasetId,
            provider: me,
          })
          const holds =
            enrolled !== 0n &&
            (await getGrant(client, { accessGrants: addresses.accessGrants, grantId: enrolled })).valid
          if (!holds) {
            await enrol.inTx(() =>
              enrolComputeGrant(enrol.wallet, { computeToData: addresses.computeToData, grantId: grant.grantId }),
            )
          }
        }
        return fetched.bytes
      },
      // The opened copy is kept per account and dataset: never reused for a job on a copy of the listing naming the
      // same sealed CID (attacks.c2d.md C6).
      `${me}:${datasetId}`,
    )
  }
}
