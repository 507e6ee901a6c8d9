/**
 * The trainer role (`mycel trainer serve`, and `npm start` on the devnet; docs/training.md): a compute provider in the
 * training market. It registers with its MYC stake, bids on jobs it can train (its limits, the dataset fetched and
 * checked against the job's root first) in the sealed-bid auction — the salt persisted before the commitment is sent —
 * trains the jobs it wins on a worker thread with progress, keeps every checkpoint to serve verifiers and to answer
 * disputes, posts the result (checkpoints, model root, the ONNX export and a model card in the content store), answers
 * every dispute move automatically, accepts after the window and withdraws its pay.
 */

import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { mlpToOnnx } from '@mycel/models/onnx'
import {
  acceptDataJob,
  acceptTrainingJob,
  assignTrainingJob,
  bidCommitment,
  commitTrainingBid,
  getTrainingDispute,
  getTrainingJobSpec,
  listTrainingDisputes,
  listTrainingJobs,
  type MycelAddresses,
  mayBidOnDataJob,
  revealTrainingBid,
  sendDisputeMove,
  submitTrainingResult,
  type TrainingJob,
  timeoutTrainingDispute,
  trainingDisputesAbi,
  type WriteClient,
  withdrawTrainingPayment,
} from '@mycel/sdk'
import {
  bitsOf32,
  type ChainSpec,
  denseLayers,
  type Memory,
  mlpSpecOfChain,
  openingParts,
  openState,
  PHASE,
  providerMove,
  providerMoves,
  replayer,
  runOnWorker,
  stateHash,
  type TrainerState,
} from '@mycel/training'
import type { Logger } from 'pino'
import { type Address, type Hex, type PublicClient, toHex } from 'viem'
import { getBlock } from 'viem/actions'
import type { ContentStore } from '../content/contentStore.ts'
import { type CheckpointStore, createCheckpointStore } from '../training/checkpoints.ts'
import { loadDataset } from '../training/dataset.ts'
import { isDataJob, type JobDatasets } from '../training/jobDataset.ts'
import { trainingRegistration } from '../training/registration.ts'

export type TrainerOptions = {
  dataDir: string
  /** MYC (wei) staked at registration. */
  stake: bigint
  /** What it asks per step (the job's payment token units); a job whose budget is below steps × this is skipped. */
  pricePerStep: bigint
  /** The largest model it trains, in parameters. */
  maxParameters: number
  /** Its node's URL, published on chain: verifiers fetch its checkpoints there. */
  endpoint: string
  cores: number
  memoryMiB: number
}

export type TrainerStatus = {
  account: Address
  registered: boolean
  /** Jobs it trains now: steps done of the total and the last loss. */
  training: { jobId: string; round: number; step: number; steps: number; loss: number }[]
  bids: { jobId: string; round: number; price: string; revealed: boolean }[]
  lastError?: string
}

type Bid = { salt: Hex; price: string; revealed: boolean }

export type Trainer = {
  status: () => TrainerStatus
  /** The bytes of a held checkpoint (what `GET /api/training/jobs/:id/checkpoints/:index` serves). */
  checkpoint: (jobId: bigint, round: number, index: number) => Uint8Array | undefined
  /** One pass of its duties (the node runs it in a loop). */
  tick: () => Promise<void>
}

