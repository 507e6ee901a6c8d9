/**
 * The training market on the in-process EVM for the contract tests: MYC, TestUSD, ModelRegistry (from the market
 * helper), TrainingJobs, TrainingReferee and TrainingDisputes wired together, with helpers to stake, post a job, run
 * its sealed-bid auction, post a result and read named reverts; and `playDispute`, which plays a whole dispute on the
 * contracts between a provider and a challenger, each computing its moves with @mycel/training's dispute.ts from its
 * own records — the same moves the node's trainer and verifier make.
 */
import type { Address as EvmAddress } from '@ethereumjs/util'
import {
  type ChainSpec,
  checkpointTree,
  chunkHex,
  type Dataset,
  type DatasetTree,
  descendNodes,
  disputedTensor,
  evidence,
  firstLane,
  initOpening,
  innerPoints,
  layout,
  type MlpSpec,
  type Named,
  namedTensor,
  type OnOp,
  openingParts,
  openState,
  partialSums,
  pickNode,
  pickSegment,
  recordStep,
  type StepRecord,
  stateDifference,
  stateHash,
  sumWord,
  TARGET,
  type TrainerState,
} from '@mycel/training'
import {
  type Abi,
  type Address,
  decodeErrorResult,
  encodeDeployData,
  encodePacked,
  type Hex,
  keccak256,
  maxUint256,
} from 'viem'
import { expect } from 'vitest'
import {
  modelRegistryAbi,
  mycelTokenAbi,
  mycelTokenBytecode,
  testUSDAbi as testUsdAbi,
  trainingDisputesAbi,
  trainingDisputesBytecode,
  trainingJobsAbi,
  trainingJobsBytecode,
  trainingRefereeAbi,
  trainingRefereeBytecode,
} from '../../../packages/sdk/src/generated/contracts.ts'
import type { CallResult } from './evm.ts'
import { admin, deployMarket, type Market } from './market.ts'

const allErrors = [...trainingJobsAbi, ...trainingDisputesAbi, ...trainingRefereeAbi, ...mycelTokenAbi, ...testUsdAbi]
  .filter((item) => item.type === 'error')
  .filter((item, i, all) => all.findIndex((x) => JSON.stringify(x) === JSON.stringify(item)) === i) as Abi

export const MYC = 10n ** 18n

export type MarketTimes = {
  biddingTime: number
  revealTime: number
  trainingTime: number
  challengeWindow: number
  disputeClock: number
}
export const TIMES: MarketTimes = {
  biddingTime: 600,
  revealTime: 600,
  trainingTime: 3600,
  challengeWindow: 3600,
  disputeClock: 1800,
}

export type Training = Awaited<ReturnType<typeof deployTraining>>

