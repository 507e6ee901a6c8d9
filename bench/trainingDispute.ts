/**
 * Full disputes on the MNIST job, on a real chain (anvil, the SDK's actions, gas from receipts): for each fault a
 * provider can commit at full size — one perturbed weight, a product computed against the rules, another seed, a
 * batch read in another order, a wrong model root — a provider and a verifier play the dispute to the end with
 * @mycel/training's players (`providerMove`, `challengerMove`), exactly as the node's roles do. Reports each
 * dispute's rounds (transactions), its gas over both parties and its largest transaction. Used by bench/training.ts.
 */
import {
  assignTrainingJob,
  bidCommitment,
  challengeTraining,
  challengeTrainingModel,
  commitTrainingBid,
  getDisputeSeen,
  getTrainingDispute,
  getTrainingJob,
  type MycelAddresses,
  mycelTokenAbi,
  postTrainingJob,
  registerTrainingProvider,
  revealTrainingBid,
  sendDisputeMove,
  submitTrainingResult,
  testUsdAbi,
  timeoutTrainingDispute,
  type WriteClient,
  writeContractAndWait,
} from '@mycel/sdk'
import {
  type ChainSpec,
  chainSpec,
  challengerMove,
  checkpointTree,
  createMlpTrainer,
  type Dataset,
  type DatasetTree,
  datasetTree,
  type Memory,
  type MlpSpec,
  type OnOp,
  openingParts,
  openState,
  type Party,
  PHASE,
  providerMove,
  providerMoves,
  replayer,
  stateHash,
  type TrainerState,
} from '@mycel/training'
import { type Hex, keccak256, parseEther, toHex } from 'viem'
import { deployTestContracts, startTestChain, type TestChain } from '../test/helpers/chain.ts'

export type FaultResult = {
  fault: string
  caught: boolean
  rounds: number
  gas: bigint
  maxGas: bigint
  reason: string
}

const TIMES = { biddingTime: 60, revealTime: 60, trainingTime: 86_400, challengeWindow: 86_400, disputeClock: 3600 }

type Fault = {
  name: string
  /** The provider's state at `step` (honest elsewhere), the data it read and a tamper. */
  at: number
  state?: (honest: TrainerState, step: number) => TrainerState
  tamper?: OnOp
  readData?: Dataset
  init?: TrainerState
  modelRoot?: Hex
}

/** The faulty provider's states: honest until `fault.at`, its own from there (only its segment is ever examined). */
function faultyStates(spec: MlpSpec, data: Dataset, honest: (s: number) => TrainerState, fault: Fault) {
  const own = new Map<number, TrainerState>()
  const state = (step: number): TrainerState => {
    if (fault.init) return step === 0 ? fault.init : honest(step)
    if (fault.modelRoot || step <= fault.at) return honest(step)
    const cached = own.get(step)
    if (cached) return cached
    const prev = state(step - 1)
    const first = step - 1 === fault.at
    const t = createMlpTrainer(
      spec,
      first ? (fault.readData ?? data) : data,
      first && fault.tamper ? { resume: prev, onOp: fault.tamper } : { resume: prev },
    )
    t.step()
    let next = t.snapshot()
    if (first && fault.state) next = fault.state(next, step)
    own.set(step, next)
    return next
  }
  return state
}

async function fund(chain: TestChain, addresses: MycelAddresses, who: number, myc: bigint) {
  await writeContractAndWait(chain.wallet(0), {
    address: addresses.mycelToken,
    abi: mycelTokenAbi,
    functionName: 'transfer',
    args: [chain.wallet(who).account.address, myc],
  })
}

