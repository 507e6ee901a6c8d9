/**
 * Actions of the compute market (`TrainingJobs`, docs/training.md "The market"): providers' stake and offers, jobs,
 * the sealed-bid auction, results and acceptance. Each write simulates first, so a refusal comes back as the
 * contract's named error in a sentence (errors/contract.ts).
 */
import {
  type Address,
  type ContractFunctionArgs,
  encodeAbiParameters,
  type Hex,
  keccak256,
  type PublicClient,
  parseEventLogs,
} from 'viem'
import { getContractEvents, readContract } from 'viem/actions'
import { trainingJobsAbi } from '../../contracts.ts'
import { MissingEventError } from '../../errors/contract.ts'
import { ensureAllowance, type WriteClient, writeContractAndWait } from '../write.ts'

type ReadClient = Pick<PublicClient, 'readContract' | 'getLogs' | 'chain'> | WriteClient

/** The job's spec as the contract takes it (`ITrainingJobs.Spec`; @mycel/training `chainSpec` builds it). */
export type TrainingJobSpec = ContractFunctionArgs<typeof trainingJobsAbi, 'nonpayable', 'postJob'>[0]
/** The market side of a job (`ITrainingJobs.Market`). */
export type TrainingJobMarket = ContractFunctionArgs<typeof trainingJobsAbi, 'nonpayable', 'postJob'>[1]
/** License terms of the trained model (`IModelRegistry.Terms`). */
export type TrainingJobTerms = ContractFunctionArgs<typeof trainingJobsAbi, 'nonpayable', 'postJob'>[2]

export const JOB_STATES = ['none', 'bidding', 'training', 'submitted', 'accepted', 'cancelled'] as const
export type JobState = (typeof JOB_STATES)[number]

/** Registers the client's account as a provider with `stake` MYC (approved here when short). */
export async function registerTrainingProvider(
  client: WriteClient,
  p: {
    trainingJobs: Address
    mycelToken: Address
    stake: bigint
    cores: number
    memoryMiB: number
    pricePerStep: bigint
    endpoint: string
  },
) {
  if (p.stake > 0n) await ensureAllowance(client, p.mycelToken, p.trainingJobs, p.stake)
  return writeContractAndWait(client, {
    address: p.trainingJobs,
    abi: trainingJobsAbi,
    functionName: 'register',
    args: [p.cores, p.memoryMiB, p.pricePerStep, p.endpoint, p.stake],
  })
}

/** Adds `amount` MYC to the client's stake (approved here when short). */
export async function addTrainingStake(
  client: WriteClient,
  p: { trainingJobs: Address; mycelToken: Address; amount: bigint },
) {
  await ensureAllowance(client, p.mycelToken, p.trainingJobs, p.amount)
  return writeContractAndWait(client, {
    address: p.trainingJobs,
    abi: trainingJobsAbi,
    functionName: 'addStake',
    args: [p.amount],
  })
}

export async function getTrainingProvider(client: ReadClient, p: { trainingJobs: Address; account: Address }) {
  return readContract(client as PublicClient, {
    address: p.trainingJobs,
    abi: trainingJobsAbi,
    functionName: 'getProvider',
    args: [p.account],
  })
}

/** Posts a job, escrowing its budget (approved here when short); returns its id. */
export async function postTrainingJob(
  client: WriteClient,
  p: {
    trainingJobs: Address
    spec: TrainingJobSpec
    market: TrainingJobMarket
    terms: TrainingJobTerms
    specCid: string
    datasetCid: string
  },
) {
  await ensureAllowance(client, p.market.token, p.trainingJobs, p.market.budget)
  const { hash, receipt } = await writeContractAndWait(client, {
    address: p.trainingJobs,
    abi: trainingJobsAbi,
    functionName: 'postJob',
    args: [p.spec, p.market, p.terms, p.specCid, p.datasetCid],
  })
  const [posted] = parseEventLogs({ abi: trainingJobsAbi, eventName: 'JobPosted', logs: receipt.logs })
  if (!posted) throw new MissingEventError({ eventName: 'JobPosted', hash })
  return { jobId: posted.args.jobId, hash }
}

export type TrainingJob = Awaited<ReturnType<typeof getTrainingJob>>

export async function getTrainingJob(client: ReadClient, p: { trainingJobs: Address; jobId: bigint }) {
  const job = await readContract(client as PublicClient, {
    address: p.trainingJobs,
    abi: trainingJobsAbi,
    functionName: 'getJob',
    args: [p.jobId],
  })
  return { ...job, id: p.jobId, status: JOB_STATES[job.state] ?? 'none' }
}

