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
  listTrainingDisputes,
  listTrainingJobs,
  type MycelAddresses,
  type TrainingJob,
  timeoutTrainingDispute,
  trainingDisputesAbi,
  trainingJobsAbi,
  type WriteClient,
} from '@mycel/sdk'
import { type Memory, type Party, PHASE } from '@mycel/training'
import type { Logger } from 'pino'
import { type Address, encodePacked, type Hex, keccak256, type PublicClient, parseEventLogs } from 'viem'
import { getBlock, getLogs } from 'viem/actions'
import type { ContentStore } from '../content/contentStore.ts'
import type { JobDatasets } from '../training/jobDataset.ts'
import { trainingRegistration } from '../training/registration.ts'
import { challengeFinding, challengerStep, checkResult } from '../training/verify.ts'

/** How many times the verifier tries one result's check before it shows why it could not make it. */
export const CHECK_ATTEMPTS = 3

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
  /** Where a job's dataset comes from (compute-to-data jobs: through this verifier's compute grant). */
  datasets?: JobDatasets
}): Verifier {
  const { wallet, client, addresses, store, logger: log, options, inTx, datasets } = p
  const me = wallet.account.address
  const jobs = addresses.trainingJobs
  const trainingDisputes = addresses.trainingDisputes
  const checked = new Map<string, VerifierStatus['checked'][number]>()
  const disputed = new Map<bigint, Disputed>()
  const attempts = new Map<string, number>()
  let lastError: string | undefined

  const registration = trainingRegistration({
    wallet,
    client,
    addresses,
    inTx,
    logger: log,
    role: 'verifier',
    offer: { stake: options.stake, cores: 0, memoryMiB: 0, pricePerStep: 0n, endpoint: options.endpoint },
  })

  /**
   * Checks a result once; a check that fails (the RPC, the dataset, a worker) is tried again on the next rounds of
   * duties, up to {@link CHECK_ATTEMPTS} times, and then shows why it could not be made.
   */
  async function check(job: TrainingJob) {
    const k = `${job.id}-${job.round}`
    const seen = checked.get(k)
    if (seen && !seen.verdict.startsWith('retrying')) return
    const record = seen ?? { jobId: job.id.toString(), round: job.round, segments: [] as number[], verdict: 'checking' }
    record.verdict = 'checking'
    checked.set(k, record)
    try {
      await checkOnce(job, record)
    } catch (error) {
      const tries = (attempts.get(k) ?? 0) + 1
      attempts.set(k, tries)
      const reason = (error as Error).message
      record.verdict = tries < CHECK_ATTEMPTS ? `retrying (${reason})` : `could not check: ${reason}`
      log.warn({ msg: 'verifier check failed', jobId: record.jobId, attempt: tries, err: reason })
    }
  }

  async function checkOnce(job: TrainingJob, record: VerifierStatus['checked'][number]) {
    const seed = await resultBlockHash(job)
    // Segments chosen from the hash of the block that holds the result: unknown to the provider when it posted.
    const choose = (n: number) => {
      const chosen = new Set<number>()
      for (let i = 0; chosen.size < Math.min(options.segments, n); i++) {
        const word = keccak256(encodePacked(['bytes32', 'address', 'uint256'], [seed, me, BigInt(i)]))
        chosen.add(1 + Number(BigInt(word) % BigInt(n)))
      }
      return [...chosen].sort((a, b) => a - b)
    }
    const finding = await checkResult({
      client,
      addresses,
      store,
      job,
      segments: choose,
      ...(datasets ? { datasets } : {}),
    })
    record.segments = finding.segments
    if (finding.kind === 'agrees') {
      record.verdict = 'agrees'
      log.info({ msg: 'verifier agrees', jobId: record.jobId, segments: record.segments })
      return
    }
    record.verdict =
      finding.kind === 'model' ? 'the model root is not the final state' : `checkpoint ${finding.index} differs`
    log.warn({ msg: 'verifier challenges', jobId: record.jobId, verdict: record.verdict })
    const id = await inTx(() => challengeFinding(wallet, client, addresses, job, finding))
    disputed.set(id, { party: finding.party, memory: {} })
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
      const moved = await inTx(() => challengerStep(wallet, client, addresses, d.id, held.party, held.memory))
      if (moved) log.info({ msg: 'verifier moved', disputeId: d.id.toString(), move: moved })
    }
  }

  return {
    status: () => ({
      account: me,
      registered: registration.registered,
      checked: [...checked.values()],
      ...(lastError ? { lastError } : {}),
    }),
    async tick() {
      try {
        await registration.ensure()
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
