/**
 * ResearchRounds on the compiled contracts, for the research and attack tests: the training market deployed, the
 * round contract beside it, `funded` accounts given tUSD and an allowance, a small MNIST job's parameters (budget 0:
 * the round raises it), and calls that must succeed (`r`) or must fail (`fails`, the error's name).
 */
import { chainSpec, type MlpSpec } from '@mycel/training'
import { encodeDeployData, type Hex, maxUint256 } from 'viem'
import { researchRoundsAbi, researchRoundsBytecode, testUSDAbi } from '../../../packages/sdk/src/generated/contracts.ts'
import { admin } from './market.ts'
import { deployTraining, MYC, TIMES, termsIn } from './training.ts'

const mlp: MlpSpec = {
  layers: [784, 6, 10],
  optimizer: { kind: 'sgd', learningRate: 0.05, momentum: 0.9 },
  batchSize: 8,
  seed: 5,
}
export const researchSpec = chainSpec(mlp, {
  steps: 8,
  checkpointEvery: 4,
  datasetRoot: `0x${'ab'.repeat(32)}`,
  datasetCount: 256,
})

export async function deployResearch(funded: Hex[]) {
  const t = await deployTraining()
  const rounds = await t.chain.deploy(
    encodeDeployData({
      abi: researchRoundsAbi,
      bytecode: researchRoundsBytecode,
      args: [t.jobs.toString() as Hex, t.m.registry.toString() as Hex, t.myc.toString() as Hex],
    }),
    admin,
  )
  const usd = t.m.usd.toString() as Hex
  for (const who of funded) {
    await t.m.mint(who, 10n ** 12n)
    await t.must(who, t.m.usd, testUSDAbi, 'approve', [rounds.toString(), maxUint256])
  }
  const market = { token: usd, budget: 0n, bond: 100n * MYC, ...TIMES }
  const params = [researchSpec, market, termsIn(usd), 'bafyspec', 'bafydata'] as const
  const r = (from: Hex, fn: string, args: unknown[] = []) => t.must(from, rounds, researchRoundsAbi, fn, args)
  const fails = async (from: Hex, fn: string, args: unknown[] = []) =>
    (await t.fails(from, rounds, researchRoundsAbi, fn, args)).errorName
  return { t, rounds, usd, market, params, r, fails }
}
