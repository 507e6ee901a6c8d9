/**
 * Gas per paid request: a payment channel's whole on-chain life (approve, open, claims, close) divided by the
 * requests it paid for, at 1, 100, 1,000 and 10,000 requests, against a baseline measured in the same run: one
 * EIP-3009 `transferWithAuthorization` per request (what x402's `exact` scheme settles with). Also the gas per
 * channel of a 100-channel batch claim. Targets from issue #3: ≤ 300 gas/request at 1,000, ≤ 30 at 10,000, batch
 * ≤ 25k gas per channel. Prints a table, writes bench/results/gas.json, exits 1 when a target is missed.
 *
 * Vouchers are signed off chain, so a channel's gas depends on how often the payee claims, not on the request count:
 * the rows measured are one claim when the channel ends (ended by the payee, or by the payer's close request and
 * withdrawal; the targets are checked on the dearer of the two) and, for comparison, a claim every 1,000 requests.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  claimVoucher,
  claimVouchers,
  closeChannelByPayee,
  openChannel,
  requestClose,
  type SignedVoucher,
  signVoucher,
  testUsdAbi,
  withdrawChannel,
  writeContractAndWait,
} from '@mycel/sdk'
import { parseSignature, toHex } from 'viem'
import { devnetAccount } from '../packages/node/src/devnet/accounts.ts'
import { PRICE, startGasBench, USD } from './chainGas.ts'

const { chain, usd, pc, domain, gasOf, during } = await startGasBench([1, 2, 3, 4, 5, 6, 7, 8, 9], 100_000n)
try {
  const payer = chain.wallet(1)
  const payee = chain.wallet(2)

  // Baseline: one EIP-3009 transfer per request, on the market's own token (TestUSD has EIP-3009: x402's `exact`).
  const baselineSamples: bigint[] = []
  for (let i = 0; i < 20; i++) {
    const nonce = toHex(crypto.getRandomValues(new Uint8Array(32)))
    const message = {
      from: payer.account.address,
      to: payee.account.address,
      value: PRICE,
      validAfter: 0n,
      validBefore: 2n ** 48n,
      nonce,
    }
    const signature = await devnetAccount(1).signTypedData({
      domain: { name: 'Test USD', version: '1', chainId: 31337, verifyingContract: usd },
      types: {
        TransferWithAuthorization: [
          { name: 'from', type: 'address' },
          { name: 'to', type: 'address' },
          { name: 'value', type: 'uint256' },
          { name: 'validAfter', type: 'uint256' },
          { name: 'validBefore', type: 'uint256' },
          { name: 'nonce', type: 'bytes32' },
        ],
      },
      primaryType: 'TransferWithAuthorization',
      message,
    })
    const { v, r, s } = parseSignature(signature)
    const { receipt } = await writeContractAndWait(payee, {
      address: usd,
      abi: testUsdAbi,
      functionName: 'transferWithAuthorization',
      args: [message.from, message.to, message.value, 0n, message.validBefore, nonce, Number(v), r, s],
    })
    baselineSamples.push(receipt.gasUsed)
  }
  const baseline = Number(baselineSamples.reduce((a, b) => a + b, 0n)) / baselineSamples.length

  // A channel's life: approve + open, claims by policy, then a cooperative close by the payee, or the payer's
  // close request and, after the window, withdrawal.
  async function channelLife(requests: bigint, claimEvery: bigint | undefined, payerCloses = false) {
    let gas = 0n
    const opened = await during(() =>
      openChannel(payer, { paymentChannels: pc, payee: payee.account.address, token: usd, amount: requests * PRICE }),
    )
    const { channelId } = opened.result
    gas += opened.gas
    const sign = async (n: bigint): Promise<SignedVoucher> => {
      const voucher = {
        channelId,
        cumulativeAmount: n * PRICE,
        cumulativeRequests: n,
        cumulativeUnits: 0n,
      }
      return { ...voucher, signature: await signVoucher(devnetAccount(1), domain, voucher) }
    }
    if (claimEvery !== undefined) {
      for (let n = claimEvery; n < requests; n += claimEvery)
        gas += (await claimVoucher(payee, { paymentChannels: pc, voucher: await sign(n) })).gasUsed
    }
    gas += (await claimVoucher(payee, { paymentChannels: pc, voucher: await sign(requests) })).gasUsed
    if (payerCloses) {
      gas += await gasOf((await requestClose(payer, { paymentChannels: pc, channelId })).hash)
      await chain.increaseTime(3601)
      gas += await gasOf((await withdrawChannel(payer, { paymentChannels: pc, channelId })).hash)
    } else {
      gas += await gasOf((await closeChannelByPayee(payee, { paymentChannels: pc, channelId })).hash)
    }
    return gas
  }

  const rows: { requests: number; policy: string; totalGas: number; gasPerRequest: number; ratioToBaseline: number }[] =
    []
  for (const n of [1n, 100n, 1_000n, 10_000n]) {
    for (const [policy, every, payerCloses] of [
      ['claim at close', undefined, false],
      ['payer closes', undefined, true],
      ['claim every 1,000', 1_000n, false],
    ] as const) {
      if (every !== undefined && n <= every) continue
      const total = Number(await channelLife(n, every, payerCloses))
      rows.push({
        requests: Number(n),
        policy,
        totalGas: total,
        gasPerRequest: total / Number(n),
        ratioToBaseline: total / Number(n) / baseline,
      })
    }
  }

  // Batch claim: 100 channels from 9 payers to one payee, one transaction.
  const vouchers: SignedVoucher[] = []
  for (let i = 0; i < 100; i++) {
    const index = 1 + (i % 9)
    const { channelId } = await openChannel(chain.wallet(index), {
      paymentChannels: pc,
      payee: payee.account.address,
      token: usd,
      amount: 10n * USD,
    })
    const voucher = { channelId, cumulativeAmount: 5n * USD, cumulativeRequests: 5000n, cumulativeUnits: 0n }
    vouchers.push({ ...voucher, signature: await signVoucher(devnetAccount(index), domain, voucher) })
  }
  const batch = await claimVouchers(payee, { paymentChannels: pc, vouchers })
  const batchPerChannel = Number(batch.gasUsed) / vouchers.length

  // Targets are checked on the dearer of the two ways a channel ends (payee closes, or payer closes and withdraws).
  const at = (n: number) =>
    Math.max(...rows.filter((r) => r.requests === n && r.policy !== 'claim every 1,000').map((r) => r.gasPerRequest))
  const targets = [
    { name: 'gas/request at 1,000 requests <= 300', value: at(1_000), met: at(1_000) <= 300 },
    { name: 'gas/request at 10,000 requests <= 30', value: at(10_000), met: at(10_000) <= 30 },
    {
      name: 'batch claim of 100 channels <= 25,000 gas/channel',
      value: batchPerChannel,
      met: batchPerChannel <= 25_000,
    },
  ]

  process.stdout.write(
    `\nbaseline: EIP-3009 transferWithAuthorization, ${baseline.toFixed(0)} gas per request (mean of ${baselineSamples.length})\n\n`,
  )
  process.stdout.write(
    `${'requests'.padEnd(10)}${'policy'.padEnd(20)}${'total gas'.padEnd(12)}${'gas/request'.padEnd(13)}ratio to baseline\n`,
  )
  for (const r of rows) {
    process.stdout.write(
      `${String(r.requests).padEnd(10)}${r.policy.padEnd(20)}${String(r.totalGas).padEnd(12)}${r.gasPerRequest.toFixed(1).padEnd(13)}${r.ratioToBaseline.toFixed(4)}\n`,
    )
  }
  process.stdout.write(
    `\nbatch claim: ${vouchers.length} channels in one transaction, ${batch.gasUsed} gas, ${batchPerChannel.toFixed(0)} gas/channel\n`,
  )
  for (const t of targets)
    process.stdout.write(`target: ${t.name}: ${t.value.toFixed(1)} ${t.met ? 'met' : 'MISSED'}\n`)
  const out = join(import.meta.dirname, 'results')
  mkdirSync(out, { recursive: true })
  writeFileSync(
    join(out, 'gas.json'),
    `${JSON.stringify({ date: new Date().toISOString(), baseline, rows, batch: { channels: vouchers.length, gasUsed: Number(batch.gasUsed), perChannel: batchPerChannel }, targets }, null, 2)}\n`,
  )
  process.exitCode = targets.every((t) => t.met) ? 0 : 1
} finally {
  await chain.stop()
}