/** Plays every fault's dispute on one chain; returns each dispute's figures. */
export async function disputesOnChain(p: {
  spec: MlpSpec
  data: Dataset
  steps: number
  every: number
  checkpoints: TrainerState[]
}): Promise<FaultResult[]> {
  const { spec, data, steps, every } = p
  const dataset: DatasetTree = datasetTree(data, spec.layers[0] as number)
  const chain = await startTestChain()
  try {
    const addresses = await deployTestContracts(chain)
    const [buyer, verifier] = [chain.wallet(1), chain.wallet(3)]
    // A provider per fault: one that lost a dispute may not bid again (its reputation).
    const providers = [4, 5, 6, 7, 8].map((i) => chain.wallet(i))
    for (const i of [3, 4, 5, 6, 7, 8]) await fund(chain, addresses, i, parseEther('10000'))
    for (const w of [...providers, verifier]) {
      await registerTrainingProvider(w, {
        trainingJobs: addresses.trainingJobs,
        mycelToken: addresses.mycelToken,
        stake: parseEther('10000'),
        cores: 2,
        memoryMiB: 4096,
        pricePerStep: 1n,
        endpoint: 'http://127.0.0.1:1',
      })
    }
    await writeContractAndWait(chain.wallet(0), {
      address: addresses.testUsd as Hex,
      abi: testUsdAbi,
      functionName: 'mint',
      args: [buyer.account.address, 10n ** 12n],
    })
    const c: ChainSpec = chainSpec(spec, {
      steps,
      checkpointEvery: every,
      datasetRoot: dataset.root,
      datasetCount: data.count,
    })
    const honest = replayer(spec, data, (i) => p.checkpoints[i], every)
    const honestCheckpoints = p.checkpoints.map(stateHash)
    const w1 = 1000
    const other = createMlpTrainer({ ...spec, seed: spec.seed + 1 }, data).snapshot()
    const shuffled = shuffledCopy(data)
    const faults: Fault[] = [
      {
        name: 'one weight perturbed at step 1,234',
        at: 1234,
        state: (s) => {
          const w = Float32Array.from(s.params[0] as Float32Array)
          w[w1] = Math.fround((w[w1] as number) + 1e-3)
          return { ...s, params: [w, ...s.params.slice(1)] }
        },
      },
      {
        name: 'a product against the rules at step 2,345',
        at: 2345,
        tamper: (name, layer, outputs) => {
          if (name === 'matmul' && layer === 1) {
            const o = outputs[0] as Float32Array
            o[77] = Math.fround((o[77] as number) * (1 + 2 ** -20))
          }
        },
      },
      { name: 'another seed', at: 0, init: other },
      { name: 'a batch in another order at step 777', at: 777, readData: shuffled },
      { name: 'a wrong model root', at: steps, modelRoot: keccak256(toHex('another model')) },
    ]
    const results: FaultResult[] = []
    for (const [f, fault] of faults.entries()) {
      const provider = providers[f] as WriteClient
      const state = faultyStates(spec, data, honest, fault)
      // Its checkpoints: honest before the fault, its own at the segment's end, then (never examined) others.
      const segment = Math.floor(fault.at / every) + 1
      const checkpoints = honestCheckpoints.map((h, i) => {
        if (fault.init && i === 0) return stateHash(fault.init)
        if (fault.modelRoot || fault.init || i < segment) return h
        if (i === segment) return stateHash(state(i * every))
        return keccak256(toHex(`later ${i}`))
      })
      const modelRoot = fault.modelRoot ?? openingParts(openState(honest(steps))).params
      const jobId = await buyJob(chain, addresses, buyer, provider, c)
      await submitTrainingResult(provider, addresses.trainingJobs, [
        jobId,
        c,
        checkpoints,
        modelRoot,
        0,
        'bafyweights',
        'bafycard',
      ])
      const providerSide: Party = {
        spec,
        chain: c,
        data,
        dataset,
        state,
        ...(fault.readData ? { readData: fault.readData } : {}),
        ...(fault.tamper ? { tamper: (s: number) => (s === fault.at ? fault.tamper : undefined) } : {}),
      }
      const challengerSide: Party = { spec, chain: c, data, dataset, state: honest }
      results.push({
        fault: fault.name,
        ...(await play(
          chain,
          addresses,
          jobId,
          c,
          checkpoints,
          providerSide,
          challengerSide,
          provider,
          verifier,
          honestCheckpoints,
        )),
      })
    }
    return results
  } finally {
    await chain.stop()
  }
}

function shuffledCopy(data: Dataset): Dataset {
  const order = Array.from({ length: data.count }, (_, i) => (i * 37 + 11) % data.count)
  const inputs = new Float32Array(data.inputs.length)
  const width = data.inputs.length / data.count
  order.forEach((from, to) => {
    inputs.set(data.inputs.subarray(from * width, (from + 1) * width), to * width)
  })
  return { inputs, labels: order.map((i) => data.labels[i] as number), count: data.count }
}

