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
  challengerMove,
  checkpointTree,
  type Dataset,
  type DatasetTree,
  type Memory,
  type MlpSpec,
  type OnOp,
  openingParts,
  openState,
  type Party,
  PHASE,
  type DisputeView as PlayView,
  providerMove,
  providerMoves,
  type Seen,
  stateHash,
  type TrainerState,
} from '@mycel/training'
import {
  type Abi,
  type Address,
  decodeErrorResult,
  encodeDeployData,
  encodeFunctionData,
  encodePacked,
  type Hex,
  keccak256,
  maxUint256,
} from 'viem'
import { expect } from 'vitest'
import {
  accessGrantsAbi,
  computeToDataAbi,
  datasetRegistryAbi,
  modelRegistryAbi,
  mycelTokenAbi,
  mycelTokenBytecode,
  researchRoundsAbi,
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
import { intrinsicGas } from './trainingSynthetic.ts'

const allErrors = [
  ...trainingJobsAbi,
  ...trainingDisputesAbi,
  ...trainingRefereeAbi,
  ...researchRoundsAbi,
  ...mycelTokenAbi,
  ...testUsdAbi,
  ...datasetRegistryAbi,
  ...accessGrantsAbi,
  ...computeToDataAbi,
]
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

/** The license terms the tests' trained models are registered with, paid in `currency`. */
export const termsIn = (currency: Address) => ({
  currency,
  minPricePerRequest: 100n,
  mintFee: 0n,
  licenseDuration: 0n,
  royaltyBps: 500,
  commercialUse: true,
  derivativesAllowed: true,
  attribution: true,
  hasTerms: true,
})

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
    /** tUSD `who` is owed by TrainingJobs (bids paid, budgets refunded), withdrawn: returns the amount. */
    async withdraw(who: Address) {
      const owed = (await must(who, jobs, trainingJobsAbi, 'owed', [m.usd.toString(), who])).result as bigint
      if (owed > 0n) await must(who, jobs, trainingJobsAbi, 'withdraw', [m.usd.toString()])
      return owed
    },
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
      const r = await must(buyer, jobs, trainingJobsAbi, 'postJob', [
        spec,
        market,
        termsIn(m.usd.toString() as Address),
        'bafyspec',
        'bafydata',
      ])
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

export type DisputeView = PlayView & { jobId: bigint; loValue: Hex; claimed: number }

export { PHASE }

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
  const party = (run: ProviderRun): Party => ({
    spec: run.spec,
    chain: spec,
    data: run.data,
    dataset,
    state: run.state,
    ...(run.tamper ? { tamper: run.tamper } : {}),
  })
  let rounds = 0
  let gas = 0n
  let maxGas = 0n
  const phases: string[] = []
  const refused: string[] = []
  const send = async (who: Address, fn: string, fnArgs: unknown[]) => {
    const r = await t.call(who, t.disputes, trainingDisputesAbi, fn, fnArgs)
    // A transaction's gas as a receipt counts it: execution, 21,000 and calldata (or EIP-7623's floor).
    const intrinsic = intrinsicGas(
      encodeFunctionData({ abi: trainingDisputesAbi, functionName: fn, args: fnArgs } as never),
    )
    r.gasUsed = BigInt(Math.max(intrinsic.standard + Number(r.gasUsed), intrinsic.floor))
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
  const providerSide: Party = { ...party(theirs), data: args.data, readData: theirs.data }
  const challengerSide: Party = party(mine)
  const memories: [Memory, Memory] = [{}, {}]
  const seen: Seen = {}
  for (let guard = 0; guard < 200; guard++) {
    const d = await t.dispute(id)
    if (d.phase === PHASE.Done) break
    const byProvider = providerMoves(d.phase)
    if (args.silent === (byProvider ? 'provider' : 'challenger')) break
    const move = byProvider
      ? providerMove(d, providerSide, memories[0])
      : challengerMove(d, challengerSide, seen, memories[1])
    if (!move) throw new Error(`no move in phase ${d.phase}`)
    const r = await send(byProvider ? provider : challenger, move.fn, [id, ...move.args])
    if (!r.ok) break // the mover cannot move: its clock will run out
    // What the challenger reads from the provider's events.
    if (move.fn === 'bisect') seen.values = move.args[0] as Hex[]
    if (move.fn === 'openStep' || move.fn === 'openInit') seen.opening = move.args[1] as Hex
    if (move.fn === 'descend') seen.nodes = move.args[2] as Hex[]
    if (move.fn === 'revealChunk') seen.chunk = move.args[0] as Hex
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