export async function deployTraining() {
  const m: Market = await deployMarket()
  const { chain } = m
  const create = (data: Hex) => chain.deploy(data, admin)
  const myc = await create(
    encodeDeployData({ abi: mycelTokenAbi, bytecode: mycelTokenBytecode, args: [admin, 10n ** 9n * MYC] }),
  )
  const jobs = await create(
    encodeDeployData({
      abi: trainingJobsAbi,
      bytecode: trainingJobsBytecode,
      args: [myc.toString() as Address, m.registry.toString() as Address, admin],
    }),
  )
  const referee = await create(encodeDeployData({ abi: trainingRefereeAbi, bytecode: trainingRefereeBytecode }))
  const disputes = await create(
    encodeDeployData({
      abi: trainingDisputesAbi,
      bytecode: trainingDisputesBytecode,
      args: [jobs.toString() as Address, referee.toString() as Address],
    }),
  )
  const call = (from: Address, to: EvmAddress, abi: Abi, fn: string, args: unknown[] = []): Promise<CallResult> =>
    chain.call(from, to, abi, fn, args, { gasLimit: 16_777_216n })
  const describe = (r: CallResult) =>
    r.revertData === '0x' ? r.error : decodeErrorResult({ abi: allErrors, data: r.revertData })
  const must = async (from: Address, to: EvmAddress, abi: Abi, fn: string, args: unknown[] = []) => {
    const r = await call(from, to, abi, fn, args)
    if (!r.ok)
      throw new Error(`${fn} reverted: ${JSON.stringify(describe(r), (_k, v) => (typeof v === 'bigint' ? `${v}` : v))}`)
    return r
  }
  const fails = async (from: Address, to: EvmAddress, abi: Abi, fn: string, args: unknown[] = []) => {
    const r = await call(from, to, abi, fn, args)
    expect(r.ok, `${fn} should revert`).toBe(false)
    const decoded = decodeErrorResult({ abi: allErrors, data: r.revertData })
    return { errorName: decoded.errorName, args: decoded.args ?? [] }
  }
  await must(admin, jobs, trainingJobsAbi, 'setDisputes', [disputes.toString()])
  const t = {
    m,
    chain,
    myc,
    jobs,
    referee,
    disputes,
    call,
    must,
    fails,
    /** Moves the chain's clock forward. */
    wait: (seconds: number) => {
      chain.now += BigInt(seconds)
    },
    mycBalance: async (who: Address) => (await must(admin, myc, mycelTokenAbi, 'balanceOf', [who])).result as bigint,
    usdBalance: (who: Address) => m.balance(who),
    /** Gives `who` MYC and registers it as a provider with `stake`. */
    async stake(who: Address, stake: bigint, endpoint = 'http://127.0.0.1:1') {
      await must(admin, myc, mycelTokenAbi, 'transfer', [who, stake])
      await must(who, myc, mycelTokenAbi, 'approve', [jobs.toString(), maxUint256])
      await must(who, jobs, trainingJobsAbi, 'register', [2, 4096, 1000n, endpoint, stake])
    },
    async postJob(buyer: Address, spec: ChainSpec, budget: bigint, bond: bigint, times: MarketTimes = TIMES) {
      await m.mint(buyer, budget)
      await must(buyer, m.usd, testUsdAbi, 'approve', [jobs.toString(), maxUint256])
      const market = { token: m.usd.toString(), budget, bond, ...times }
      const terms = {
        currency: m.usd.toString(),
        minPricePerRequest: 100n,
        mintFee: 0n,
        licenseDuration: 0n,
        royaltyBps: 500,
        commercialUse: true,
        derivativesAllowed: true,
        attribution: true,
        hasTerms: true,
      }
      const r = await must(buyer, jobs, trainingJobsAbi, 'postJob', [spec, market, terms, 'bafyspec', 'bafydata'])
      return r.result as bigint
    },
    async job(jobId: bigint) {
      return (await must(admin, jobs, trainingJobsAbi, 'getJob', [jobId])).result as {
        state: number
        round: number
        provider: Address
        price: bigint
        challenger: Address
        modelId: bigint
        buyer: Address
        result: { checkpointRoot: Hex; modelRoot: Hex; weightsCid: string }
      }
    },
    async provider(who: Address) {
      return (await must(admin, jobs, trainingJobsAbi, 'getProvider', [who])).result as {
        stake: bigint
        locked: bigint
        accepted: number
        slashed: number
      }
    },
    /** Commit-reveal auction among `bids` ([provider, price]); ends with `assign`. */
    async auction(jobId: bigint, bids: [Address, bigint][], times: MarketTimes = TIMES) {
      const { round } = await t.job(jobId)
      const salts = bids.map((_, i) => keccak256(encodePacked(['uint256', 'uint256'], [jobId, BigInt(i)])))
      for (const [i, [who, price]] of bids.entries()) {
        const c = (await must(who, jobs, trainingJobsAbi, 'bidCommitment', [jobId, round, who, price, salts[i] as Hex]))
          .result as Hex
        await must(who, jobs, trainingJobsAbi, 'commitBid', [jobId, c])
      }
      t.wait(times.biddingTime)
      for (const [i, [who, price]] of bids.entries()) {
        await must(who, jobs, trainingJobsAbi, 'revealBid', [jobId, price, salts[i] as Hex])
      }
      t.wait(times.revealTime)
      await must(admin, jobs, trainingJobsAbi, 'assign', [jobId])
    },
    async submit(jobId: bigint, who: Address, spec: ChainSpec, run: ProviderRun) {
      const checkpoints = run.checkpoints(spec)
      return must(who, jobs, trainingJobsAbi, 'submitResult', [
        jobId,
        spec,
        checkpoints,
        run.modelRoot(spec),
        0,
        'bafyweights',
        'bafycard',
      ])
    },
    async dispute(id: bigint) {
      return (await must(admin, disputes, trainingDisputesAbi, 'getDispute', [id])).result as DisputeView
    },
  }
  return t
}

export type DisputeView = {
  jobId: bigint
  phase: number
  target: number
  output: number
  entry: number
  step: bigint
  lo: bigint
  hi: bigint
  loValue: Hex
  hiValue: Hex
  level: number
  index: number
  element: number
  claimed: number
}

export const PHASE = {
  None: 0,
  Bisect: 1,
  Pick: 2,
  Open: 3,
  OpenInit: 4,
  Name: 5,
  Descend: 6,
  PickNode: 7,
  Chunk: 8,
  Lane: 9,
  Resolve: 10,
  Model: 11,
  Done: 12,
} as const

/**
 * A party's view of a job: its state after every step (what it trains or claims it trained), the data it reads and
 * a fault it applies to a step's live tensors; an honest run has none.
 */