async function buyJob(
  chain: TestChain,
  addresses: MycelAddresses,
  buyer: WriteClient,
  provider: WriteClient,
  c: ChainSpec,
) {
  const usd = addresses.testUsd as Hex
  const { jobId } = await postTrainingJob(buyer, {
    trainingJobs: addresses.trainingJobs,
    spec: c,
    market: { token: usd, budget: 1_000_000n, bond: parseEther('100'), ...TIMES },
    terms: {
      currency: usd,
      minPricePerRequest: 100n,
      mintFee: 0n,
      licenseDuration: 0n,
      royaltyBps: 500,
      commercialUse: true,
      derivativesAllowed: true,
      attribution: true,
      hasTerms: true,
    },
    specCid: 'bafyspec',
    datasetCid: 'bafydata',
  })
  const job = await getTrainingJob(buyer, { trainingJobs: addresses.trainingJobs, jobId })
  const salt = keccak256(toHex(`salt ${jobId}`))
  const price = 500_000n
  const commitment = bidCommitment({
    chainId: 31337,
    trainingJobs: addresses.trainingJobs,
    jobId,
    round: job.round,
    provider: provider.account.address,
    price,
    salt,
  })
  await commitTrainingBid(provider, addresses.trainingJobs, [jobId, commitment])
  await chain.increaseTime(TIMES.biddingTime)
  await revealTrainingBid(provider, addresses.trainingJobs, [jobId, price, salt])
  await chain.increaseTime(TIMES.revealTime)
  await assignTrainingJob(provider, addresses.trainingJobs, [jobId])
  return jobId
}

async function play(
  chain: TestChain,
  addresses: MycelAddresses,
  jobId: bigint,
  c: ChainSpec,
  checkpoints: Hex[],
  providerSide: Party,
  challengerSide: Party,
  provider: WriteClient,
  verifier: WriteClient,
  honestCheckpoints: Hex[],
) {
  let rounds = 0
  let gas = 0n
  let maxGas = 0n
  const count = (g: bigint) => {
    rounds += 1
    gas += g
    if (g > maxGas) maxGas = g
  }
  const trainingDisputes = addresses.trainingDisputes
  const index = checkpoints.findIndex((h, i) => h !== honestCheckpoints[i])
  const tree = checkpointTree(checkpoints)
  const opened =
    index < 0
      ? await challengeTrainingModel(verifier, { trainingDisputes, jobId })
      : await challengeTraining(verifier, {
          trainingDisputes,
          jobId,
          spec: c,
          index: BigInt(index),
          agreed: index > 0 ? (checkpoints[index - 1] as Hex) : `0x${'00'.repeat(32)}`,
          agreedProof: index > 0 ? tree.proof(index - 1) : [],
          disputed: checkpoints[index] as Hex,
          disputedProof: tree.proof(index),
        })
  count((await chain.publicClient.getTransactionReceipt({ hash: opened.hash })).gasUsed)
  const disputeId = opened.disputeId
  const memories: [Memory, Memory] = [{}, {}]
  for (;;) {
    const d = await getTrainingDispute(verifier, { trainingDisputes, disputeId })
    if (d.phase === PHASE.Done) break
    const byProvider = providerMoves(d.phase)
    const move = byProvider
      ? providerMove(d, providerSide, memories[0])
      : challengerMove(d, challengerSide, await getDisputeSeen(verifier, { trainingDisputes, disputeId }), memories[1])
    if (!move) throw new Error(`no move in phase ${d.phase}`)
    try {
      const r = await sendDisputeMove(byProvider ? provider : verifier, { trainingDisputes, disputeId, ...move })
      count(r.receipt.gasUsed)
    } catch {
      // The mover cannot make its move (a cheater's answer the contract refuses): its clock runs out.
      await chain.increaseTime(TIMES.disputeClock + 1)
      const r = await timeoutTrainingDispute(verifier, { trainingDisputes, disputeId })
      count(r.receipt.gasUsed)
      break
    }
  }
  const seen = await getDisputeSeen(verifier, { trainingDisputes, disputeId })
  return {
    caught: seen.resolved?.providerLost === true,
    rounds,
    gas,
    maxGas,
    reason: seen.resolved?.reason ?? 'unresolved',
  }
}
