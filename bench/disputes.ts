/**
 * Dispute gas at the worst cases the protocol's bounds allow: a subnet of `maxNeurons` uids (at most
 * SubnetRegistry.MAX_NEURONS_LIMIT, 256) with as many validators as `maxNeurons x maxValidators <= MAX_EPOCH_CELLS`
 * (16,384) and MAX_VALIDATORS_LIMIT (64) permit (256x64 is the largest; 128x64 and 64x64 smaller), every validator with stake and a full row of non-zero weights, so every per-weight lookup a
 * dispute makes is paid. For each shape, the second epoch (with a previous epoch's bonds to restate) is proposed
 * correctly and every kind of dispute is sent against it: a dispute of a correct proposal reverts after doing all its
 * work, so its gas is what a real dispute costs. Gas counts execution plus intrinsic gas (EIP-2028 calldata, the
 * EIP-7623 floor).
 *
 * Targets from issue #12: every dispute at every shape <= 5,000,000 gas (so a whole dispute fits well within one
 * transaction) and no transaction over 16,777,216 gas. Prints a table, writes bench/results/disputes.json, exits 1
 * when a target is missed. BENCH_SHAPES="4096x4,256x64" picks the shapes.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { mulberry32 } from '@mycel/models'
import { type BuiltEpoch, bondsColumnHash, buildEpoch, packQ, previousOf } from '@mycel/sdk'
import { type Address, parseEther } from 'viem'
import { createEpochWorld, errorName, fund, transactionGas } from '../test/helpers/epochWorld.ts'

const TX_CAP = 16_777_216n
const DISPUTE_TARGET = 5_000_000n
const shapes = (process.env.BENCH_SHAPES ?? '256x64,128x64,64x64').split(',').map((s) => {
  const [n, v] = s.split('x').map(Number)
  return { neurons: n as number, validators: v as number }
})

type Row = { shape: string; dispute: string; gas: bigint }
const rows: Row[] = []

async function measureShape(neurons: number, validators: number): Promise<void> {
  const shape = `${neurons}x${validators}`
  const started = performance.now()
  const rng = mulberry32(neurons * 7 + validators)
  const address = (i: number) => `0x${(0x10000 + i).toString(16).padStart(40, '0')}` as Address
  const hotkeys = Array.from({ length: neurons }, (_, i) => address(i))
  const proposer = address(90_000)
  const challenger = address(90_001)
  const tempo = 20n
  const world = await createEpochWorld({
    emissionPerBlock: parseEther('1'),
    bond: parseEther('100'),
    challengeBlocks: 5n,
    maxNeurons: neurons,
    subnetParams: {
      tempo: Number(tempo),
      weightsRateLimit: 0,
      activityCutoff: 100_000,
      immunityPeriod: 0,
      maxValidators: validators,
      liquidAlpha: true,
    },
  })
  const { chain, must, call } = world
  await fund(world, [...hotkeys.slice(0, validators), proposer], parseEther('100000'))
  for (const [i, h] of hotkeys.entries()) {
    await must(h, 'registry', 'registerNeuron', [1n, i < validators ? 1 : 0, 'http://127.0.0.1:9000', '', 0n])
  }
  for (let i = 0; i < validators; i++) {
    const amount = parseEther(String(100 + Math.floor(rng() * 900)))
    await must(hotkeys[i] as Address, 'staking', 'stake', [1n, hotkeys[i], amount])
  }
  await must(proposer, 'epochs', 'depositBond', [parseEther('1000')])
  // Weights set after every neuron registered (earlier weights are masked), on every uid but the validator's own.
  chain.block += 1n
  const quality = hotkeys.map(() => rng())
  await world.setWeights(
    hotkeys.slice(0, validators).map((hotkey) => ({
      hotkey,
      weights: quality.map((q) => 1 + Math.min(65_534, Math.floor(q * (0.7 + 0.6 * rng()) * 65_535))),
    })),
  )
  let previous: BuiltEpoch | null = null
  for (let epoch = 0; epoch < 2; epoch++) {
    const [, snapshot] = (await must(proposer, 'epochs', 'nextEpoch', [1n])) as [bigint, bigint]
    if (chain.block <= snapshot) chain.block = snapshot + 1n
    const built = buildEpoch(await world.readState(snapshot, previous && previousOf(previous)))
    await must(proposer, 'epochs', 'propose', [1n, built.proposal])
    if (epoch === 1) await disputeAll(shape, built, previous as BuiltEpoch, world.call, challenger, validators)
    chain.block += 6n
    await must(proposer, 'epochs', 'finalize', [1n, built.header, built.permits, built.proposal.pruneOrder])
    previous = built
  }
  void call
  process.stdout.write(`  ${shape}: measured in ${((performance.now() - started) / 1000).toFixed(0)} s\n`)
}

async function disputeAll(
  shape: string,
  b: BuiltEpoch,
  previous: BuiltEpoch,
  call: Awaited<ReturnType<typeof createEpochWorld>>['call'],
  challenger: Address,
  validators: number,
) {
  const { header, proposal } = b
  const measure = async (dispute: string, fn: string, args: unknown[]) => {
    const r = await call(challenger, 'epochs', fn, [1n, header, ...args])
    // A correct proposal: every dispute must be refused as wrong, after doing its work.
    if (r.ok || errorName(r.revertData) !== 'EpochsProposalCorrect') {
      throw new Error(
        `${shape} ${dispute}: expected EpochsProposalCorrect, got ${r.ok ? 'success' : errorName(r.revertData)} ${r.error ?? ''}`,
      )
    }
    if (process.env.BENCH_VERBOSE)
      process.stdout.write(`${shape} ${dispute}: execution ${r.gasUsed}, calldata ${r.data.length / 2 - 1} bytes\n`)
    rows.push({ shape, dispute, gas: transactionGas(r.data, r.gasUsed) })
  }
  // The miner column with the most non-zero bonds to restate: the last uid.
  const uid = b.ranks.length - 1
  await measure('one miner’s column', 'disputeColumn', [
    proposal.inputs,
    {
      uid,
      rank: BigInt(b.ranks[uid] as number),
      bondsHash: bondsColumnHash(b.bonds[uid] as number[]),
      proof: b.proof(uid),
      rows: b.rows,
      prevHeader: previous.header,
      prevInputs: previous.proposal.inputs,
      prevBonds: packQ(previous.bonds[uid] as number[]),
      prevRank: BigInt(previous.ranks[uid] ?? 0),
      prevProof: previous.proof(uid),
    },
  ])
  if (process.env.BENCH_VERBOSE) {
    const r = await call(challenger, 'referee', 'dividends', [
      header,
      proposal.inputs,
      proposal.columns,
      packQ(b.bonds.flat()),
    ])
    process.stdout.write(`${shape} referee.dividends alone: execution ${r.gasUsed} ${r.ok}\n`)
  }
  await measure('dividends', 'disputeDividends', [
    proposal.inputs,
    proposal.columns,
    packQ(b.bonds.flat()),
    proposal.dividends,
  ])
  await measure('columns root', 'disputeRoot', [proposal.columns])
  await measure('a row sum', 'disputeRowSum', [proposal.inputs, 0n, b.rows[0]])
  await measure('a stake', 'disputeStake', [proposal.inputs, 0n])
  await measure('validator set', 'disputeValidators', [proposal.inputs, 9_999n, validators])
  const order = Array.from({ length: (proposal.pruneOrder.length - 2) / 4 }, (_, k) =>
    Number.parseInt(proposal.pruneOrder.slice(2 + 4 * k, 6 + 4 * k), 16),
  )
  const entry = (u: number) => ({
    uid: u,
    rank: BigInt(b.ranks[u] as number),
    bondsHash: bondsColumnHash(b.bonds[u] as number[]),
    proof: b.proof(u),
  })
  // With an extra uid that is not in the order (the costlier form), when there is one.
  const candidate = b.ranks.findIndex((_, u) => !order.includes(u))
  await measure('prune order', 'disputePruneOrder', [
    proposal.inputs,
    {
      dividends: proposal.dividends,
      pruneOrder: proposal.pruneOrder,
      entries: [...order.map(entry), ...(candidate < 0 ? [] : [entry(candidate)])],
      withCandidate: candidate >= 0,
    },
  ])
  void validators
}

for (const { neurons, validators } of shapes) await measureShape(neurons, validators)

const worst = rows.reduce((m, r) => (r.gas > m.gas ? r : m), rows[0] as Row)
const targets = [
  {
    name: `every dispute at every shape <= ${DISPUTE_TARGET.toLocaleString('en')} gas`,
    value: worst.gas,
    met: worst.gas <= DISPUTE_TARGET,
  },
  { name: `no transaction over ${TX_CAP.toLocaleString('en')} gas`, value: worst.gas, met: worst.gas <= TX_CAP },
]
process.stdout.write(
  `\ndispute gas at the worst cases the bounds allow (neurons x validators)\n${'shape'.padEnd(10)}${'dispute'.padEnd(22)}${'gas'.padStart(12)}\n`,
)
for (const r of rows)
  process.stdout.write(`${r.shape.padEnd(10)}${r.dispute.padEnd(22)}${r.gas.toLocaleString('en').padStart(12)}\n`)
process.stdout.write(`worst: ${worst.dispute} at ${worst.shape}\n`)
for (const t of targets)
  process.stdout.write(`target: ${t.name}: ${t.value.toLocaleString('en')} ${t.met ? 'met' : 'MISSED'}\n`)
const out = join(import.meta.dirname, 'results')
mkdirSync(out, { recursive: true })
writeFileSync(
  join(out, 'disputes.json'),
  `${JSON.stringify({ date: new Date().toISOString(), rows, targets }, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`,
)
process.exitCode = targets.every((t) => t.met) ? 0 : 1