export type ProviderRun = {
  spec: MlpSpec
  data: Dataset
  state: (step: number) => TrainerState
  tamper?: (step: number) => OnOp | undefined
  checkpoints: (spec: ChainSpec) => Hex[]
  modelRoot: (spec: ChainSpec) => Hex
}

/** A run from a list of states (state i after i steps). */
export function runOf(
  spec: MlpSpec,
  data: Dataset,
  states: TrainerState[],
  options: { tamper?: (step: number) => OnOp | undefined; modelRoot?: Hex } = {},
): ProviderRun {
  const hashes = states.map(stateHash)
  return {
    spec,
    data,
    state: (step) => states[step] as TrainerState,
    ...(options.tamper ? { tamper: options.tamper } : {}),
    checkpoints: (c) => hashes.filter((_, i) => i % c.checkpointEvery === 0),
    modelRoot: (c) => options.modelRoot ?? openingParts(openState(states[c.steps] as TrainerState)).params,
  }
}

export type DisputeOutcome = {
  providerLost: boolean
  rounds: number
  gas: bigint
  maxGas: bigint
  phases: string[]
  /** Moves the contract refused (the mover could not make them), with the error's name. */
  refused: string[]
}

/**
 * Plays a dispute on job `jobId` between `provider` (answering from `theirs`) and `challenger` (from `mine`) until the
 * contract resolves it; a move the contract refuses is the mover's clock running out (the test then calls timeout).
 */
