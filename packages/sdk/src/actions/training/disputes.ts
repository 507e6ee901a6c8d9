/**
 * Actions of the training dispute game (`TrainingDisputes`, docs/training.md "The dispute game"): challenges, one
 * move of either side (what @mycel/training's `providerMove`/`challengerMove` computed), timeouts, and reading a
 * dispute with what the provider posted so far (its events).
 */
import { type Address, type Hex, type PublicClient, parseEventLogs } from 'viem'
import { getLogs, readContract } from 'viem/actions'
import { trainingDisputesAbi } from '../../contracts.ts'
import { MissingEventError } from '../../errors/contract.ts'
import { type WriteClient, writeContractAndWait } from '../write.ts'
import type { TrainingJobSpec } from './jobs.ts'

type ReadClient = Pick<PublicClient, 'readContract' | 'getLogs'> | WriteClient

export const DISPUTE_PHASES = [
  'none',
  'bisect',
  'pick',
  'open',
  'open-init',
  'name',
  'descend',
  'pick-node',
  'chunk',
  'lane',
  'resolve',
  'model',
  'done',
] as const

async function opened(hash: Hex, receipt: { logs: readonly unknown[] }) {
  const [event] = parseEventLogs({ abi: trainingDisputesAbi, eventName: 'DisputeOpened', logs: receipt.logs as never })
  if (!event) throw new MissingEventError({ eventName: 'DisputeOpened', hash })
  return { disputeId: event.args.disputeId, hash }
}

/** Challenges checkpoint `index` of job `jobId` (0: the initial state), proving it and the one before. */
export async function challengeTraining(
  client: WriteClient,
  p: {
    trainingDisputes: Address
    jobId: bigint
    spec: TrainingJobSpec
    index: bigint
    agreed: Hex
    agreedProof: readonly Hex[]
    disputed: Hex
    disputedProof: readonly Hex[]
  },
) {
  const { hash, receipt } = await writeContractAndWait(client, {
    address: p.trainingDisputes,
    abi: trainingDisputesAbi,
    functionName: 'challenge',
    args: [p.jobId, p.spec, p.index, p.agreed, p.agreedProof, p.disputed, p.disputedProof],
  })
  return opened(hash, receipt)
}

/** Challenges job `jobId`'s model root. */
export async function challengeTrainingModel(client: WriteClient, p: { trainingDisputes: Address; jobId: bigint }) {
  const { hash, receipt } = await writeContractAndWait(client, {
    address: p.trainingDisputes,
    abi: trainingDisputesAbi,
    functionName: 'challengeModel',
    args: [p.jobId],
  })
  return opened(hash, receipt)
}

/** Sends one move of a dispute: `fn` and its arguments after the dispute id (as play.ts computes them). */
export function sendDisputeMove(
  client: WriteClient,
  p: { trainingDisputes: Address; disputeId: bigint; fn: string; args: readonly unknown[] },
) {
  return writeContractAndWait(client, {
    address: p.trainingDisputes,
    abi: trainingDisputesAbi,
    functionName: p.fn,
    args: [p.disputeId, ...p.args],
  } as never)
}

export type TrainingDispute = Awaited<ReturnType<typeof getTrainingDispute>>

export async function getTrainingDispute(client: ReadClient, p: { trainingDisputes: Address; disputeId: bigint }) {
  const d = await readContract(client as PublicClient, {
    address: p.trainingDisputes,
    abi: trainingDisputesAbi,
    functionName: 'getDispute',
    args: [p.disputeId],
  })
  return { ...d, id: p.disputeId, phaseName: DISPUTE_PHASES[d.phase] ?? 'none' }
}

/** The disputes of a job (or all), oldest first, with their outcome once resolved. */
export async function listTrainingDisputes(client: ReadClient, p: { trainingDisputes: Address; jobId?: bigint }) {
  const count = await readContract(client as PublicClient, {
    address: p.trainingDisputes,
    abi: trainingDisputesAbi,
    functionName: 'disputeCount',
  })
  const all = []
  for (let id = 1n; id <= count; id++) {
    const d = await getTrainingDispute(client, { trainingDisputes: p.trainingDisputes, disputeId: id })
    if (p.jobId === undefined || d.jobId === p.jobId) all.push(d)
  }
  return all
}

/** What the provider posted in a dispute so far, latest of each kind (what the challenger's next move reads). */
export async function getDisputeSeen(client: ReadClient, p: { trainingDisputes: Address; disputeId: bigint }) {
  const logs = await getLogs(client as PublicClient, { address: p.trainingDisputes, fromBlock: 0n })
  const events = parseEventLogs({ abi: trainingDisputesAbi, logs }).filter(
    (e) => 'disputeId' in e.args && e.args.disputeId === p.disputeId,
  )
  const seen: {
    values?: Hex[]
    opening?: Hex
    nodes?: Hex[]
    chunk?: Hex
    resolved?: { providerLost: boolean; reason: string }
  } = {}
  for (const e of events) {
    if (e.eventName === 'Posted') seen.values = [...e.args.values]
    if (e.eventName === 'StepOpened') seen.opening = e.args.opening
    if (e.eventName === 'Descended') seen.nodes = [...e.args.nodes]
    if (e.eventName === 'ChunkRevealed') seen.chunk = e.args.chunk
    if (e.eventName === 'Resolved') seen.resolved = { providerLost: e.args.providerLost, reason: e.args.reason }
  }
  return seen
}

/** Ends a dispute whose side to move let its clock run out (anyone). */
export function timeoutTrainingDispute(client: WriteClient, p: { trainingDisputes: Address; disputeId: bigint }) {
  return writeContractAndWait(client, {
    address: p.trainingDisputes,
    abi: trainingDisputesAbi,
    functionName: 'timeout',
    args: [p.disputeId],
  })
}
