/**
 * Actions of research funding (`ResearchRounds`, docs/training.md "Research funding"): quadratic-funding rounds of
 * training jobs. A sponsor opens a round with a matching pool; anyone proposes a job and contributes to proposals;
 * after the round's end the pool is split by the QF rule and each funded proposal is launched into the market. Each
 * write simulates first, so a refusal comes back as the contract's named error in a sentence (errors/contract.ts).
 */
import { type Address, type ContractFunctionArgs, type PublicClient, parseEventLogs } from 'viem'
import { getContractEvents, readContract } from 'viem/actions'
import { researchRoundsAbi } from '../../contracts.ts'
import { MissingEventError } from '../../errors/contract.ts'
import { ensureAllowance, type WriteClient, writeContractAndWait } from '../write.ts'
import type { TrainingJobMarket, TrainingJobSpec, TrainingJobTerms } from './jobs.ts'

type ReadClient = Pick<PublicClient, 'readContract' | 'getLogs' | 'chain'> | WriteClient

/** What a proposal commits to: the job it becomes once funded (its market's budget is 0: the round sets it). */
export type ResearchProposalParams = {
  spec: TrainingJobSpec
  market: TrainingJobMarket
  terms: TrainingJobTerms
  specCid: string
  datasetCid: string
}

/** Opens a round paying in `token` with a matching pool of `pool` (approved here when short); returns its id. */
export async function openResearchRound(
  client: WriteClient,
  p: { researchRounds: Address; token: Address; pool: bigint; contributeEnd: number },
) {
  await ensureAllowance(client, p.token, p.researchRounds, p.pool)
  const { hash, receipt } = await writeContractAndWait(client, {
    address: p.researchRounds,
    abi: researchRoundsAbi,
    functionName: 'openRound',
    args: [p.token, p.pool, p.contributeEnd],
  })
  const [opened] = parseEventLogs({ abi: researchRoundsAbi, eventName: 'RoundOpened', logs: receipt.logs })
  if (!opened) throw new MissingEventError({ eventName: 'RoundOpened', hash })
  return { roundId: opened.args.roundId, hash }
}

/** Proposes a training job in round `roundId`; returns the proposal's id. */
export async function proposeResearchJob(
  client: WriteClient,
  p: { researchRounds: Address; roundId: bigint } & ResearchProposalParams,
) {
  const { hash, receipt } = await writeContractAndWait(client, {
    address: p.researchRounds,
    abi: researchRoundsAbi,
    functionName: 'propose',
    args: [p.roundId, p.spec, { ...p.market, budget: 0n }, p.terms, p.specCid, p.datasetCid],
  })
  const [proposed] = parseEventLogs({ abi: researchRoundsAbi, eventName: 'Proposed', logs: receipt.logs })
  if (!proposed) throw new MissingEventError({ eventName: 'Proposed', hash })
  return { proposalId: proposed.args.proposalId, hash }
}

/** Contributes `amount` of the round's token to a proposal (approved here when short). */
export async function contributeToProposal(
  client: WriteClient,
  p: { researchRounds: Address; proposalId: bigint; amount: bigint },
) {
  const proposal = await getResearchProposal(client, p)
  const round = await getResearchRound(client, { researchRounds: p.researchRounds, roundId: proposal.round })
  await ensureAllowance(client, round.token, p.researchRounds, p.amount)
  return writeContractAndWait(client, {
    address: p.researchRounds,
    abi: researchRoundsAbi,
    functionName: 'contribute',
    args: [p.proposalId, p.amount],
  })
}

/** Launches a funded proposal into the market with the parameters it was proposed with (from its event). */
export async function launchResearchProposal(client: WriteClient, p: { researchRounds: Address; proposalId: bigint }) {
  const params = await getResearchProposalParams(client, p)
  const { hash, receipt } = await writeContractAndWait(client, {
    address: p.researchRounds,
    abi: researchRoundsAbi,
    functionName: 'launch',
    args: [p.proposalId, params.spec, params.market, params.terms, params.specCid, params.datasetCid],
  })
  const [launched] = parseEventLogs({ abi: researchRoundsAbi, eventName: 'Launched', logs: receipt.logs })
  if (!launched) throw new MissingEventError({ eventName: 'Launched', hash })
  return { jobId: launched.args.jobId, budget: launched.args.budget, hash }
}

/** The proposer takes what the job returned: the unspent budget once accepted, and any MYC compensation. */
export async function claimResearchRefund(client: WriteClient, p: { researchRounds: Address; proposalId: bigint }) {
  const { hash, receipt } = await writeContractAndWait(client, {
    address: p.researchRounds,
    abi: researchRoundsAbi,
    functionName: 'claimRefund',
    args: [p.proposalId],
  })
  const [claimed] = parseEventLogs({ abi: researchRoundsAbi, eventName: 'RefundClaimed', logs: receipt.logs })
  if (!claimed) throw new MissingEventError({ eventName: 'RefundClaimed', hash })
  return { amount: claimed.args.amount, compensation: claimed.args.compensation, hash }
}

