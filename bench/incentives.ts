/**
 * The incentive simulation of issue #4, on the embedded devnet with the real contracts and node pieces: a node (its
 * honest validator and its epoch duties: propose, check, finalize, claim), plus, started here, six miners and three
 * more validators, all real HTTP servers and chain accounts.
 *
 * Miners (`digits` subnet): four honest miners serving models of graded quality (the full `digits` model and ones
 * trained on 1,000 / 200 / 100 samples); a random-output miner that claims the full model's published weights; a
 * cached-answer miner answering from a lookup table of the public MNIST data (10,000 digits).
 * Validators: two honest ones (the node's, and one started here) with equal stake; a weight copier (same stake)
 * that commits a copy of the last weights the honest validator revealed; a lazy one (half the stake) that commits
 * uniform weights without evaluating anyone.
 *
 * Phase 1 (static): miners keep their models for 10 epochs. Phase 2 (quality moves): the best model moves to
 * another honest miner every epoch (the others serve the weakest model), the situation where copying weights would
 * pay if commit-reveal did not delay it.
 *
 * Targets: Spearman(phase-1 emission, true quality) ≥ 0.9, where true quality is accuracy on freshly perturbed
 * held-out digits measured here; random and cached miners ≤ 1% of miner emission; the copier's dividends ≤ 50% of
 * the honest validator's with equal stake (phase 2); and, in every epoch, the copier and the lazy validator
 * (together below κ of the stake) cannot move consensus: redoing the epoch with both putting all their weight on the
 * random miner leaves its consensus at zero. Prints the table, writes bench/results/incentives.json, exits 1 on a
 * miss. About 4 minutes here.
 *
 * Longer than 400 lines on purpose: one scenario (the miners and validators, both phases, the checks) read top to bottom.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { builtinModels, mulberry32 } from '@mycel/models'
import { heldOutDigits, heldOutSplit } from '@mycel/models/held-out'
import {
  decodeWeights,
  getNeurons,
  getRevealedRows,
  getSubnetParams,
  getSubnets,
  maskedRow,
  mycelTokenAbi,
  readEpochState,
  registerNeuron,
  selectValidators,
  setSubnetParams,
  stake,
  type WriteClient,
  writeContractAndWait,
  yumaEpoch,
} from '@mycel/sdk'
import { parseEther } from 'viem'
import type { LocalAccount } from 'viem/accounts'
import { getBlockNumber } from 'viem/actions'
import { walletFor } from '../packages/node/src/app/accounts.ts'
import { start } from '../packages/node/src/app/start.ts'
import { connectChain } from '../packages/node/src/chain/client.ts'
import { createTxQueue } from '../packages/node/src/chain/txQueue.ts'
import { createLogger } from '../packages/node/src/common/common.ts'
import { resolveOptions } from '../packages/node/src/config/options.ts'
import { createContentStore } from '../packages/node/src/content/contentStore.ts'
import { openDatabase } from '../packages/node/src/db/database.ts'
import { devnetAccount } from '../packages/node/src/devnet/accounts.ts'
import { DEVNET_SUBNET_PARAMS } from '../packages/node/src/devnet/demo.ts'
import type { Model, Tensor } from '../packages/node/src/inference/backend.ts'
import { loadModels } from '../packages/node/src/inference/models.ts'
import { startMiner } from '../packages/node/src/miner/miner.ts'
import { argmax, perturbDigit } from '../packages/node/src/validator/tasks.ts'
import { startValidator } from '../packages/node/src/validator/validator.ts'
import { createWeightSetter, type WeightSetterEvent } from '../packages/node/src/validator/weightSetter.ts'

const STATIC_EPOCHS = 10
const MOVING_EPOCHS = Number(process.env.BENCH_MOVING_EPOCHS ?? 8)
/** Yuma3 with liquid alpha (the devnet's setting: bonds follow early agreement fast), or the plain bonds EMA (α = 0.1). */
const LIQUID_ALPHA = process.env.BENCH_LIQUID_ALPHA !== '0'
/** Epochs after the moving phase starts before measuring it (weights reach the chain one commit-reveal later). */
const MOVING_SETTLE = 2
/** Print each validator's row per epoch around the moving phase (diagnostics). */
const VERBOSE = process.env.BENCH_VERBOSE === '1'
/** Epochs after everyone is set up before measuring: scores, then a commit, then its reveal one tempo later. */
const WARMUP_EPOCHS = 4
const ONE_MYC = parseEther('1')

