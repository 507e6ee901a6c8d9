/**
 * The verifier role (`mycel verifier serve`, and `npm start` on the devnet; docs/training.md): checks other
 * providers' results while their challenge window is open, and challenges on a mismatch. For each result it checks the
 * initial state (recomputed from the seed), the model root against the final checkpoint, and `segments` segments
 * chosen from chain randomness drawn after the result was committed (the hash of the block that holds it, so the
 * provider cannot know which it will be checked on): it fetches the provider's checkpoint before the segment from the
 * provider's endpoint, checks it against the posted hash, re-executes the segment on a worker thread and compares the
 * end with the next posted hash. A mismatch opens a dispute, which it plays to the end automatically
 * (@mycel/training `challengerMove`).
 */
import {
  challengeTraining,
  challengeTrainingModel,
  getDisputeSeen,
  getTrainingCheckpoints,
  getTrainingDispute,
  getTrainingJobSpec,
  getTrainingProvider,
  listTrainingDisputes,
  listTrainingJobs,
  type MycelAddresses,
  registerTrainingProvider,
  sendDisputeMove,
  type TrainingJob,
  timeoutTrainingDispute,
  trainingDisputesAbi,
  trainingJobsAbi,
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
  PHASE,
  providerMoves,
  replayer,
  runOnWorker,
  stateHash,
  type TrainerState,
} from '@mycel/training'
import type { Logger } from 'pino'
import { type Address, encodePacked, type Hex, keccak256, type PublicClient, parseEventLogs } from 'viem'
import { getBlock, getLogs } from 'viem/actions'
import type { ContentStore } from '../content/contentStore.ts'
import { decodeState } from '../training/checkpoints.ts'
import { loadDataset } from '../training/dataset.ts'

export type VerifierOptions = {
  stake: bigint
  /** Segments re-executed per result (besides the initial state and the model root). */
  segments: number
  endpoint: string
}

export type VerifierStatus = {
  account: Address
  registered: boolean
  /** Results checked: what was checked and what was found. */
  checked: { jobId: string; round: number; segments: number[]; verdict: string }[]
  lastError?: string
}

export type Verifier = { status: () => VerifierStatus; tick: () => Promise<void> }

type Disputed = { party: Party; memory: Memory }

