/**
 * The GGUF backend (llama.cpp through the optional node-llama-cpp) on a tiny llama-architecture model the project
 * writes itself (models/tiny-llama): loading, streamed generation with token counts, and a paid chat completion
 * through a miner.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { type MycelAddresses, openChannel, signVoucher } from '@mycel/sdk'
import { parseEther } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTinyLlama } from '../../../models/tiny-llama/build.ts'
import {
  deployTestContracts,
  fundAccounts,
  startTestChain,
  type TestChain,
  tempDir,
} from '../../../test/helpers/chain.ts'
import { generateAll } from '../../../test/helpers/generation.ts'
import { startTestMiner, type TestMiner } from '../../../test/helpers/miner.ts'
import { devnetAccount } from '../src/devnet/accounts.ts'
import { loadModels } from '../src/inference/models.ts'
import { encodeVoucherHeader, VOUCHER_HEADER } from '../src/payments/voucherHeader.ts'

const file = join(tempDir('mycel-gguf-'), 'tiny-llama.gguf')
let t: TestChain
let addresses: MycelAddresses
let miner: TestMiner

beforeAll(async () => {
  writeFileSync(file, buildTinyLlama())
  t = await startTestChain()
  addresses = await deployTestContracts(t)
  await fundAccounts(t, addresses, [1], { myc: parseEther('1'), usd: 10n ** 9n })
  miner = await startTestMiner(t, addresses, { models: [`tiny=${file}`] })
})
afterAll(async () => {
  await miner?.stop()
  await t?.stop()
})

describe('GGUF backend', () => {
  it('loads a llama-architecture GGUF and streams a completion, counting tokens', async () => {
    const [model] = await loadModels([`tiny=${file}`])
    try {
      expect(model?.backend).toBe('gguf')
      const { pieces, usage } = await generateAll(model, {
        messages: [{ role: 'user', content: 'Hello there' }],
        maxTokens: 12,
        temperature: 0.8,
        seed: 3,
      })
      expect(pieces.length).toBeGreaterThan(0)
      expect(usage.promptTokens).toBeGreaterThan(0)
      expect(usage.completionTokens).toBeGreaterThan(0)
      expect(usage.completionTokens).toBeLessThanOrEqual(12)
    } finally {
      await model?.close()
    }
  })

  it('serves it through a miner as a paid, streamed chat completion', async () => {
    const { channelId } = await openChannel(t.wallet(1), {
      paymentChannels: addresses.paymentChannels,
      payee: miner.payee,
      token: addresses.testUsd as `0x${string}`,
      amount: 10n ** 7n,
    })
    const v = { channelId, cumulativeAmount: 1_000n, cumulativeRequests: 1n, cumulativeUnits: 0n }
    const voucher = {
      ...v,
      signature: await signVoucher(devnetAccount(1), { chainId: 31337, paymentChannels: addresses.paymentChannels }, v),
    }
    const response = await fetch(`${miner.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [VOUCHER_HEADER]: encodeVoucherHeader(voucher) },
      body: JSON.stringify({
        model: 'tiny',
        messages: [{ role: 'user', content: 'Hi' }],
        max_tokens: 10,
        stream: true,
        stream_options: { include_usage: true },
      }),
    })
    expect(response.status).toBe(200)
    const events = (await response.text())
      .split('\n')
      .filter((l) => l.startsWith('data: '))
      .map((l) => l.slice(6))
    expect(events.at(-1)).toBe('[DONE]')
    const usage = JSON.parse(events.at(-2) ?? '{}').usage
    expect(usage.completion_tokens).toBeGreaterThan(0)
    expect(usage.completion_tokens).toBeLessThanOrEqual(10)
    expect(miner.ledger.channel(channelId)?.served).toBeGreaterThan(0n)
  })
})