const dataDir = join(tmpdir(), `mycel-bench-incentives-${process.pid}`)
rmSync(dataDir, { recursive: true, force: true })
const log = (line: string) => process.stderr.write(`${line}\n`)

const node = await start(
  {
    ...resolveOptions({ env: {}, cwd: dataDir }),
    dataDir,
    port: 0,
    minerPort: 0,
    pollIntervalMs: 200,
    logLevel: 'warn',
    miner: 'off',
    gateway: 'off',
    validatorSubnets: ['digits'],
    validatorStake: (1000n * ONE_MYC).toString(),
    validatorIntervalMs: 1000,
    devnetBlockSeconds: 0.5,
    subnetDemo: false,
  },
  { logger: createLogger('warn') },
)
const stops: (() => Promise<unknown>)[] = [() => node.stop()]
const { chain, client: reader } = await connectChain(node.rpcUrl)
const wallet = (account: LocalAccount) =>
  walletFor(account, chain, node.rpcUrl, 200) as WriteClient & { account: LocalAccount }
/** The treasury, which owns the devnet's subnets and holds the MYC supply. */
const client = wallet(devnetAccount(0))
const registry = node.addresses.subnetRegistry
const digits = (await getSubnets(client, { registry })).find((s) => s.name === 'digits')
if (!digits) throw new Error('no digits subnet')
const netuid = BigInt(digits.netuid)