/** After a withdrawal: the caller takes back its contribution (and, as the sponsor, the proposal's match). */
export async function reclaimResearchFunds(client: WriteClient, p: { researchRounds: Address; proposalId: bigint }) {
  const { hash, receipt } = await writeContractAndWait(client, {
    address: p.researchRounds,
    abi: researchRoundsAbi,
    functionName: 'reclaim',
    args: [p.proposalId],
  })
  const [reclaimed] = parseEventLogs({ abi: researchRoundsAbi, eventName: 'Reclaimed', logs: receipt.logs })
  if (!reclaimed) throw new MissingEventError({ eventName: 'Reclaimed', hash })
  return { amount: reclaimed.args.amount, hash }
}

/** A pool no proposal scored for returns to the round's sponsor (anyone, after finalization). */
export async function reclaimResearchPool(client: WriteClient, p: { researchRounds: Address; roundId: bigint }) {
  const { hash, receipt } = await writeContractAndWait(client, {
    address: p.researchRounds,
    abi: researchRoundsAbi,
    functionName: 'reclaimPool',
    args: [p.roundId],
  })
  const [reclaimed] = parseEventLogs({ abi: researchRoundsAbi, eventName: 'PoolReclaimed', logs: receipt.logs })
  if (!reclaimed) throw new MissingEventError({ eventName: 'PoolReclaimed', hash })
  return { amount: reclaimed.args.amount, sponsor: reclaimed.args.sponsor, hash }
}

const write =
  <const F extends 'finalize' | 'claimModel' | 'withdrawProposal'>(fn: F) =>
  (
    client: WriteClient,
    researchRounds: Address,
    args: ContractFunctionArgs<typeof researchRoundsAbi, 'nonpayable', F>,
  ) =>
    writeContractAndWait(client, { address: researchRounds, abi: researchRoundsAbi, functionName: fn, args } as never)

/** Splits a round's pool by the QF rule, after its end (anyone). */
export const finalizeResearchRound = write('finalize')
/** Gives an accepted job's model to its proposer (anyone). */
export const claimResearchModel = write('claimModel')
/** Withdraws a proposal that will not run (its proposer, the sponsor, or anyone once its job is stale). */
export const withdrawResearchProposal = write('withdrawProposal')

export type ResearchRound = Awaited<ReturnType<typeof getResearchRound>>

export async function getResearchRound(client: ReadClient, p: { researchRounds: Address; roundId: bigint }) {
  const round = await readContract(client as PublicClient, {
    address: p.researchRounds,
    abi: researchRoundsAbi,
    functionName: 'getRound',
    args: [p.roundId],
  })
  return { ...round, id: p.roundId }
}

export type ResearchProposal = Awaited<ReturnType<typeof getResearchProposal>>

/** A proposal with its QF score (what its match is proportional to). */
export async function getResearchProposal(client: ReadClient, p: { researchRounds: Address; proposalId: bigint }) {
  const at = { address: p.researchRounds, abi: researchRoundsAbi, args: [p.proposalId] } as const
  const [proposal, score] = await Promise.all([
    readContract(client as PublicClient, { ...at, functionName: 'getProposal' }),
    readContract(client as PublicClient, { ...at, functionName: 'score' }),
  ])
  // The contract marks a launch in progress with 2^256 − 1; outside its transaction a proposal is launched or not.
  const jobId = proposal.jobId === 2n ** 256n - 1n ? 0n : proposal.jobId
  return { ...proposal, jobId, id: p.proposalId, score }
}

/** The parameters a proposal was made with (from its `Proposed` event). */
export async function getResearchProposalParams(
  client: ReadClient,
  p: { researchRounds: Address; proposalId: bigint; fromBlock?: bigint },
): Promise<ResearchProposalParams & { roundId: bigint; proposer: Address }> {
  const [event] = await getContractEvents(client as PublicClient, {
    address: p.researchRounds,
    abi: researchRoundsAbi,
    eventName: 'Proposed',
    args: { proposalId: p.proposalId },
    fromBlock: p.fromBlock ?? 0n,
    strict: true,
  })
  if (!event) throw new MissingEventError({ eventName: 'Proposed', hash: '0x' })
  const { spec, market, terms, specCid, datasetCid, roundId, proposer } = event.args
  return { spec, market, terms, specCid, datasetCid, roundId, proposer }
}

/**
 * Every round, newest first (at most `limit`), each with its first `proposalLimit` proposals (64 by default: anyone
 * may propose, so a round's list is unbounded) and `proposalCount`, how many it has.
 */
export async function listResearchRounds(
  client: ReadClient,
  p: { researchRounds: Address; limit?: number; proposalLimit?: number; fromBlock?: bigint },
) {
  const opened = await getContractEvents(client as PublicClient, {
    address: p.researchRounds,
    abi: researchRoundsAbi,
    eventName: 'RoundOpened',
    fromBlock: p.fromBlock ?? 0n,
    strict: true,
  })
  const ids = opened
    .map((e) => e.args.roundId)
    .reverse()
    .slice(0, p.limit ?? 100)
  return Promise.all(
    ids.map(async (roundId) => {
      const round = await getResearchRound(client, { researchRounds: p.researchRounds, roundId })
      const proposals = await Promise.all(
        round.proposals
          .slice(0, p.proposalLimit ?? 64)
          .map((proposalId) => getResearchProposal(client, { researchRounds: p.researchRounds, proposalId })),
      )
      return { ...round, proposals, proposalCount: round.proposals.length }
    }),
  )
}