export function createVerifier(p: {
  wallet: WriteClient
  client: PublicClient
  addresses: MycelAddresses
  store: ContentStore
  logger: Logger
  options: VerifierOptions
  inTx: <value>(send: () => Promise<value>) => Promise<value>
}): Verifier {
  const { wallet, client, addresses, store, logger: log, options, inTx } = p
  const me = wallet.account.address
  const jobs = addresses.trainingJobs
  const trainingDisputes = addresses.trainingDisputes
  const checked = new Map<string, VerifierStatus['checked'][number]>()
  const disputed = new Map<bigint, Disputed>()
  let registered = false
  let lastError: string | undefined

  async function ensureRegistered() {
    if (registered) return
    const provider = await getTrainingProvider(client, { trainingJobs: jobs, account: me })
    if (!provider.registered) {
      await inTx(() =>
        registerTrainingProvider(wallet, {
          trainingJobs: jobs,
          mycelToken: addresses.mycelToken,
          stake: options.stake,
          cores: 0,
          memoryMiB: 0,
          pricePerStep: 0n,
          endpoint: options.endpoint,
        }),
      )
      log.info({ msg: 'verifier registered', account: me })
    }
    registered = true
  }

  /** The provider's checkpoint `index` from its endpoint, checked against its posted hash (undefined if it fails). */
  async function fetchCheckpoint(job: TrainingJob, index: number, expected: Hex): Promise<TrainerState | undefined> {
    const provider = await getTrainingProvider(client, { trainingJobs: jobs, account: job.provider })
    try {
      const response = await fetch(
        `${provider.endpoint}/api/training/jobs/${job.id}/checkpoints/${index}?round=${job.round}`,
        {
          signal: AbortSignal.timeout(30_000),
        },
      )
      if (!response.ok) return undefined
      const state = decodeState(new Uint8Array(await response.arrayBuffer()))
      return stateHash(state) === expected ? state : undefined
    } catch {
      return undefined
    }
  }

  async function check(job: TrainingJob) {
    const k = `${job.id}-${job.round}`
    if (checked.has(k)) return
    const posted = await getTrainingCheckpoints(client, { trainingJobs: jobs, jobId: job.id })
    if (!posted) return
    const record = { jobId: job.id.toString(), round: job.round, segments: [] as number[], verdict: 'checking' }
    checked.set(k, record)
    const { spec: specArgs, datasetCid } = await getTrainingJobSpec(client, { trainingJobs: jobs, jobId: job.id })
    const spec = specArgs as ChainSpec
    const mlp = mlpSpecOfChain(spec)
    const dataset = await loadDataset(store, {
      cid: datasetCid,
      width: spec.layers[0] as number,
      count: spec.datasetCount,
      root: spec.datasetRoot,
    })
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
    // 1. The initial state, from the seed.
    if (stateHash(initial) !== cps[0]) {
      record.verdict = 'the initial state differs'
      return dispute(job, spec, cps, 0, party(new Map([[0, initial]])))
    }
    // 2. Segments chosen from the hash of the block that holds the result.
    const seed = await resultBlockHash(job)
    const n = cps.length - 1
    const chosen = new Set<number>()
    for (let i = 0; chosen.size < Math.min(options.segments, n); i++) {
      chosen.add(
        1 +
          Number(BigInt(keccak256(encodePacked(['bytes32', 'address', 'uint256'], [seed, me, BigInt(i)]))) % BigInt(n)),
      )
    }
    for (const segment of [...chosen].sort((a, b) => a - b)) {
      record.segments.push(segment)
      const start = segment === 1 ? initial : await fetchCheckpoint(job, segment - 1, cps[segment - 1] as Hex)
      if (!start) {
        log.warn({ msg: 'verifier could not fetch a checkpoint', jobId: record.jobId, index: segment - 1 })
        continue
      }
      const { hash } = await runOnWorker({ spec: mlp, data: dataset.data, from: start, to: segment * every, every })
      if (hash !== cps[segment]) {
        record.verdict = `segment ${segment} differs`
        return dispute(job, spec, cps, segment, party(new Map([[segment - 1, start]])))
      }
    }
    // 3. The model root is the final state's parameters.
    const final = await fetchCheckpoint(job, n, cps[n] as Hex)
    if (final && openingParts(openState(final)).params !== job.result.modelRoot) {
      record.verdict = 'the model root is not the final state'
      const opened = await inTx(() => challengeTrainingModel(wallet, { trainingDisputes, jobId: job.id }))
      disputed.set(opened.disputeId, { party: party(new Map([[n, final]])), memory: {} })
      return
    }
    record.verdict = 'agrees'
    log.info({ msg: 'verifier agrees', jobId: record.jobId, segments: record.segments })
  }

  async function resultBlockHash(job: TrainingJob): Promise<Hex> {
    const logs = await getLogs(client, {
      address: jobs,
      event: trainingJobsAbi.find((x) => x.type === 'event' && x.name === 'ResultPosted') as never,
      args: { jobId: job.id } as never,
      fromBlock: 0n,
    })
    const last = parseEventLogs({ abi: trainingJobsAbi, eventName: 'ResultPosted', logs }).at(-1)
    return (last?.blockHash ?? (await getBlock(client)).hash) as Hex
  }

  async function dispute(job: TrainingJob, spec: ChainSpec, cps: Hex[], index: number, party: Party) {
    const tree = checkpointTree(cps)
    log.warn({ msg: 'verifier challenges', jobId: job.id.toString(), checkpoint: index })
    const opened = await inTx(() =>
      challengeTraining(wallet, {
        trainingDisputes,
        jobId: job.id,
        spec,
        index: BigInt(index),
        agreed: index > 0 ? (cps[index - 1] as Hex) : `0x${'00'.repeat(32)}`,
        agreedProof: index > 0 ? tree.proof(index - 1) : [],
        disputed: cps[index] as Hex,
        disputedProof: tree.proof(index),
      }),
    )
    disputed.set(opened.disputeId, { party, memory: {} })
  }

  /** Plays this verifier's open disputes: its moves, and timeouts of a provider whose clock ran out. */
  async function play() {
    const mine = (await listTrainingDisputes(client, { trainingDisputes })).filter(
      (d) => d.challenger.toLowerCase() === me.toLowerCase() && d.phase !== PHASE.Done,
    )
    for (const d of mine) {
      const [providerTurn, left] = await client.readContract({
        address: trainingDisputes,
        abi: trainingDisputesAbi,
        functionName: 'turn',
        args: [d.id],
      })
      if (providerTurn) {
        if (left === 0n) {
          await inTx(() => timeoutTrainingDispute(wallet, { trainingDisputes, disputeId: d.id }))
          log.info({ msg: 'verifier ended a dispute on the provider’s clock', disputeId: d.id.toString() })
        }
        continue
      }
      const held = disputed.get(d.id)
      if (!held) continue // opened before a restart: its records are gone; its clock decides
      const view = await getTrainingDispute(client, { trainingDisputes, disputeId: d.id })
      if (providerMoves(view.phase)) continue
      const seen = await getDisputeSeen(client, { trainingDisputes, disputeId: d.id })
      const move = challengerMove(view, held.party, seen, held.memory)
      if (!move) continue
      await inTx(() => sendDisputeMove(wallet, { trainingDisputes, disputeId: d.id, ...move }))
      log.info({ msg: 'verifier moved', disputeId: d.id.toString(), move: move.fn })
    }
  }

  return {
    status: () => ({ account: me, registered, checked: [...checked.values()], ...(lastError ? { lastError } : {}) }),
    async tick() {
      try {
        await ensureRegistered()
        await play()
        const now = (await getBlock(client, { blockTag: 'latest' })).timestamp
        for (const job of await listTrainingJobs(client, { trainingJobs: jobs, limit: 20 })) {
          const open = job.challenger === '0x0000000000000000000000000000000000000000'
          if (job.status !== 'submitted' || !open || now >= BigInt(job.windowEnd)) continue
          if (job.provider.toLowerCase() === me.toLowerCase()) continue
          await check(job)
        }
      } catch (error) {
        lastError = (error as Error).message
        throw error
      }
    },
  }
}