/** Every job, newest first (at most `limit`). */
export async function listTrainingJobs(client: ReadClient, p: { trainingJobs: Address; limit?: number }) {
  const count = await readContract(client as PublicClient, {
    address: p.trainingJobs,
    abi: trainingJobsAbi,
    functionName: 'jobCount',
  })
  const ids: bigint[] = []
  for (let id = count; id >= 1n && ids.length < (p.limit ?? 100); id--) ids.push(id)
  return Promise.all(ids.map((jobId) => getTrainingJob(client, { trainingJobs: p.trainingJobs, jobId })))
}

/** The spec a job was posted with (from its `JobPosted` event). */
export async function getTrainingJobSpec(client: ReadClient, p: { trainingJobs: Address; jobId: bigint }) {
  const [posted] = await getContractEvents(client as PublicClient, {
    ...at(p),
    eventName: 'JobPosted',
    args: { jobId: p.jobId },
    strict: true,
  })
  if (!posted) throw new MissingEventError({ eventName: 'JobPosted', hash: '0x' })
  return posted.args
}

/** The checkpoint hashes of a job's current result (from its latest `ResultPosted` event). */
export async function getTrainingCheckpoints(client: ReadClient, p: { trainingJobs: Address; jobId: bigint }) {
  const events = await getContractEvents(client as PublicClient, {
    ...at(p),
    eventName: 'ResultPosted',
    args: { jobId: p.jobId },
    strict: true,
  })
  const posted = events.at(-1)
  return posted ? { checkpoints: [...posted.args.checkpoints], provider: posted.args.provider } : undefined
}

const at = (p: { trainingJobs: Address }) => ({ address: p.trainingJobs, abi: trainingJobsAbi, fromBlock: 0n }) as const

/** What `account` is owed in `token` (bids paid, budgets refunded), and withdraws it when `withdraw` and non-zero. */
export async function withdrawTrainingPayment(client: WriteClient, p: { trainingJobs: Address; token: Address }) {
  const owed = await readContract(client, {
    address: p.trainingJobs,
    abi: trainingJobsAbi,
    functionName: 'owed',
    args: [p.token, client.account.address],
  })
  if (owed === 0n) return { amount: 0n }
  const { hash } = await writeContractAndWait(client, {
    address: p.trainingJobs,
    abi: trainingJobsAbi,
    functionName: 'withdraw',
    args: [p.token],
  })
  return { amount: owed, hash }
}

/** The commitment of a sealed bid: keccak256(abi.encode(chainid, contract, job, round, bidder, price, salt)). */
export function bidCommitment(p: {
  chainId: number
  trainingJobs: Address
  jobId: bigint
  round: number
  provider: Address
  price: bigint
  salt: Hex
}): Hex {
  return keccak256(
    encodeAbiParameters(
      [
        { type: 'uint256' },
        { type: 'address' },
        { type: 'uint256' },
        { type: 'uint32' },
        { type: 'address' },
        { type: 'uint96' },
        { type: 'bytes32' },
      ],
      [BigInt(p.chainId), p.trainingJobs, p.jobId, p.round, p.provider, p.price, p.salt],
    ),
  )
}

const write =
  <const F extends 'commitBid' | 'revealBid' | 'assign' | 'accept' | 'expire' | 'cancel' | 'submitResult'>(fn: F) =>
  (client: WriteClient, trainingJobs: Address, args: ContractFunctionArgs<typeof trainingJobsAbi, 'nonpayable', F>) =>
    writeContractAndWait(client, { address: trainingJobs, abi: trainingJobsAbi, functionName: fn, args } as never)

/** Seals a bid (keep the salt: the reveal needs it). */
export const commitTrainingBid = write('commitBid')
/** Reveals a sealed bid in the reveal period. */
export const revealTrainingBid = write('revealBid')
/** Ends the auction after the reveal period (anyone). */
export const assignTrainingJob = write('assign')
/** Accepts a result: after the window (anyone) or at any time by the buyer. */
export const acceptTrainingJob = write('accept')
/** Slashes a provider that missed its deadline and reopens the job (anyone). */
export const expireTrainingJob = write('expire')
/** The buyer withdraws a job still at auction. */
export const cancelTrainingJob = write('cancel')
/** The assignee posts its checkpoints, model root, last loss and CIDs. */
export const submitTrainingResult = write('submitResult')
