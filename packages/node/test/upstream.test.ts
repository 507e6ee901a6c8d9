/**
 * The upstream backend against a real OpenAI-compatible server: another mycel node's gateway, which itself pays its
 * miner per request. A miner can so resell any OpenAI-compatible API (Ollama, vLLM, llama.cpp server, …).
 */
import { rmSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '../../../test/helpers/chain.ts'
import { generateAll } from '../../../test/helpers/generation.ts'
import { createLogger } from '../src/common/common.ts'
import { resolveOptions } from '../src/config/options.ts'
import { loadModels, ModelSpecError } from '../src/inference/models.ts'
import { type MycelNode, start } from '../src/start.ts'

const dataDir = tempDir('mycel-upstream-')
let node: MycelNode

beforeAll(async () => {
  node = await start(
    { ...resolveOptions({ env: {}, cwd: dataDir }), dataDir, port: 0, minerPort: 0, logLevel: 'silent' },
    { logger: createLogger('silent') },
  )
})
afterAll(async () => {
  await node?.stop()
  rmSync(dataDir, { recursive: true, force: true })
})

describe('upstream backend', () => {
  it('lists the upstream models and streams a chat completion through it, with usage', async () => {
    const models = await loadModels([`${node.url}/v1`])
    expect(models.map((m) => m.id).sort()).toEqual(['digits', 'text'])
    const text = models.find((m) => m.id === 'text')
    // The context the upstream lists (`context_length`) bounds what is asked of it.
    const listed = (await (await fetch(`${node.url}/v1/models/text`)).json()) as { context_length: number }
    expect(text?.text?.contextLength).toBe(listed.context_length)
    expect(text?.text?.maxTokens).toBe(Math.min(4096, listed.context_length))
    const { pieces, usage } = await generateAll(text, {
      messages: [{ role: 'user', content: 'Hello' }],
      maxTokens: 25,
      temperature: 1,
      seed: 3,
    })
    const out = pieces.join('')
    expect(out.length).toBeGreaterThan(0)
    expect(usage.completionTokens).toBe(25)
    expect(usage.promptTokens).toBe('Hello\n'.length)
    // It was paid: the gateway's channel to its miner counted it.
    const payments = (await (await fetch(`${node.url}/api/payments`)).json()) as { gateway: { paidRequests: number } }
    expect(payments.gateway.paidRequests).toBeGreaterThan(0)
  })

  it('refuses model specs it cannot serve, saying why', async () => {
    for (const [spec, reason] of [
      ['http://127.0.0.1:9/v1', /Cannot list the models of the upstream/],
      ['./nope.onnx', /does not exist/],
      ['model.gguf', /does not exist/],
      ['weights.bin', /expected a built-in model/],
      ['bad id!=./x.onnx', /not a valid model id/],
    ] as const) {
      const error = await loadModels([spec]).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ModelSpecError)
      expect((error as Error).message).toMatch(reason)
    }
  })
})
