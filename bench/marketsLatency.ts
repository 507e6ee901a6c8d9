/**
 * The paid-request overhead of the model market on the miner (issue #14: added p50 latency ≤ 0.2 ms against today's
 * paid path), end to end over loopback HTTP on a real miner (in process, as test/helpers/miner.ts starts it) of a real
 * chain. The miner serves two graded digits classifiers of the same shape (784-16-10, models/digits/graded.ts):
 * `market`, registered with license terms (a model channel: the voucher's split, the cached terms and license
 * lookups, the `RoyaltyVoucher` digest), and `plain`, which the registry does not know (today's plain voucher). The
 * vouchers are signed before the clock starts; requests alternate between the two, one at a time, the first of each
 * pair switching every time, so both see the same machine and neither always goes first.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gradedDigitsOnnx } from '@mycel/models/graded'
import {
  buyLicense,
  type MycelAddresses,
  openChannel,
  registerModel,
  type SignedVoucher,
  signVoucher,
} from '@mycel/sdk'
import type { Address } from 'viem'
import { createContentStore } from '../packages/node/src/content/contentStore.ts'
import { devnetAccount } from '../packages/node/src/devnet/accounts.ts'
import { loadModels } from '../packages/node/src/inference/models.ts'
import { encodeVoucherHeader, VOUCHER_HEADER } from '../packages/node/src/payments/voucherHeader.ts'
import type { TestChain } from '../test/helpers/chain.ts'
import { startTestMiner } from '../test/helpers/miner.ts'

export type LicenseOverhead = { requests: number; plainP50Ms: number; marketP50Ms: number; addedP50Ms: number }

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)] as number
}

/**
 * `requests` paid requests of each kind; the payer is devnet account 1 (funded by the caller), the miner account
 * `minerIndex`, the model's owner account `ownerIndex`.
 */
export async function measureLicenseOverhead(
  chain: TestChain,
  addresses: MycelAddresses,
  { requests = 2_000, price = 1_000n, minerIndex = 5, ownerIndex = 6 } = {},
): Promise<LicenseOverhead> {
  const usd = addresses.testUsd as Address
  const pc = addresses.paymentChannels
  const domain = { chainId: 31337, paymentChannels: pc }
  const dir = mkdtempSync(join(tmpdir(), 'mycel-bench-license-'))
  const plainFile = join(dir, 'plain.onnx')
  const marketFile = join(dir, 'market.onnx')
  writeFileSync(plainFile, gradedDigitsOnnx('digits-200'))
  writeFileSync(marketFile, gradedDigitsOnnx('digits-1000'))
  const [market] = await loadModels([`market=${marketFile}`])
  const weightsCid = await createContentStore(dir).put(market?.weights as Uint8Array)
  await market?.close()
  const { modelId } = await registerModel(chain.wallet(ownerIndex), {
    modelRegistry: addresses.modelRegistry,
    weightsCid,
    cardCid: 'bafkreibenchcard',
    format: 'onnx',
    terms: {
      commercialUse: true,
      derivativesAllowed: true,
      attribution: true,
      royaltyBps: 1_000,
      minPricePerRequest: price,
      currency: usd,
      licenseDuration: 0n,
      mintFee: 0n,
    },
  })
  await buyLicense(chain.wallet(minerIndex), { licenses: addresses.licenses, modelId })
  const miner = await startTestMiner(chain, addresses, {
    payeeIndex: minerIndex,
    models: [`market=${marketFile}`, `plain=${plainFile}`],
  })
  try {
    const payer = chain.wallet(1)
    const open = async () =>
      (
        await openChannel(payer, {
          paymentChannels: pc,
          payee: miner.payee,
          token: usd,
          amount: price * BigInt(requests + 1),
        })
      ).channelId
    const [plainChannel, modelChannel] = [await open(), await open()]
    const sign = async (channelId: bigint, n: bigint, split: boolean): Promise<string> => {
      const amount = n * price
      const voucher = {
        channelId,
        cumulativeAmount: amount,
        cumulativeRequests: n,
        cumulativeUnits: 0n,
        models: split ? [{ modelId, cumulativeAmount: amount }] : [],
      }
      const signed: SignedVoucher = { ...voucher, signature: await signVoucher(devnetAccount(1), domain, voucher) }
      return encodeVoucherHeader(signed)
    }
    const plainVouchers: string[] = []
    const marketVouchers: string[] = []
    for (let i = 1; i <= requests; i++) {
      plainVouchers.push(await sign(plainChannel, BigInt(i), false))
      marketVouchers.push(await sign(modelChannel, BigInt(i), true))
    }
    const mnist = createRequire(import.meta.url)('mnist') as Record<number, { get: (i: number) => number[] }>
    const body = JSON.stringify({
      inputs: [{ name: 'input', shape: [1, 784], datatype: 'FP32', data: mnist[7]?.get(950) }],
    })
    const send = async (model: string, header: string) => {
      const started = performance.now()
      const response = await fetch(`${miner.url}/v2/models/${model}/infer`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [VOUCHER_HEADER]: header },
        body,
      })
      const text = await response.text()
      const ms = performance.now() - started
      if (response.status !== 200) throw new Error(`${model}: HTTP ${response.status}: ${text.slice(0, 300)}`)
      return ms
    }
    // Warm both paths (model load, caches, JIT) with the first tenth, measured from then on.
    const warm = Math.max(1, Math.floor(requests / 10))
    const plainMs: number[] = []
    const marketMs: number[] = []
    for (let i = 0; i < requests; i++) {
      const plainFirst = i % 2 === 0
      const p0 = plainFirst ? await send('plain', plainVouchers[i] as string) : 0
      const m = await send('market', marketVouchers[i] as string)
      const p = plainFirst ? p0 : await send('plain', plainVouchers[i] as string)
      if (i >= warm) {
        plainMs.push(p)
        marketMs.push(m)
      }
    }
    const plainP50Ms = median(plainMs)
    const marketP50Ms = median(marketMs)
    return { requests: plainMs.length, plainP50Ms, marketP50Ms, addedP50Ms: marketP50Ms - plainP50Ms }
  } finally {
    await miner.stop()
  }
}
