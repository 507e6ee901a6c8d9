/**
 * ComputeToData on the real compiled contracts, for the contract tests (computeToData.evm.test.ts and the audits'
 * attacks.c2d*.evm.test.ts): TrainingJobs (helpers/training.ts) with DatasetRegistry, AccessGrants and ComputeToData
 * deployed next to it, one dataset registered by `owner` (10 % to a contributor), the buyer funded and approving the
 * wrapper, the providers staked, and one compute grant — to `trusted` — issued and enrolled.
 */
import { toContractDatasetTerms } from '@mycel/sdk'
import {
  chainSpec,
  createMlpTrainer,
  type Dataset,
  datasetTree,
  type MlpSpec,
  type TrainerState,
} from '@mycel/training'
import { type Address, encodeDeployData, getAddress, type Hex, maxUint256 } from 'viem'
import {
  accessGrantsAbi,
  accessGrantsBytecode,
  computeToDataAbi,
  computeToDataBytecode,
  datasetRegistryAbi,
  datasetRegistryBytecode,
  modelRegistryAbi,
  testUSDAbi as testUsdAbi,
  trainingJobsAbi,
} from '../../../packages/sdk/src/generated/contracts.ts'
import { digits } from '../../../packages/training/test/helpers/digits.ts'
import { admin } from './market.ts'
import { deployTraining, MYC, TIMES, type Training } from './training.ts'

export const owner = getAddress('0x00000000000000000000000000000000000000a1')
export const contributor = getAddress('0x00000000000000000000000000000000000000c1')
export const buyer = getAddress('0x00000000000000000000000000000000000b0e01')
export const trusted = getAddress('0x000000000000000000000000000000000000a11c')
export const outsider = getAddress('0x0000000000000000000000000000000000000b0b')
export const stranger = getAddress('0x00000000000000000000000000000000000000e5')

export const TRAINING_PRICE = 5_000n
export const BUDGET = 1_000_000n
export const BOND = 100n * MYC
export const PRICE = 400_000n
export const KIND = { access: 0, training: 1, records: 2, queries: 3, compute: 4 } as const
export const STATE = { none: 0, bidding: 1, training: 2, submitted: 3, accepted: 4, cancelled: 5 } as const

export const mlp: MlpSpec = {
  layers: [784, 6, 10],
  optimizer: { kind: 'sgd', learningRate: 0.05, momentum: 0.9 },
  batchSize: 8,
  seed: 5,
}

/**
 * A real dataset for a job whose disputes can be played: the first 256 MNIST training digits, their records tree (its
 * root is the dataset's records root) and the chain spec of `mlp` over them.
 */
export function digitsJob(steps: number, checkpointEvery: number, count = 256) {
  const all = digits().train
  const data: Dataset = {
    inputs: all.inputs.subarray(0, count * 784),
    labels: Array.from(all.labels).slice(0, count),
    count,
  }
  const tree = datasetTree(data, 784)
  const spec = chainSpec(mlp, { steps, checkpointEvery, datasetRoot: tree.root, datasetCount: data.count })
  return { data, tree, spec }
}

/** Every state of `steps` training steps of `s` on `on`, the initial one first. */
export function trainStates(s: MlpSpec, on: Dataset, steps: number): TrainerState[] {
  let state = createMlpTrainer(s, on).snapshot()
  const out = [state]
  for (let i = 0; i < steps; i++) {
    const trainer = createMlpTrainer(s, on, { resume: state })
    trainer.step()
    state = trainer.snapshot()
    out.push(state)
  }
  return out
}

type Contract = Awaited<ReturnType<Training['chain']['deploy']>>
export type ComputeToDataFixture = {
  t: Training
  c2d: Contract
  registry: Contract
  grants: Contract
  datasetId: bigint
  /** The compute grant issued to `trusted` and enrolled. */
  computeGrant: bigint
  /** Registers another dataset with the same records as the first, at `trainingPrice`. */
  registerDataset: (from: Address, trainingPrice: bigint) => Promise<bigint>
}

