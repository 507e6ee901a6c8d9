/**
 * Actions of compute-to-data (`ComputeToData`, docs/data.md "Compute-to-data"): post a training job on a dataset
 * (buying its training grant in the same transaction, or under one already held), enrol a provider's compute grant,
 * cancel or accept as the buyer, claim the model and the refund, withdraw, and read orders and who may bid.
 */
import { type Address, parseEventLogs } from 'viem'
import { readContract } from 'viem/actions'
import { computeToDataAbi, datasetRegistryAbi } from '../../contracts.ts'
import { MissingEventError } from '../../errors/contract.ts'
import type { TrainingJobMarket, TrainingJobSpec, TrainingJobTerms } from '../training/jobs.ts'
import { ensureAllowance, type WriteClient, writeContractAndWait } from '../write.ts'
import { getDataset, type ReadClient } from './datasets.ts'

type At = { computeToData: Address }

/**
 * Posts `spec` (which must name the dataset's records root and count) as a job on `datasetId`: with no `grantId` it
 * buys the training grant at the dataset's current terms (agreed by hash) — the data price and the budget are approved
 * here when short. Returns the job's id in TrainingJobs and the training grant it runs under.
 */
export async function postDataJob(
  client: WriteClient,
  p: At & {
    datasetRegistry: Address
    datasetId: bigint
    grantId?: bigint
    spec: TrainingJobSpec
    market: TrainingJobMarket
    terms: TrainingJobTerms
    specCid: string
  },
) {
  const dataset = await getDataset(client, { datasetRegistry: p.datasetRegistry, datasetId: p.datasetId })
  const dataPrice = p.grantId ? 0n : dataset.terms.trainingPrice
  const sameToken = dataset.terms.currency.toLowerCase() === p.market.token.toLowerCase()
  if (sameToken) await ensureAllowance(client, p.market.token, p.computeToData, p.market.budget + dataPrice)
  else {
    if (dataPrice > 0n) await ensureAllowance(client, dataset.terms.currency, p.computeToData, dataPrice)
    await ensureAllowance(client, p.market.token, p.computeToData, p.market.budget)
  }
  const agreed = await readContract(client, {
    address: p.datasetRegistry,
    abi: datasetRegistryAbi,
    functionName: 'termsHash',
    args: [p.datasetId],
  })
  const { hash, receipt } = await writeContractAndWait(client, {
    address: p.computeToData,
    abi: computeToDataAbi,
    functionName: 'post',
    args: [p.datasetId, p.grantId ?? 0n, agreed, p.spec, p.market, p.terms, p.specCid],
  })
  const [posted] = parseEventLogs({ abi: computeToDataAbi, eventName: 'DataJobPosted', logs: receipt.logs })
  if (!posted) throw new MissingEventError({ eventName: 'DataJobPosted', hash })
  return { jobId: posted.args.jobId, grantId: posted.args.grantId, dataPrice, hash }
}

const send = (
  client: WriteClient,
  p: At,
  functionName: 'enrol' | 'approve' | 'cancel' | 'accept' | 'claim',
  id: bigint,
) => writeContractAndWait(client, { address: p.computeToData, abi: computeToDataAbi, functionName, args: [id] })

/** Enrols the caller's compute grant: it may then bid on and challenge the dataset's approved compute-to-data jobs. */
export const enrolComputeGrant = (client: WriteClient, p: At & { grantId: bigint }) =>
  send(client, p, 'enrol', p.grantId)

/** Approves a compute-to-data job's spec as its dataset's owner: the providers it trusts may bid from then on. */
export const approveDataJob = (client: WriteClient, p: At & { jobId: bigint }) => send(client, p, 'approve', p.jobId)

/** Withdraws a compute-to-data job still at auction (the buyer only); the budget comes back through a claim. */
export const cancelDataJob = (client: WriteClient, p: At & { jobId: bigint }) => send(client, p, 'cancel', p.jobId)

/** Accepts a compute-to-data job's result (the buyer at any time, anyone after the window) and delivers the model. */
export const acceptDataJob = (client: WriteClient, p: At & { jobId: bigint }) => send(client, p, 'accept', p.jobId)

/** Hands the buyer its model and credits it the rest of the budget, once the job is accepted or cancelled. */
export const claimDataJob = (client: WriteClient, p: At & { jobId: bigint }) => send(client, p, 'claim', p.jobId)

/** Withdraws what claims credited the caller in `token`. */
export const withdrawDataJobRefund = (client: WriteClient, p: At & { token: Address }) =>
  writeContractAndWait(client, {
    address: p.computeToData,
    abi: computeToDataAbi,
    functionName: 'withdraw',
    args: [p.token],
  })

export type DataJobOrder = {
  jobId: bigint
  buyer: Address
  datasetId: bigint
  grantId: bigint
  approved: boolean
  settled: boolean
  modelDelivered: boolean
  /**
   * The first round open to bids after the first approval: the job's round then, or the next one when that round's
   * bidding period was over (0 while not approved).
   */
  approvedRound: number
}

/** The compute-to-data order behind TrainingJobs job `jobId`, or undefined when the job was not posted on a dataset. */
export async function getDataJobOrder(
  client: ReadClient,
  p: At & { jobId: bigint },
): Promise<DataJobOrder | undefined> {
  const order = await readContract(client, {
    address: p.computeToData,
    abi: computeToDataAbi,
    functionName: 'orderOf',
    args: [p.jobId],
  })
  if (/^0x0{40}$/i.test(order.buyer)) return undefined
  return { jobId: p.jobId, ...order }
}

/** Whether `provider` may bid on compute-to-data job `jobId` now (it holds an enrolled, valid compute grant). */
export async function mayBidOnDataJob(client: ReadClient, p: At & { jobId: bigint; provider: Address }) {
  const answer = await readContract(client, {
    address: p.computeToData,
    abi: computeToDataAbi,
    functionName: 'mayBid',
    args: [p.jobId, p.provider],
  })
  return answer !== '0x00000000'
}

/** The compute grant `provider` enrolled for `datasetId` (0n when none; it may have ended since). */
export const getEnrolledGrant = (client: ReadClient, p: At & { datasetId: bigint; provider: Address }) =>
  readContract(client, {
    address: p.computeToData,
    abi: computeToDataAbi,
    functionName: 'enrolledGrant',
    args: [p.datasetId, p.provider],
  })

/** What `account` may withdraw from ComputeToData in `token`. */
export const getDataJobOwed = (client: ReadClient, p: At & { token: Address; account: Address }) =>
  readContract(client, {
    address: p.computeToData,
    abi: computeToDataAbi,
    functionName: 'owed',
    args: [p.token, p.account],
  })