try {
  // Fast epochs in the digits subnet (the treasury owns it).
  const params = await getSubnetParams(client, { registry, netuid })
  await setSubnetParams(client, {
    registry,
    netuid,
    // Tempo 20, as measured in docs/validators.md (the devnet's own subnets have 40, for settlement to keep up).
    params: { ...params, ...DEVNET_SUBNET_PARAMS, tempo: 20, liquidAlpha: LIQUID_ALPHA },
  })

  // ---------------------------------------------------------------------------------------------------------------
  // Miners
  // ---------------------------------------------------------------------------------------------------------------
  const graded = await loadModels(['digits', 'digits-1000', 'digits-200', 'digits-100'])
  stops.push(() => Promise.all(graded.map((m) => m.close())))
  const [full] = graded as [Model, Model, Model, Model]
  /** Which graded model each honest miner serves now (indexes into `graded`). */
  const serving = [0, 1, 2, 3]
  const tensorSpec = full.tensor as NonNullable<Model['tensor']>
  const wrapper = (id: string, infer: (inputs: Tensor[]) => Promise<Tensor[]>, weights?: Uint8Array): Model => ({
    id: 'digits',
    backend: 'onnx',
    description: id,
    tensor: { ...tensorSpec, infer: (inputs) => infer(inputs) },
    ...(weights ? { weights } : {}),
    close: async () => {},
  })
  const probabilities = (rows: number[][]): Tensor[] => [
    { name: 'probabilities', datatype: 'FP32', shape: [rows.length, 10], data: rows.flat() },
  ]
  const random = mulberry32(99)
  const lookup = new Map<string, number>()
  const { train, test } = heldOutSplit()
  for (const s of [...train, ...test]) lookup.set(Buffer.from(s.pixels.buffer).toString('base64'), s.label)
  const miners: { name: string; account: number; model: Model }[] = [
    ...[0, 1, 2, 3].map((i) => ({
      name: `honest ${i + 1}`,
      account: 4 + i,
      model: wrapper(
        `honest ${i}`,
        (inputs) => (graded[serving[i] as number] as Model).tensor?.infer(inputs, undefined) as Promise<Tensor[]>,
      ),
    })),
    {
      name: 'random',
      account: 8,
      // Claims the full model's open weights; answers with random probabilities.
      model: wrapper(
        'random',
        async (inputs) =>
          probabilities(
            Array.from({ length: inputs[0]?.shape[0] ?? 1 }, () => {
              const r = Array.from({ length: 10 }, () => random())
              const sum = r.reduce((a, b) => a + b, 0)
              return r.map((x) => x / sum)
            }),
          ),
        new Uint8Array(readFileSync(builtinModels.digits)),
      ),
    },
    {
      name: 'cached',
      account: 9,
      // A lookup table of the public data; anything else gets the most common digit.
      model: wrapper('cached', async (inputs) => {
        const input = inputs[0] as Tensor
        const n = input.shape[0] ?? 1
        return probabilities(
          Array.from({ length: n }, (_, k) => {
            const pixels = Float32Array.from(input.data.slice(k * 784, (k + 1) * 784))
            const label = lookup.get(Buffer.from(pixels.buffer).toString('base64')) ?? 1
            return Array.from({ length: 10 }, (_, d) => (d === label ? 1 : 0))
          }),
        )
      }),
    },
  ]
  const store = createContentStore(dataDir)
  for (const m of miners) {
    const miner = await startMiner(node.common, {
      db: openDatabase(join(dataDir, `miner-${m.account}.db`)),
      client: reader,
      wallet: wallet(devnetAccount(m.account)),
      chainId: node.chainId,
      paymentChannels: node.addresses.paymentChannels,
      registry,
      token: node.addresses.testUsd as `0x${string}`,
      models: [{ model: m.model, price: { perRequest: 1_000n, per1kUnits: 0n } }],
      host: '127.0.0.1',
      port: 0,
      subnets: ['digits'],
      store,
      policy: { threshold: 10n ** 18n, maxAgeMs: 3_600_000, safetySeconds: 300n, maxBatch: 100 },
      tickMs: 1000,
    })
    stops.push(() => miner.stop())
  }
  const neurons = await getNeurons(client, { registry, netuid })
  const uidOf = (account: number) =>
    neurons.find((n) => n.hotkey.toLowerCase() === devnetAccount(account).address.toLowerCase())?.uid as number
  const minerUids = miners.map((m) => uidOf(m.account))

  // ---------------------------------------------------------------------------------------------------------------
  // Validators: the node's honest one (account 3, 1,000 MYC) plus three started here on fresh accounts.
  // ---------------------------------------------------------------------------------------------------------------
  const extra = [
    { name: 'honest B', account: 10, stake: 1000n },
    { name: 'copier', account: 11, stake: 1000n },
    { name: 'lazy', account: 12, stake: 500n },
  ]
  for (const v of extra) {
    const address = devnetAccount(v.account).address
    await client.request({ method: 'anvil_setBalance', params: [address, '0x56BC75E2D63100000'] } as never)
    await writeContractAndWait(client, {
      address: node.addresses.mycelToken,
      abi: mycelTokenAbi,
      functionName: 'transfer',
      args: [address, 2000n * ONE_MYC],
    })
    const w = wallet(devnetAccount(v.account))
    await registerNeuron(w, { registry, netuid, role: 'validator', endpoint: node.url, metadataCid: '' })
    await stake(w, { staking: node.addresses.staking, netuid, hotkey: address, amount: v.stake * ONE_MYC })
  }
  const honestA = devnetAccount(3).address
  const honestB = await startValidator(node.common, {
    db: openDatabase(join(dataDir, 'validator-b.db')),
    wallet: wallet(devnetAccount(10)),
    chainId: node.chainId,
    registry,
    weights: node.addresses.weights,
    netuids: [netuid],
  })
  stops.push(() => honestB.close())
  const setterDb = openDatabase(join(dataDir, 'setters.db'))
  // Each setter sends from an account of its own: a queue of their own suffices.
  const txQueue = createTxQueue()
  const setterFor = (account: number) =>
    createWeightSetter({
      db: setterDb,
      wallet: wallet(devnetAccount(account)),
      weights: node.addresses.weights,
      registry,
      netuid,
      txQueue,
    })
  const copier = setterFor(11)
  const lazy = setterFor(12)
  let lastHonestRow: number[] | null = null
  let running = true
  const loops: Promise<void>[] = []
  const every = (ms: number, step: () => Promise<unknown>) =>
    loops.push(
      (async () => {
        while (running) {
          await step().catch((e: Error) => log(`  (${e.message.split('\n')[0]})`))
          await new Promise((r) => setTimeout(r, ms))
        }
      })(),
    )
  every(1000, () => honestB.round())
  const tempo = BigInt((await getSubnetParams(client, { registry, netuid })).tempo)
  const periodAt = (block: bigint) => Number((block - digits.createdAtBlock) / tempo)
  const trace = (who: string, event: WeightSetterEvent | null) => {
    if (VERBOSE && event) {
      const block = 'block' in event ? event.block : event.commitBlock
      log(`${who} ${event.kind} at block ${block} (period ${periodAt(block)})`)
    }
  }
  every(500, async () => {
    for (const event of await honestB.setWeights()) trace('B', event)
  })
  every(500, async () => {
    const rows = await getRevealedRows(client, {
      weights: node.addresses.weights,
      netuid,
      fromBlock: digits.createdAtBlock,
    })
    const mine = rows.filter((r) => r.hotkey.toLowerCase() === honestA.toLowerCase()).at(-1)
    if (mine) lastHonestRow = decodeWeights(mine.packed)
    trace(
      'copier',
      await copier.tick((n) => (lastHonestRow ? Array.from({ length: n }, (_, j) => lastHonestRow?.[j] ?? 0) : null)),
    )
  })
  every(500, () => lazy.tick((n) => Array.from({ length: n }, (_, j) => (minerUids.includes(j) ? 1 : 0))))

  // Phase 2: the full model moves to the next honest miner at every epoch boundary (by snapshot period).
  // Epoch k's snapshot is one tempo after epoch k−1's (the subnet's creation for k = 0); epochs whose snapshot passed
  // while this was being set up settle at once, without weights. Measuring starts after the warm-up.
  const firstEpoch = periodAt(await getBlockNumber(client, { cacheTime: 0 })) + WARMUP_EPOCHS
  const movingFrom = firstEpoch + STATIC_EPOCHS
  if (VERBOSE) {
    every(1000, async () => {
      const block = await getBlockNumber(client, { cacheTime: 0 })
      const scores = honestB.scores(netuid)
      const of = (uid: number) => scores.find((x) => x.uid === uid)
      log(
        `block ${block} period ${periodAt(block)} serving ${serving.join('')}: B scores ${minerUids
          .slice(0, 4)
          .map((uid) => (of(uid)?.score ?? 0).toFixed(3))
          .join('/')} rounds ${minerUids
          .slice(0, 4)
          .map((uid) => of(uid)?.rounds ?? 0)
          .join('/')}`,
      )
    })
  }
  every(200, async () => {
    const period = periodAt(await getBlockNumber(client, { cacheTime: 0 }))
    if (period < movingFrom) return
    for (let i = 0; i < 4; i++) serving[i] = i === period % 4 ? 0 : 3
  })

  // ---------------------------------------------------------------------------------------------------------------
  // True quality: accuracy on freshly perturbed held-out digits, measured here on each model.
  // ---------------------------------------------------------------------------------------------------------------
  const held = heldOutDigits()
  const rq = mulberry32(7)
  const sample = Array.from({ length: 1000 }, () => held[Math.floor(rq() * held.length)] as (typeof held)[number])
  const inputs: Tensor[] = [
    {
      name: 'input',
      datatype: 'FP32',
      shape: [sample.length, 784],
      data: sample.flatMap((s) => Array.from(perturbDigit(s.pixels, rq))),
    },
  ]
  const qualityOf = async (infer: (t: Tensor[]) => Promise<Tensor[]>) => {
    const out = (await infer(inputs))[0]?.data as number[]
    return sample.filter((s, k) => argmax(out, k * 10, 10) === s.label).length / sample.length
  }
  const modelQuality = await Promise.all(
    graded.map((m) => qualityOf((t) => m.tensor?.infer(t, undefined) as Promise<Tensor[]>)),
  )
  const trueQuality = [
    ...modelQuality,
    await qualityOf((t) => miners[4]?.model.tensor?.infer(t, undefined) as Promise<Tensor[]>),
    await qualityOf((t) => miners[5]?.model.tensor?.infer(t, undefined) as Promise<Tensor[]>),
  ]

  // ---------------------------------------------------------------------------------------------------------------
  // Run until the last measured epoch is final.
  // ---------------------------------------------------------------------------------------------------------------
  type EpochView = {
    epoch: number
    snapshotBlock: number
    final: boolean
    matches: boolean
    validators: number[]
    minerEmission: string[]
    validatorEmission: string[]
    consensus: number[]
    incentive: number[]
    dividends: number[]
  }
  const lastEpoch = movingFrom + MOVING_EPOCHS - 1
  const began = performance.now()
  let epochs: EpochView[] = []
  for (;;) {
    const view = (await (await fetch(`${node.url}/api/incentives?epochs=999`)).json()) as {
      subnets: { netuid: number; epochs: EpochView[] }[]
    }
    epochs = view.subnets.find((s) => BigInt(s.netuid) === netuid)?.epochs ?? []
    const done = epochs.filter((e) => e.final).length
    log(`epochs final: ${done}/${lastEpoch + 1} (${Math.round((performance.now() - began) / 1000)} s)`)
    if (epochs.some((e) => e.final && e.epoch >= lastEpoch)) break
    if (performance.now() - began > 20 * 60_000) throw new Error('epochs did not settle within 20 minutes')
    await new Promise((r) => setTimeout(r, 5000))
  }
  running = false
  await Promise.all(loops)

  // ---------------------------------------------------------------------------------------------------------------
  // Measure.
  // ---------------------------------------------------------------------------------------------------------------
  const allNeurons = await getNeurons(client, { registry, netuid })
  const vUid = (account: number) =>
    allNeurons.find((n) => n.hotkey.toLowerCase() === devnetAccount(account).address.toLowerCase())?.uid as number
  const sumMiner = (list: EpochView[], uid: number) =>
    list.reduce((a, e) => a + BigInt(e.minerEmission[uid] ?? '0'), 0n)
  const sumValidator = (list: EpochView[], uid: number) =>
    list.reduce((a, e) => {
      const k = e.validators.indexOf(uid)
      return a + (k < 0 ? 0n : BigInt(e.validatorEmission[k] ?? '0'))
    }, 0n)
  const inRange = (from: number, to: number) => epochs.filter((e) => e.final && e.epoch >= from && e.epoch <= to)
  const staticEpochs = inRange(firstEpoch, movingFrom - 1)
  const movingEpochs = inRange(movingFrom + MOVING_SETTLE, lastEpoch)

  const minerTotals = minerUids.map((uid) => sumMiner(staticEpochs, uid))
  const allMiners = minerTotals.reduce((a, b) => a + b, 0n)
  const shareOf = (x: bigint, total: bigint) => (total === 0n ? 0 : Number((x * 1_000_000n) / total) / 1_000_000)
  const rho = spearman(
    minerTotals.map((x) => Number(x / 10n ** 9n)),
    trueQuality,
  )
  const randomShare = shareOf(minerTotals[4] as bigint, allMiners)
  const cachedShare = shareOf(minerTotals[5] as bigint, allMiners)
  const validatorsOf = [
    { name: 'honest A (node)', uid: vUid(3), stake: 1000 },
    { name: 'honest B', uid: vUid(10), stake: 1000 },
    { name: 'copier', uid: vUid(11), stake: 1000 },
    { name: 'lazy', uid: vUid(12), stake: 500 },
  ]
  const dividends = validatorsOf.map((v) => ({
    ...v,
    static: sumValidator(staticEpochs, v.uid),
    moving: sumValidator(movingEpochs, v.uid),
  }))
  const honestMoving = dividends[1]?.moving ?? 0n // equal stake to the copier
  const copierRatio = shareOf(dividends[2]?.moving ?? 0n, honestMoving)
  const copierStaticRatio = shareOf(dividends[2]?.static ?? 0n, dividends[1]?.static ?? 0n)

  // The minority (copier + lazy, below κ of the stake) colludes on the random miner: its consensus must stay zero.
  let minorityMoved = 0
  let checkedEpochs = 0
  for (const e of epochs.filter((x) => x.final && x.epoch >= firstEpoch)) {
    const state = await readEpochState(client, {
      registry,
      staking: node.addresses.staking,
      weights: node.addresses.weights,
      epochs: node.addresses.epochs,
      netuid,
      snapshot: BigInt(e.snapshotBlock),
      previous: null,
      neurons: e.consensus.length,
    })
    const set = selectValidators(state.slots, state.maxValidators)
    const minority = new Set([vUid(11), vUid(12)])
    const stakes = set.map((uid) => state.slots[uid]?.stake as bigint)
    const rows = set.map((uid) => {
      if (!minority.has(uid)) return maskedRow(state.slots, uid)
      return Array.from({ length: e.consensus.length }, (_, j) => (j === minerUids[4] ? 65_535 : 0))
    })
    const minorityStake = set.reduce((a, uid, i) => a + (minority.has(uid) ? (stakes[i] as bigint) : 0n), 0n)
    const total = stakes.reduce((a, b) => a + b, 0n)
    if (minorityStake * 2n >= total) throw new Error('the minority is not below kappa')
    const colluding = yumaEpoch({
      weights: rows,
      stake: stakes,
      bonds: set.map(() => new Array(e.consensus.length).fill(0)),
      kappa: state.params.kappa,
      bondsPenalty: state.params.bondsPenalty,
      alpha: state.params.alpha,
      liquidAlpha: null,
      version: 'yuma3',
    })
    checkedEpochs += 1
    if ((colluding.consensus[minerUids[4] as number] ?? 0) !== 0) minorityMoved += 1
    if (VERBOSE && e.epoch >= movingFrom - 2) {
      // Each validator's row at the snapshot (% on the four honest miners) and the period it was committed in.
      const describe = (account: number) => {
        const uid = vUid(account)
        const row = maskedRow(state.slots, uid)
        const sum = row.reduce((a, b) => a + b, 0) || 1
        const committed = state.slots[uid]?.row?.commitBlock
        return `${minerUids
          .slice(0, 4)
          .map((j) => Math.round((100 * (row[j] ?? 0)) / sum))
          .join('/')}@${committed === undefined ? '-' : periodAt(committed)}`
      }
      log(
        `epoch ${e.epoch} (best model at ${e.epoch % 4}): A ${describe(3)}  B ${describe(10)}  copier ${describe(11)}  incentive ${minerUids
          .slice(0, 4)
          .map((j) => Math.round(100 * (e.incentive[j] ?? 0)))
          .join('/')}`,
      )
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Report.
  // ---------------------------------------------------------------------------------------------------------------
  const myc = (x: bigint) => (Number(x / 10n ** 12n) / 1e6).toFixed(3)
  const lines = [
    `incentive simulation (Yuma3, liquid alpha ${LIQUID_ALPHA ? 'on' : 'off'}): ${staticEpochs.length} static epochs (${firstEpoch}–${movingFrom - 1}) + ${movingEpochs.length} measured moving epochs (${movingFrom + MOVING_SETTLE}–${lastEpoch}); every epoch settled by the node: ${epochs.every((e) => !e.final || e.matches)}`,
    '',
    'miner             true quality   static-phase emission (MYC)   share',
    ...miners.map(
      (m, i) =>
        `${m.name.padEnd(18)}${(trueQuality[i] as number).toFixed(3).padStart(12)}   ${myc(minerTotals[i] as bigint).padStart(26)}   ${(shareOf(minerTotals[i] as bigint, allMiners) * 100).toFixed(2).padStart(6)}%`,
    ),
    '',
    'validator         stake   static dividends (MYC)   moving-phase dividends (MYC)',
    ...dividends.map(
      (d) =>
        `${d.name.padEnd(18)}${String(d.stake).padStart(5)}   ${myc(d.static).padStart(22)}   ${myc(d.moving).padStart(28)}`,
    ),
    '',
  ]
  const targets = [
    { name: 'Spearman(emission, true quality) ≥ 0.9', value: rho, met: rho >= 0.9 },
    { name: 'random miner ≤ 1% of miner emission', value: randomShare, met: randomShare <= 0.01 },
    { name: 'cached miner ≤ 1% of miner emission', value: cachedShare, met: cachedShare <= 0.01 },
    {
      name: "copier's dividends ≤ 50% of the honest validator's (quality moving)",
      value: copierRatio,
      met: copierRatio <= 0.5,
    },
    {
      name: `a minority below κ cannot move consensus (${checkedEpochs} epochs redone with it colluding)`,
      value: minorityMoved,
      met: checkedEpochs > 0 && minorityMoved === 0,
    },
  ]
  lines.push(
    `moving phase, per epoch (miner holding the best model → best-paid miner, copier/honest-B dividend): ${epochs
      .filter((e) => e.final && e.epoch >= movingFrom)
      .map((e) => {
        const best = minerUids
          .slice(0, 4)
          .reduce((a, uid) => ((e.incentive[uid] ?? 0) > (e.incentive[a] ?? 0) ? uid : a), minerUids[0] as number)
        const at = (account: number) => e.validators.indexOf(vUid(account))
        const ratio = (e.dividends[at(11)] ?? 0) / (e.dividends[at(10)] || 1)
        return `${e.epoch}: ${minerUids[e.epoch % 4]}→${best} ${ratio.toFixed(2)}`
      })
      .join(', ')}`,
  )
  lines.push(
    `copier/honest dividends with static miners (no target; copying a static world costs little): ${copierStaticRatio.toFixed(3)}`,
  )
  for (const t of targets)
    lines.push(
      `target: ${t.name}: ${typeof t.value === 'number' ? t.value.toFixed(4) : t.value} ${t.met ? 'met' : 'MISSED'}`,
    )
  process.stdout.write(`${lines.join('\n')}\n`)
  mkdirSync(join(import.meta.dirname, 'results'), { recursive: true })
  writeFileSync(
    join(import.meta.dirname, 'results', 'incentives.json'),
    `${JSON.stringify(
      {
        date: new Date().toISOString(),
        node: process.version,
        miners: miners.map((m, i) => ({
          name: m.name,
          uid: minerUids[i],
          trueQuality: trueQuality[i],
          staticEmission: (minerTotals[i] as bigint).toString(),
        })),
        validators: dividends.map((d) => ({ ...d, static: d.static.toString(), moving: d.moving.toString() })),
        liquidAlpha: LIQUID_ALPHA,
        copierStaticRatio,
        targets,
      },
      null,
      2,
    )}\n`,
  )
  process.exitCode = targets.every((t) => t.met) ? 0 : 1
} finally {
  for (const stop of stops.reverse()) await stop().catch(() => {})
  rmSync(dataDir, { recursive: true, force: true })
}

/** Spearman's rank correlation, ties given their average rank. */
function spearman(a: number[], b: number[]): number {
  const rank = (x: number[]) => {
    const order = x.map((v, i) => ({ v, i })).sort((p, q) => p.v - q.v)
    const r = new Array<number>(x.length)
    for (let k = 0; k < order.length; ) {
      let end = k
      while (end + 1 < order.length && order[end + 1]?.v === order[k]?.v) end++
      for (let m = k; m <= end; m++) r[order[m]?.i as number] = (k + end) / 2
      k = end + 1
    }
    return r
  }
  const ra = rank(a)
  const rb = rank(b)
  const mean = (x: number[]) => x.reduce((s, v) => s + v, 0) / x.length
  const ma = mean(ra)
  const mb = mean(rb)
  let num = 0
  let da = 0
  let db = 0
  for (let i = 0; i < a.length; i++) {
    num += ((ra[i] as number) - ma) * ((rb[i] as number) - mb)
    da += ((ra[i] as number) - ma) ** 2
    db += ((rb[i] as number) - mb) ** 2
  }
  return da === 0 || db === 0 ? 0 : num / Math.sqrt(da * db)
}