/** Deploys the fixture over records committed by `recordsRoot`; `staked` providers stake 1,000 MYC each. */
export async function deployComputeToData(p: {
  recordsRoot: Hex
  recordCount: number
  staked?: Address[]
}): Promise<ComputeToDataFixture> {
  const t = await deployTraining()
  const create = (data: Hex) => t.chain.deploy(data, admin)
  const registry = await create(encodeDeployData({ abi: datasetRegistryAbi, bytecode: datasetRegistryBytecode }))
  const grants = await create(
    encodeDeployData({ abi: accessGrantsAbi, bytecode: accessGrantsBytecode, args: [registry.toString() as Address] }),
  )
  const c2d = await create(
    encodeDeployData({
      abi: computeToDataAbi,
      bytecode: computeToDataBytecode,
      args: [
        t.jobs.toString() as Address,
        grants.toString() as Address,
        t.m.registry.toString() as Address,
        t.myc.toString() as Address,
      ],
    }),
  )
  const usd = t.m.usd.toString() as Address
  const registerDataset = async (from: Address, trainingPrice: bigint) => {
    const terms = toContractDatasetTerms({
      currency: usd,
      offers: ['training', 'records'],
      grantDuration: 0,
      accessPrice: 0n,
      trainingPrice,
      recordPrice: 1n,
      queryPrice: 0n,
    })
    const listing = {
      cid: 'bafysealed',
      schemaCid: 'bafyschema',
      recordsRoot: p.recordsRoot,
      recordCount: p.recordCount,
      license: 'CC-BY-4.0',
      provider: 'http://127.0.0.1:8080',
    }
    const contributors = [{ payee: contributor, bps: 1_000 }]
    return (await t.must(from, registry, datasetRegistryAbi, 'register', [listing, terms, contributors]))
      .result as bigint
  }
  const datasetId = await registerDataset(owner, TRAINING_PRICE)
  await t.m.mint(buyer, 10n * BUDGET)
  await t.must(buyer, t.m.usd, testUsdAbi, 'approve', [c2d.toString(), maxUint256])
  for (const who of p.staked ?? [trusted, outsider]) await t.stake(who, 1_000n * MYC)
  // The owner trusts one provider with its data.
  const computeGrant = (
    await t.must(owner, grants, accessGrantsAbi, 'issue', [datasetId, KIND.compute, trusted, [], 0, 0n])
  ).result as bigint
  await t.must(trusted, c2d, computeToDataAbi, 'enrol', [computeGrant])
  return { t, c2d, registry, grants, datasetId, computeGrant, registerDataset }
}

/** The calls every ComputeToData test makes, on the fixture `get()` returns when called (set in a beforeEach). */
export function computeToDataCalls(get: () => ComputeToDataFixture) {
  const c = (from: Address, fn: string, args: unknown[] = []) =>
    get().t.must(from, get().c2d, computeToDataAbi, fn, args)
  const usd = () => get().t.m.usd.toString() as Address
  return {
    usd,
    c2dAddr: () => getAddress(get().c2d.toString()),
    /** Calls ComputeToData, throwing on a revert. */
    c,
    /** Calls ComputeToData; the result says whether it reverted. */
    cCall: (from: Address, fn: string, args: unknown[] = []) =>
      get().t.call(from, get().c2d, computeToDataAbi, fn, args),
    /** The name of the error a ComputeToData call reverts with. */
    cFails: async (from: Address, fn: string, args: unknown[] = []) =>
      (await get().t.fails(from, get().c2d, computeToDataAbi, fn, args)).errorName,
    /** Calls AccessGrants, returning its result. */
    g: async (from: Address, fn: string, args: unknown[] = []) =>
      (await get().t.must(from, get().grants, accessGrantsAbi, fn, args)).result,
    market: (over: Record<string, unknown> = {}) => ({ token: usd(), budget: BUDGET, bond: BOND, ...TIMES, ...over }),
    termsHash: async (id = get().datasetId) =>
      (await get().t.must(buyer, get().registry, datasetRegistryAbi, 'termsHash', [id])).result as Hex,
    order: async (jobId: bigint) =>
      (await c(stranger, 'orderOf', [jobId])).result as {
        buyer: Address
        datasetId: bigint
        grantId: bigint
        approved: boolean
      },
    ownerOfModel: async (id: bigint) =>
      (await get().t.must(stranger, get().t.m.registry, modelRegistryAbi, 'ownerOf', [id])).result as Address,
    /** Commits `who`'s sealed bid of `price` in the job's current round (with `gasLimit`, to starve the gate). */
    commit: async (jobId: bigint, who: Address, price = PRICE, gasLimit?: bigint) => {
      const { t } = get()
      const { round } = await t.job(jobId)
      const salt = `0x${'11'.repeat(32)}` as Hex
      const commitment = (await t.must(who, t.jobs, trainingJobsAbi, 'bidCommitment', [jobId, round, who, price, salt]))
        .result as Hex
      if (gasLimit === undefined) return t.call(who, t.jobs, trainingJobsAbi, 'commitBid', [jobId, commitment])
      return t.chain.call(who, t.jobs, trainingJobsAbi, 'commitBid', [jobId, commitment], { gasLimit })
    },
  }
}
