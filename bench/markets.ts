/**
 * Gas of royalties enforced in settlement (issue #14), on a real anvil chain with the deployed contracts and the SDK's
 * own actions, everything side by side in one run:
 * - the split's overhead: a claim whose voucher pays one model with terms (a model channel: the whole amount pays
 *   it), and one paying a derivative two levels deep, against the same claim without a split — as a lone `claim`
 *   in the steady state (the channel claimed before, the models earned before) and per channel inside a
 *   `claimBatch` of 100 channels. Targets: ≤ 10,000 gas with one model, ≤ 20,000 with two parent levels.
 * - gas per paid request over a channel's whole life (approve, open, one claim, close; by the payee, or by the payer's
 *   close request and withdrawal — the dearer counts) at 1,000 and 10,000 requests, royalties (model channel of a
 *   root model, and of the derivative) against today's plain channel measured here. Target: ≤ 2×.
 * - the paid-request overhead of license checks on the miner (bench/marketsLatency.ts): p50 latency of paid requests
 *   on a model channel against plain ones, end to end over loopback. Target: ≤ 0.2 ms added.
 * Transaction gas is the receipt's `gasUsed` (execution + 21,000 + calldata). Prints a table, writes
 * bench/results/markets.json, exits 1 when a target is missed (figures are still written).
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  buyLicense,
  claimVoucher,
  claimVouchers,
  closeChannelByPayee,
  type LicenseTerms,
  type ModelAmount,
  openChannel,
  registerModel,
  requestClose,
  type SignedVoucher,
  signVoucher,
  withdrawChannel,
} from '@mycel/sdk'
import { devnetAccount } from '../packages/node/src/devnet/accounts.ts'
import { PRICE, startGasBench, USD } from './chainGas.ts'
import { measureLicenseOverhead } from './marketsLatency.ts'

const BATCH = 100

const { chain, addresses, usd, pc, domain, gasOf, during } = await startGasBench([1], 1_000_000n)
try {
  const [payer, miner, alice, bob] = [1, 2, 3, 4].map((i) => chain.wallet(i)) as [
    ReturnType<typeof chain.wallet>,
    ReturnType<typeof chain.wallet>,
    ReturnType<typeof chain.wallet>,
    ReturnType<typeof chain.wallet>,
  ]

  // The lineage: root (alice, 10 %) ← parent (bob, 5 %) ← leaf (bob, 3 %); the miner serves root and leaf.
  const terms = (royaltyBps: number): LicenseTerms => ({
    commercialUse: true,
    derivativesAllowed: true,
    attribution: true,
    royaltyBps,
    minPricePerRequest: PRICE,
    currency: usd,
    licenseDuration: 0n,
    mintFee: 0n,
  })
  const register = async (owner: typeof alice, parents: bigint[], bps: number) =>
    (
      await registerModel(owner, {
        modelRegistry: addresses.modelRegistry,
        weightsCid: 'bafkreibenchweights',
        cardCid: 'bafkreibenchcard',
        format: 'onnx',
        parents,
        terms: terms(bps),
      })
    ).modelId
  const root = await register(alice, [], 1_000)
  await buyLicense(bob, { licenses: addresses.licenses, modelId: root })
  const parent = await register(bob, [root], 500)
  await buyLicense(bob, { licenses: addresses.licenses, modelId: parent })
  const leaf = await register(bob, [parent], 300)
  for (const modelId of [root, leaf]) await buyLicense(miner, { licenses: addresses.licenses, modelId })

  const kinds = {
    'no split': undefined,
    'one model': root,
    'derivative, 2 levels': leaf,
  } as const
  type Kind = keyof typeof kinds
  const open = async (amount: bigint) =>
    openChannel(payer, { paymentChannels: pc, payee: miner.account.address, token: usd, amount })
  const sign = async (channelId: bigint, requests: bigint, models?: ModelAmount[]): Promise<SignedVoucher> => {
    const amount = requests * PRICE
    const voucher = { channelId, cumulativeAmount: amount, cumulativeRequests: requests, cumulativeUnits: 0n }
    const split = models ?? []
    const full = { ...voucher, models: split }
    return { ...full, signature: await signVoucher(devnetAccount(1), domain, full) }
  }
  /** A model channel's voucher: the whole amount pays the channel's model (the node's protocol). */
  const voucherOf = (kind: Kind, channelId: bigint, requests: bigint) => {
    const modelId = kinds[kind]
    return sign(
      channelId,
      requests,
      modelId === undefined ? undefined : [{ modelId, cumulativeAmount: requests * PRICE }],
    )
  }

  // Warm the royalty accounts once, as on a live chain where the models have earned before.
  const warm = await open(10n * USD)
  await claimVoucher(miner, {
    paymentChannels: pc,
    voucher: await sign(warm.channelId, 10n, [
      { modelId: root, cumulativeAmount: 5n * PRICE },
      { modelId: leaf, cumulativeAmount: 5n * PRICE },
    ]),
  })

  // 1. The split's overhead, lone and batched.
  const lone = {} as Record<Kind, number>
  const batched = {} as Record<Kind, number>
  for (const kind of Object.keys(kinds) as Kind[]) {
    const { channelId } = await open(10n * USD)
    await claimVoucher(miner, { paymentChannels: pc, voucher: await voucherOf(kind, channelId, 10n) })
    const later = await claimVoucher(miner, { paymentChannels: pc, voucher: await voucherOf(kind, channelId, 20n) })
    lone[kind] = Number(later.gasUsed)
    const ids: bigint[] = []
    for (let i = 0; i < BATCH; i++) ids.push((await open(USD)).channelId)
    const firsts = await Promise.all(ids.map((id) => voucherOf(kind, id, 1n)))
    await claimVouchers(miner, { paymentChannels: pc, vouchers: firsts })
    const seconds = await Promise.all(ids.map((id) => voucherOf(kind, id, 2n)))
    batched[kind] = Number((await claimVouchers(miner, { paymentChannels: pc, vouchers: seconds })).gasUsed) / BATCH
  }
  const overhead = (Object.keys(kinds) as Kind[]).map((kind) => ({
    kind,
    loneClaim: lone[kind],
    loneOverhead: lone[kind] - lone['no split'],
    perChannelInBatch: batched[kind],
    batchOverhead: batched[kind] - batched['no split'],
  }))

  // 2. Gas per paid request over a channel's life, by how it ends.
  async function channelLife(kind: Kind, requests: bigint, payerCloses: boolean) {
    const opened = await during(() => open(requests * PRICE))
    const { channelId } = opened.result
    let gas = opened.gas
    gas += (await claimVoucher(miner, { paymentChannels: pc, voucher: await voucherOf(kind, channelId, requests) }))
      .gasUsed
    if (payerCloses) {
      gas += await gasOf((await requestClose(payer, { paymentChannels: pc, channelId })).hash)
      await chain.increaseTime(3601)
      gas += await gasOf((await withdrawChannel(payer, { paymentChannels: pc, channelId })).hash)
    } else {
      gas += await gasOf((await closeChannelByPayee(miner, { paymentChannels: pc, channelId })).hash)
    }
    return Number(gas)
  }
  const perRequest: { kind: Kind; requests: number; gasPerRequest: number; ratioToPlain: number }[] = []
  for (const n of [1_000n, 10_000n]) {
    const dearer = {} as Record<Kind, number>
    for (const kind of Object.keys(kinds) as Kind[]) {
      dearer[kind] = Math.max(await channelLife(kind, n, false), await channelLife(kind, n, true)) / Number(n)
    }
    for (const kind of Object.keys(kinds) as Kind[]) {
      perRequest.push({
        kind,
        requests: Number(n),
        gasPerRequest: dearer[kind],
        ratioToPlain: dearer[kind] / dearer['no split'],
      })
    }
  }

  // 3. The license checks' latency on the miner's paid path.
  const latency = await measureLicenseOverhead(chain, addresses, { price: PRICE })

  const row = (kind: Kind) => overhead.find((o) => o.kind === kind) as (typeof overhead)[number]
  const ratio = (kind: Kind, n: number) =>
    (perRequest.find((r) => r.kind === kind && r.requests === n) as (typeof perRequest)[number]).ratioToPlain
  const targets = [
    {
      name: 'split overhead, one model, lone claim <= 10,000 gas',
      value: row('one model').loneOverhead,
      limit: 10_000,
    },
    {
      name: 'split overhead, one model, per channel in a batch of 100 <= 10,000 gas',
      value: row('one model').batchOverhead,
      limit: 10_000,
    },
    {
      name: 'split overhead, derivative 2 levels, lone claim <= 20,000 gas',
      value: row('derivative, 2 levels').loneOverhead,
      limit: 20_000,
    },
    {
      name: 'split overhead, derivative 2 levels, per channel in a batch of 100 <= 20,000 gas',
      value: row('derivative, 2 levels').batchOverhead,
      limit: 20_000,
    },
    ...[1_000, 10_000].flatMap((n) =>
      (['one model', 'derivative, 2 levels'] as const).map((kind) => ({
        name: `gas/request at ${n.toLocaleString('en')} requests with royalties (${kind}) <= 2x plain`,
        value: ratio(kind, n),
        limit: 2,
      })),
    ),
    {
      name: `paid-request p50 added by license checks on the miner <= 0.2 ms (${latency.requests} requests each)`,
      value: latency.addedP50Ms,
      limit: 0.2,
    },
  ].map((t) => ({ ...t, met: t.value <= t.limit }))

  process.stdout.write(
    `\n${'claim'.padEnd(24)}${'lone claim'.padEnd(12)}${'vs no split'.padEnd(13)}${'per channel, batch of 100'.padEnd(27)}vs no split\n`,
  )
  for (const o of overhead) {
    process.stdout.write(
      `${o.kind.padEnd(24)}${String(o.loneClaim).padEnd(12)}${`+${o.loneOverhead}`.padEnd(13)}${o.perChannelInBatch.toFixed(0).padEnd(27)}+${o.batchOverhead.toFixed(0)}\n`,
    )
  }
  process.stdout.write(`\n${'requests'.padEnd(10)}${'channel'.padEnd(24)}${'gas/request'.padEnd(13)}ratio to plain\n`)
  for (const r of perRequest) {
    process.stdout.write(
      `${String(r.requests).padEnd(10)}${r.kind.padEnd(24)}${r.gasPerRequest.toFixed(1).padEnd(13)}${r.ratioToPlain.toFixed(3)}\n`,
    )
  }
  process.stdout.write(
    `\npaid request p50 over loopback: plain ${latency.plainP50Ms.toFixed(3)} ms, model channel ${latency.marketP50Ms.toFixed(3)} ms\n`,
  )
  for (const t of targets) {
    process.stdout.write(
      `target: ${t.name}: ${Number.isInteger(t.value) ? t.value : t.value.toFixed(3)} ${t.met ? 'met' : 'MISSED'}\n`,
    )
  }
  const out = join(import.meta.dirname, 'results')
  mkdirSync(out, { recursive: true })
  writeFileSync(
    join(out, 'markets.json'),
    `${JSON.stringify({ date: new Date().toISOString(), price: Number(PRICE), overhead, perRequest, latency, targets }, null, 2)}\n`,
  )
  process.exitCode = targets.every((t) => t.met) ? 0 : 1
} finally {
  await chain.stop()
}