export function createTrainer(p: {
  wallet: WriteClient
  client: PublicClient
  addresses: MycelAddresses
  store: ContentStore
  logger: Logger
  options: TrainerOptions
  /** Sends one transaction in the node's queue for this account. */
  inTx: <value>(send: () => Promise<value>) => Promise<value>
  /** Where a job's dataset comes from (compute-to-data jobs: through this trainer's compute grant). */
  datasets?: JobDatasets
}): Trainer {
  const { wallet, client, addresses, store, logger: log, options, inTx } = p
  const datasets: JobDatasets = p.datasets ?? ((_job, want) => loadDataset(store, want))
  const me = wallet.account.address
  const checkpoints: CheckpointStore = createCheckpointStore(options.dataDir)
  const bidsFile = join(options.dataDir, 'training', `bids-${me.toLowerCase()}.json`)
  const bids: Record<string, Bid> = existsSync(bidsFile) ? JSON.parse(readFileSync(bidsFile, 'utf8')) : {}
  const saveBids = () => {
    mkdirSync(join(options.dataDir, 'training'), { recursive: true })
    writeFileSync(`${bidsFile}.tmp`, JSON.stringify(bids, null, 2))
    renameSync(`${bidsFile}.tmp`, bidsFile)
  }
  const training = new Map<string, TrainerStatus['training'][number]>()
  const memories = new Map<bigint, Memory>()
  const skipped = new Set<string>()
  const waiting = new Set<string>()
  const specs = new Map<bigint, Awaited<ReturnType<typeof getTrainingJobSpec>>>()
  /** Tokens already withdrawn this run (a new acceptance clears its token). */
  const paid = new Set<string>()
  let lastError: string | undefined
  const key = (job: TrainingJob) => `${job.id}-${job.round}`
  const jobs = addresses.trainingJobs

  const registration = trainingRegistration({
    wallet,
    client,
    addresses,
    inTx,
    logger: log,
    role: 'trainer',
    offer: {
      stake: options.stake,
      cores: options.cores,
      memoryMiB: options.memoryMiB,
      pricePerStep: options.pricePerStep,
      endpoint: options.endpoint,
    },
  })

  /** The job's spec and dataset when this trainer can take it, else undefined (and the reason logged once). */
  async function fit(job: TrainingJob) {
    // A job's spec never changes: read its JobPosted event once, not at every round of duties.
    let posted = specs.get(job.id)
    if (!posted) {
      posted = await getTrainingJobSpec(client, { trainingJobs: jobs, jobId: job.id })
      specs.set(job.id, posted)
    }
    const spec = posted.spec as ChainSpec
    const mlp = mlpSpecOfChain(spec)
    const parameters = mlp.layers.slice(1).reduce((n, w, l) => n + ((mlp.layers[l] as number) + 1) * w, 0)
    const skip = (why: string) => {
      if (!skipped.has(key(job))) log.info({ msg: 'trainer skips a job', jobId: job.id.toString(), why })
      skipped.add(key(job))
      return undefined
    }
    if (parameters > options.maxParameters) return skip(`${parameters} parameters, above ${options.maxParameters}`)
    const price = options.pricePerStep * BigInt(spec.steps)
    if (price > job.market.budget) return skip(`its budget ${job.market.budget} is below ${price}`)
    const dataset = await datasets(job, {
      cid: posted.datasetCid,
      width: spec.layers[0] as number,
      count: spec.datasetCount,
      root: spec.datasetRoot,
    }).catch((error: Error) => skip(`its dataset: ${error.message}`))
    if (!dataset) return undefined
    return { spec, mlp, price: price === 0n ? 1n : price, dataset, datasetCid: posted.datasetCid }
  }

  async function bid(job: TrainingJob, now: bigint) {
    const k = key(job)
    const mine = bids[k]
    if (now < BigInt(job.biddingEnd)) {
      if (mine || skipped.has(k)) return
      const fits = await fit(job)
      if (!fits) return
      // A compute-to-data job opens to bids once its dataset's owner approved the spec (and this trainer enrolled).
      if (
        isDataJob(addresses, job) &&
        !(await mayBidOnDataJob(client, { computeToData: addresses.computeToData, jobId: job.id, provider: me }))
      ) {
        if (!waiting.has(k))
          log.info({ msg: 'trainer waits for the data owner to approve a job', jobId: job.id.toString() })
        waiting.add(k)
        return
      }
      const salt = toHex(randomBytes(32))
      // The salt is on disk before the commitment is sent: a restart can always reveal.
      bids[k] = { salt, price: fits.price.toString(), revealed: false }
      saveBids()
      const commitment = bidCommitment({
        chainId: await client.getChainId(),
        trainingJobs: jobs,
        jobId: job.id,
        round: job.round,
        provider: me,
        price: fits.price,
        salt,
      })
      try {
        await inTx(() => commitTrainingBid(wallet, jobs, [job.id, commitment]))
      } catch (error) {
        // Refused by the contract (bidding closed meanwhile, not allowed): no commitment exists, nothing to reveal.
        if ((error as { errorName?: string }).errorName) {
          delete bids[k]
          saveBids()
        }
        throw error
      }
      log.info({ msg: 'trainer bid', jobId: job.id.toString(), round: job.round, price: fits.price.toString() })
    } else if (now < BigInt(job.revealEnd)) {
      if (!mine || mine.revealed) return
      try {
        await inTx(() => revealTrainingBid(wallet, jobs, [job.id, BigInt(mine.price), mine.salt]))
      } catch (error) {
        // A commitment that never landed: give the bid up rather than retry it every round of duties.
        if ((error as { errorName?: string }).errorName !== 'TrainingJobsNoCommitment') throw error
        log.warn({ msg: 'trainer bid was never committed', jobId: job.id.toString(), round: job.round })
      }
      mine.revealed = true
      saveBids()
    } else if (job.provider.toLowerCase() === me.toLowerCase()) {
      await inTx(() => assignTrainingJob(wallet, jobs, [job.id]))
      log.info({ msg: 'trainer won a job', jobId: job.id.toString(), price: job.price.toString() })
    } else if (/^0x0{40}$/i.test(job.provider) && !skipped.has(k) && (await fit(job))) {
      // Nobody bid: open a new round (anyone may), so a job this trainer can take does not wait for its buyer.
      await inTx(() => assignTrainingJob(wallet, jobs, [job.id]))
      log.info({ msg: 'trainer reopened bidding on a job nobody bid on', jobId: job.id.toString(), round: job.round })
    }
  }

  async function train(job: TrainingJob) {
    const k = key(job)
    if (training.has(k)) return
    const fits = await fit(job)
    if (!fits) return
    const { spec, mlp, dataset } = fits
    const every = spec.checkpointEvery
    const status = { jobId: job.id.toString(), round: job.round, step: 0, steps: spec.steps, loss: Number.NaN }
    training.set(k, status)
    // Resume from the last checkpoint kept (a restart mid-job), else start.
    const hashes: Hex[] = []
    let from: TrainerState | undefined
    for (let i = 0; ; i++) {
      const s = checkpoints.load(job.id, job.round, i)
      if (!s) break
      from = s
      hashes.push(stateHash(s))
    }
    if (from) hashes.pop() // the run reports its starting checkpoint again
    log.info({ msg: 'trainer trains', jobId: status.jobId, steps: spec.steps, from: from?.steps ?? 0 })
    void runOnWorker({
      spec: mlp,
      data: dataset.data,
      ...(from ? { from } : {}),
      to: spec.steps,
      every,
      onCheckpoint: (i, state, hash) => {
        checkpoints.save(job.id, job.round, i, state)
        hashes[i] = hash
      },
      onProgress: (step, loss) => {
        status.step = step
        status.loss = loss
      },
    })
      .then(async ({ state }) => {
        const modelRoot = openingParts(openState(state)).params
        const onnx = mlpToOnnx(denseLayers(mlp, state.params), {
          name: `mycel-job-${job.id}`,
          metadata: { job: job.id.toString(), datasetCid: fits.datasetCid, modelRoot },
        })
        const weights = await store.addBytes(onnx)
        const card = await store.addBytes(
          Buffer.from(
            JSON.stringify({
              name: `trained by job ${job.id}`,
              job: job.id.toString(),
              dataset: fits.datasetCid,
              weights: weights.cid,
              modelRoot,
              layers: mlp.layers,
              steps: spec.steps,
              finalLoss: status.loss,
            }),
          ),
        )
        await inTx(() =>
          submitTrainingResult(wallet, jobs, [
            job.id,
            spec,
            hashes,
            modelRoot,
            bitsOf32(status.loss),
            weights.cid,
            card.cid,
          ]),
        )
        log.info({ msg: 'trainer posted a result', jobId: status.jobId, weightsCid: weights.cid, loss: status.loss })
      })
      .catch((error: Error) => {
        lastError = error.message
        log.warn({ msg: 'training failed', jobId: status.jobId, err: error.message })
      })
      .finally(() => training.delete(k))
  }

  /** Answers the disputes against this trainer whose move it is; ends those whose challenger's clock ran out. */
  async function answer(job: TrainingJob) {
    const disputes = await listTrainingDisputes(client, { trainingDisputes: addresses.trainingDisputes, jobId: job.id })
    for (const d of disputes) {
      if (d.phase === PHASE.Done || d.provider.toLowerCase() !== me.toLowerCase()) continue
      const view = await getTrainingDispute(client, { trainingDisputes: addresses.trainingDisputes, disputeId: d.id })
      const [providerTurn, left] = await client.readContract({
        address: addresses.trainingDisputes,
        abi: trainingDisputesAbi,
        functionName: 'turn',
        args: [d.id],
      })
      if (!providerTurn) {
        if (left === 0n)
          await inTx(() =>
            timeoutTrainingDispute(wallet, { trainingDisputes: addresses.trainingDisputes, disputeId: d.id }),
          )
        continue
      }
      const fits = await fit(job)
      if (!fits) continue
      const party = {
        spec: fits.mlp,
        chain: fits.spec,
        data: fits.dataset.data,
        dataset: fits.dataset.tree,
        state: replayer(
          fits.mlp,
          fits.dataset.data,
          (i) => checkpoints.load(job.id, job.round, i),
          fits.spec.checkpointEvery,
        ),
      }
      const memory = memories.get(d.id) ?? {}
      memories.set(d.id, memory)
      const move = providerMoves(view.phase) ? providerMove(view, party, memory) : undefined
      if (!move) continue
      await inTx(() =>
        sendDisputeMove(wallet, { trainingDisputes: addresses.trainingDisputes, disputeId: d.id, ...move }),
      )
      log.info({ msg: 'trainer answered a dispute', disputeId: d.id.toString(), move: move.fn })
    }
  }

  return {
    status: () => ({
      account: me,
      registered: registration.registered,
      training: [...training.values()],
      bids: Object.entries(bids).map(([k, b]) => {
        const [jobId, round] = k.split('-') as [string, string]
        return { jobId, round: Number(round), price: b.price, revealed: b.revealed }
      }),
      ...(lastError ? { lastError } : {}),
    }),
    checkpoint: (jobId, round, index) => checkpoints.bytes(jobId, round, index),
    async tick() {
      await registration.ensure()
      const now = (await getBlock(client, { blockTag: 'latest' })).timestamp
      for (const job of await listTrainingJobs(client, { trainingJobs: jobs, limit: 20 })) {
        const mine = job.provider.toLowerCase() === me.toLowerCase()
        if (job.status === 'bidding') await bid(job, now)
        else if (job.status === 'training' && mine) await train(job)
        else if (job.status === 'submitted' && mine) {
          await answer(job)
          const open = job.challenger !== '0x0000000000000000000000000000000000000000'
          if (!open && now >= BigInt(job.windowEnd)) {
            // A compute-to-data job is accepted through ComputeToData, which hands its buyer the model at once.
            await inTx(() =>
              isDataJob(addresses, job)
                ? acceptDataJob(wallet, { computeToData: addresses.computeToData, jobId: job.id })
                : acceptTrainingJob(wallet, jobs, [job.id]),
            )
            log.info({ msg: 'trainer accepted its job', jobId: job.id.toString() })
            paid.delete(job.market.token)
          }
        } else if (job.status === 'accepted' && mine && !paid.has(job.market.token)) {
          const { amount } = await inTx(() =>
            withdrawTrainingPayment(wallet, { trainingJobs: jobs, token: job.market.token }),
          )
          if (amount > 0n)
            log.info({ msg: 'trainer withdrew its pay', token: job.market.token, amount: amount.toString() })
          paid.add(job.market.token)
        }
      }
    },
  }
}