export async function playDispute(
  t: Training,
  args: {
    jobId: bigint
    spec: ChainSpec
    provider: Address
    challenger: Address
    theirs: ProviderRun
    mine: ProviderRun
    dataset: DatasetTree
    /** The job's dataset (what `dataset` commits): a provider proves batch rows from it whatever order it used. */
    data: Dataset
    /** Moves of this side are skipped (to test its clock). */
    silent?: 'provider' | 'challenger'
  },
): Promise<DisputeOutcome> {
  const { jobId, spec, provider, challenger, theirs, mine, dataset } = args
  const mlp = theirs.spec
  let rounds = 0
  let gas = 0n
  let maxGas = 0n
  const phases: string[] = []
  const refused: string[] = []
  const send = async (who: Address, fn: string, fnArgs: unknown[]) => {
    const r = await t.call(who, t.disputes, trainingDisputesAbi, fn, fnArgs)
    if (!r.ok) {
      refused.push(
        `${fn}: ${r.revertData === '0x' ? r.error : decodeErrorResult({ abi: allErrors, data: r.revertData }).errorName}`,
      )
      return r
    }
    rounds += 1
    gas += r.gasUsed
    if (r.gasUsed > maxGas) maxGas = r.gasUsed
    phases.push(fn)
    return r
  }
  const theirCps = theirs.checkpoints(spec)
  const myCps = mine.checkpoints(spec)
  const cpTree = checkpointTree(theirCps)
  let id: bigint
  const index = theirCps.findIndex((h, i) => h !== myCps[i])
  if (index < 0) {
    const r = await send(challenger, 'challengeModel', [jobId])
    if (!r.ok) throw new Error(`challengeModel reverted ${r.revertData}`)
    id = (await t.must(challenger, t.disputes, trainingDisputesAbi, 'disputeCount', [])).result as bigint
  } else {
    const agreed = index > 0 ? (theirCps[index - 1] as Hex) : (`0x${'00'.repeat(32)}` as Hex)
    const r = await send(challenger, 'challenge', [
      jobId,
      spec,
      BigInt(index),
      agreed,
      index > 0 ? cpTree.proof(index - 1) : [],
      theirCps[index] as Hex,
      cpTree.proof(index),
    ])
    if (!r.ok) throw new Error(`challenge reverted ${r.revertData}`)
    id = (await t.must(challenger, t.disputes, trainingDisputesAbi, 'disputeCount', [])).result as bigint
  }
  let their: StepRecord | undefined
  let own: StepRecord | undefined
  let opening: Hex = '0x'
  let named: Named | undefined
  let posted: Hex[] = []
  let sums: { theirs: Float32Array; mine: Float32Array } | undefined
  const tensorOf = (record: StepRecord, n: Named) => namedTensor(record, n)
  for (let guard = 0; guard < 200; guard++) {
    const d = await t.dispute(id)
    if (d.phase === PHASE.Done) break
    const providerMoves = ![PHASE.Pick, PHASE.Name, PHASE.PickNode, PHASE.Lane].includes(d.phase as 2)
    if (args.silent === (providerMoves ? 'provider' : 'challenger')) break
    const lo = Number(d.lo)
    const hi = Number(d.hi)
    const summing = opening !== '0x'
    let r: CallResult
    switch (d.phase) {
      case PHASE.Bisect:
        posted = summing
          ? innerPoints(lo, hi).map((p) => sumWord(sums?.theirs[p] ?? 0))
          : innerPoints(lo, hi).map((p) => stateHash(theirs.state(p)))
        r = await send(provider, 'bisect', [id, posted])
        break
      case PHASE.Pick: {
        const j = summing
          ? pickSegment(lo, hi, posted, d.hiValue, (p) => sumWord(sums?.mine[p] ?? 0))
          : pickSegment(lo, hi, posted, d.hiValue, (p) => stateHash(mine.state(p)))
        r = await send(challenger, 'pick', [id, posted, BigInt(j)])
        break
      }
      case PHASE.Open: {
        const s = Number(d.step)
        their = recordStep(mlp, theirs.data, theirs.state(s), theirs.state(s + 1), theirs.tamper?.(s))
        own = recordStep(mlp, mine.data, mine.state(s), undefined, mine.tamper?.(s))
        opening = their.opening
        r = await send(provider, 'openStep', [id, spec, opening])
        break
      }
      case PHASE.OpenInit: {
        const s0 = theirs.state(0)
        opening = initOpening(s0)
        their = { step: 0, start: s0, end: s0, tensors: [], roots: [], opening }
        own = { step: 0, start: mine.state(0), end: mine.state(0), tensors: [], roots: [], opening: '0x' }
        r = await send(provider, 'openInit', [id, spec, opening])
        break
      }
      case PHASE.Name: {
        const mineRecord = own as StepRecord
        const theirRecord = their as StepRecord
        named =
          Number(d.target) === TARGET.init
            ? stateDifference(openState(mineRecord.start), openState(theirRecord.start), TARGET.init)
            : disputedTensor(mineRecord, { roots: theirRecord.roots, end: openState(theirRecord.end) })
        if (!named) named = { target: TARGET.update, entry: 0, output: 0 } // it agrees: a false challenge goes on
        r = await send(challenger, 'name', [id, spec, opening, named.target, named.entry, named.output])
        break
      }
      case PHASE.Descend:
        r = await send(provider, 'descend', [
          id,
          spec,
          opening,
          descendNodes(tensorOf(their as StepRecord, named as Named), d.level, d.index),
        ])
        posted = descendNodes(tensorOf(their as StepRecord, named as Named), d.level, d.index)
        break
      case PHASE.PickNode: {
        const j = pickNode(tensorOf(own as StepRecord, named as Named), d.level, d.index, posted)
        r = await send(challenger, 'pickNode', [id, posted, BigInt(j)])
        break
      }
      case PHASE.Chunk:
        r = await send(provider, 'revealChunk', [id, chunkHex(tensorOf(their as StepRecord, named as Named), d.index)])
        break
      case PHASE.Lane: {
        const chunk = chunkHex(tensorOf(their as StepRecord, named as Named), d.index)
        const lane = firstLane(tensorOf(own as StepRecord, named as Named), d.index, chunk)
        r = await send(challenger, 'nameLane', [id, spec, opening, BigInt(lane)])
        const after = await t.dispute(id)
        if (after.phase === PHASE.Bisect || after.phase === PHASE.Resolve) {
          const n = named as Named
          if (n.target === TARGET.entry && layout.reductionTerms(mlp, n.entry) > 0) {
            sums = {
              theirs: partialSums(mlp, their as StepRecord, n.entry, after.element),
              mine: partialSums(mlp, own as StepRecord, n.entry, after.element),
            }
          }
        }
        break
      }
      case PHASE.Resolve: {
        const e = evidence(mlp, args.data, dataset, their as StepRecord, named as Named, d.element, lo)
        r = await send(provider, 'resolve', [id, spec, opening, e])
        break
      }
      case PHASE.Model: {
        const final = theirs.state(spec.steps)
        r = await send(provider, 'answerModel', [id, spec, openingParts(openState(final)).optimizer])
        break
      }
      default:
        throw new Error(`unexpected phase ${d.phase}`)
    }
    if (!r.ok) break // the mover cannot move: its clock will run out
  }
  let d = await t.dispute(id)
  if (d.phase !== PHASE.Done) {
    t.wait(TIMES.disputeClock + 1)
    const r = await send(args.challenger, 'timeout', [id])
    if (!r.ok) throw new Error(`timeout reverted ${r.revertData}`)
    d = await t.dispute(id)
  }
  const logs = phases.join(' → ')
  const job = await t.job(jobId)
  const providerLost = job.state === 1 // reopened for bids
  expect(d.phase, logs).toBe(PHASE.Done)
  return { providerLost, rounds, gas, maxGas, phases, refused }
}

/** Re-exported for tests: a registry model's owner. */
export const ownerOfModel = async (t: Training, id: bigint) =>
  (await t.must(admin, t.m.registry, modelRegistryAbi, 'ownerOf', [id])).result as Address
