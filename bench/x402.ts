/**
 * Gas per paid request, x402 `exact` against mycel-channel, side by side in one run on one anvil.
 *
 * - x402 exact: a real miner paid per request by a client on the official @x402/fetch + @x402/evm; each request is
 *   one `transferWithAuthorization` on TestUSD, sent by the miner (its gas read from the PAYMENT-RESPONSE's
 *   transaction receipt). The miner pays this gas, per request, whatever the traffic.
 * - mycel-channel: a channel's whole on-chain life (approve, open, one claim, the payee's close — as bench/gas.ts
 *   measures it, "claim at close") divided by the requests it paid for, at 1,000 and 10,000 requests.
 *
 * Target (checked, exit 1 when missed): at 1,000 requests a channel costs at most 1% of exact's gas per request.
 * Prints a table and writes bench/results/x402.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import {
  claimVoucher,
  closeChannelByPayee,
  openChannel,
  signVoucher,
  testUsdAbi,
  writeContractAndWait,
} from '@mycel/sdk'
import { decodePaymentResponseHeader } from '@x402/core/http'
import { ExactEvmScheme } from '@x402/evm/exact/client'
import { wrapFetchWithPaymentFromConfig } from '@x402/fetch'
import type { Hex } from 'viem'
import { devnetAccount } from '../packages/node/src/devnet/accounts.ts'
import { deployTestContracts, startTestChain } from '../test/helpers/chain.ts'
import { startTestMiner } from '../test/helpers/miner.ts'
import { chainGas } from './chainGas.ts'

const USD = 1_000_000n
const EXACT_REQUESTS = 20
const mnist = createRequire(import.meta.url)('mnist') as Record<number, { get: (i: number) => number[] }>

const chain = await startTestChain()
try {
  const addresses = await deployTestContracts(chain)
  const usd = addresses.testUsd as `0x${string}`
  const pc = addresses.paymentChannels
  for (const i of [1, 3]) {
    await writeContractAndWait(chain.wallet(0), {
      address: usd,
      abi: testUsdAbi,
      functionName: 'mint',
      args: [chain.wallet(i).account.address, 100_000n * USD],
    })
  }
  const { gasOf, during } = chainGas(chain.publicClient)

  // x402 exact through a real miner (payee: account 2), the client knowing only x402.
  const miner = await startTestMiner(chain, addresses, { models: ['digits'] })
  const price = miner.models[0]?.price.perRequest ?? 0n
  const exactGas: bigint[] = []
  const started = performance.now()
  try {
    const pay = wrapFetchWithPaymentFromConfig(fetch, {
      schemes: [{ network: 'eip155:*', client: new ExactEvmScheme(devnetAccount(3)) }],
      spendControls: { allowedAssets: [{ network: 'eip155:31337', asset: usd, maxAmountPerPayment: '1000000' }] },
    })
    for (let i = 0; i < EXACT_REQUESTS; i++) {
      const response = await pay(`${miner.url}/v2/models/digits/infer`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          inputs: [{ name: 'input', shape: [1, 784], datatype: 'FP32', data: mnist[i % 10]?.get(i) }],
        }),
      })
      if (response.status !== 200) throw new Error(`paid request answered ${response.status}: ${await response.text()}`)
      await response.arrayBuffer()
      const settlement = decodePaymentResponseHeader(response.headers.get('PAYMENT-RESPONSE') ?? '')
      exactGas.push(await gasOf(settlement.transaction as Hex))
    }
  } finally {
    await miner.stop()
  }
  const exactMs = (performance.now() - started) / EXACT_REQUESTS
  const exactPerRequest = Number(exactGas.reduce((a, b) => a + b, 0n)) / exactGas.length

  // mycel-channel: approve + open, one claim of the last voucher, the payee's close.
  const payer = chain.wallet(1)
  const payee = chain.wallet(2)
  async function channelLife(requests: bigint): Promise<number> {
    const opened = await during(() =>
      openChannel(payer, { paymentChannels: pc, payee: payee.account.address, token: usd, amount: requests * price }),
    )
    const { channelId } = opened.result
    let gas = opened.gas
    const voucher = { channelId, cumulativeAmount: requests * price, cumulativeRequests: requests, cumulativeUnits: 0n }
    const signature = await signVoucher(devnetAccount(1), { chainId: 31337, paymentChannels: pc }, voucher)
    gas += (await claimVoucher(payee, { paymentChannels: pc, voucher: { ...voucher, signature } })).gasUsed
    gas += await gasOf((await closeChannelByPayee(payee, { paymentChannels: pc, channelId })).hash)
    return Number(gas)
  }
  const rows = [
    {
      scheme: 'x402 exact',
      requests: EXACT_REQUESTS,
      totalGas: Number(exactGas.reduce((a, b) => a + b, 0n)),
      gasPerRequest: exactPerRequest,
    },
  ]
  for (const n of [1_000n, 10_000n]) {
    const total = await channelLife(n)
    rows.push({ scheme: 'mycel-channel', requests: Number(n), totalGas: total, gasPerRequest: total / Number(n) })
  }
  const channelAt1k = rows.find((r) => r.scheme === 'mycel-channel' && r.requests === 1_000)?.gasPerRequest ?? Infinity
  const ratio = channelAt1k / exactPerRequest
  const targets = [
    {
      name: 'mycel-channel gas/request at 1,000 requests <= 1% of x402 exact',
      value: ratio,
      met: ratio <= 0.01,
    },
  ]

  process.stdout.write(
    `\nx402 exact: ${EXACT_REQUESTS} requests paid through a miner with @x402/fetch, ${exactMs.toFixed(1)} ms per paid request (settled before serving)\n\n`,
  )
  process.stdout.write(
    `${'scheme'.padEnd(16)}${'requests'.padEnd(10)}${'total gas'.padEnd(12)}${'gas/request'.padEnd(13)}ratio to exact\n`,
  )
  for (const r of rows) {
    process.stdout.write(
      `${r.scheme.padEnd(16)}${String(r.requests).padEnd(10)}${String(r.totalGas).padEnd(12)}${r.gasPerRequest.toFixed(1).padEnd(13)}${(r.gasPerRequest / exactPerRequest).toFixed(4)}\n`,
    )
  }
  for (const t of targets)
    process.stdout.write(`target: ${t.name}: ${t.value.toFixed(4)} ${t.met ? 'met' : 'MISSED'}\n`)
  const out = join(import.meta.dirname, 'results')
  mkdirSync(out, { recursive: true })
  writeFileSync(
    join(out, 'x402.json'),
    `${JSON.stringify({ date: new Date().toISOString(), pricePerRequest: Number(price), exactMsPerRequest: exactMs, rows, targets }, null, 2)}\n`,
  )
  process.exitCode = targets.every((t) => t.met) ? 0 : 1
} finally {
  await chain.stop()
}
