/**
 * Checking a training result and playing a challenge (what the verifier role does, and `mycel job dispute`): the
 * initial state recomputed from the seed, segments re-executed from the provider's checkpoints (fetched from its
 * endpoint, checked against the posted hashes), the model root against the final state; on a mismatch the challenge
 * to open and the party to play it with (@mycel/training `challengerMove`).
 */
import {
  challengeTraining,
  challengeTrainingModel,
  getDisputeSeen,
  getTrainingCheckpoints,
  getTrainingDispute,
  getTrainingJobSpec,
  getTrainingProvider,
  type MycelAddresses,
  sendDisputeMove,
  type TrainingJob,
  type WriteClient,
} from '@mycel/sdk'
import {
  type ChainSpec,
  challengerMove,
  checkpointTree,
  createMlpTrainer,
  type Memory,
  mlpSpecOfChain,
  openingParts,
  openState,
  type Party,
  providerMoves,
  replayer,
  runOnWorker,
  stateHash,
  type TrainerState,
} from '@mycel/training'
import type { Hex, PublicClient } from 'viem'
import type { ContentStore } from '../content/contentStore.ts'
import { decodeState } from './checkpoints.ts'
import { loadDataset } from './dataset.ts'
import type { JobDatasets } from './jobDataset.ts'

export type Finding =
  | { kind: 'agrees'; segments: number[] }
  | { kind: 'checkpoint'; index: number; party: Party; segments: number[] }
  | { kind: 'model'; party: Party; segments: number[] }

/** The provider's checkpoint `index` from its endpoint, checked against its posted hash (undefined if that fails). */
export async function fetchCheckpoint(
  client: PublicClient,
  addresses: MycelAddresses,
  job: TrainingJob,
  index: number,
  expected: Hex,
): Promise<TrainerState | undefined> {
  const provider = await getTrainingProvider(client, { trainingJobs: addresses.trainingJobs, account: job.provider })
  try {
    const url = `${provider.endpoint}/api/training/jobs/${job.id}/checkpoints/${index}?round=${job.round}`
    const response = await fetch(url, { signal: AbortSignal.timeout(30_000) })
    if (!response.ok) return undefined
    const state = decodeState(new Uint8Array(await response.arrayBuffer()))
    return stateHash(state) === expected ? state : undefined
  } catch {
    return undefined
  }
}

/**
 * Checks job `job`'s current result: the initial state, each of `segments` (checkpoint indices 1..N: the segment
 * ending there) and the model root. `onSegment` reports each segment as it is re-executed.
 */
export async function checkResult(p: {
  client: PublicClient
  addresses: MycelAddresses
  store: ContentStore
  job: TrainingJob
  segments: (count: number) => number[]
  onSegment?: (index: number) => void
  /** Where the job's dataset comes from (default: the content store's plaintext file). */
  datasets?: JobDatasets
}): Promise<Finding> {
  const { client, addresses, job } = p
  const posted = await getTrainingCheckpoints(client, { trainingJobs: addresses.trainingJobs, jobId: job.id })
  if (!posted) throw new Error(`job ${job.id} has no result to check`)
  const { spec: specArgs, datasetCid } = await getTrainingJobSpec(client, {
    trainingJobs: addresses.trainingJobs,
    jobId: job.id,
  })
  const spec = specArgs as ChainSpec
  const mlp = mlpSpecOfChain(spec)
  const want = {
    cid: datasetCid,
    width: spec.layers[0] as number,
    count: spec.datasetCount,
    root: spec.datasetRoot,
  }
  const dataset = await (p.datasets ? p.datasets(job, want) : loadDataset(p.store, want))
  const cps = posted.checkpoints as Hex[]
  const every = spec.checkpointEvery
  const party = (held: Map<number, TrainerState>): Party => ({
    spec: mlp,
    chain: spec,
    data: dataset.data,
    dataset: dataset.tree,
    state: replayer(mlp, dataset.data, (i) => held.get(i), every),
  })
  const initial = createMlpTrainer(mlp, dataset.data).snapshot()
  const segments: number[] = []
  if (stateHash(initial) !== cps[0])
    return { kind: 'checkpoint', index: 0, party: party(new Map([[0, initial]])), segments }
  const n = cps.length - 1
  for (const segment of p.segments(n)) {
    const start =
      segment === 1 ? initial : await fetchCheckpoint(client, addresses, job, segment - 1, cps[segment - 1] as Hex)
    if (!start) continue
    segments.push(segment)
    p.onSegment?.(segment)
    const { hash } = await runOnWorker({ spec: mlp, data: dataset.data, from: start, to: segment * every, every })
    if (hash !== cps[segment]) {
      return { kind: 'checkpoint', index: segment, party: party(new Map([[segment - 1, start]])), segments }
    }
  }
  const final = await fetchCheckpoint(client, addresses, job, n, cps[n] as Hex)
  if (final && openingParts(openState(final)).params !== job.result.modelRoot) {
    return { kind: 'model', party: party(new Map([[n, final]])), segments }
  }
  return { kind: 'agrees', segments }
}

/** Opens the dispute a finding calls for; returns its id. */
export async function challengeFinding(
  wallet: WriteClient,
  client: PublicClient,
  addresses: MycelAddresses,
  job: TrainingJob,
  finding: Exclude<Finding, { kind: 'agrees' }>,
): Promise<bigint> {
  const trainingDisputes = addresses.trainingDisputes
  if (finding.kind === 'model')
    return (await challengeTrainingModel(wallet, { trainingDisputes, jobId: job.id })).disputeId
  const posted = await getTrainingCheckpoints(client, { trainingJobs: addresses.trainingJobs, jobId: job.id })
  const cps = (posted?.checkpoints ?? []) as Hex[]
  const tree = checkpointTree(cps)
  const i = finding.index
  const opened = await challengeTraining(wallet, {
    trainingDisputes,
    jobId: job.id,
    spec: finding.party.chain,
    index: BigInt(i),
    agreed: i > 0 ? (cps[i - 1] as Hex) : `0x${'00'.repeat(32)}`,
    agreedProof: i > 0 ? tree.proof(i - 1) : [],
    disputed: cps[i] as Hex,
    disputedProof: tree.proof(i),
  })
  return opened.disputeId
}

/** The challenger's next move in dispute `id`, sent; undefined when it is the provider's turn or the game ended. */
export async function challengerStep(
  wallet: WriteClient,
  client: PublicClient,
  addresses: MycelAddresses,
  id: bigint,
  party: Party,
  memory: Memory,
): Promise<string | undefined> {
  const trainingDisputes = addresses.trainingDisputes
  const view = await getTrainingDispute(client, { trainingDisputes, disputeId: id })
  if (providerMoves(view.phase)) return undefined
  const seen = await getDisputeSeen(client, { trainingDisputes, disputeId: id })
  const move = challengerMove(view, party, seen, memory)
  if (!move) return undefined
  await sendDisputeMove(wallet, { trainingDisputes, disputeId: id, ...move })
  return move.fn
}
