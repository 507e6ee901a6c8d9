/**
 * The gateway as the official `openai` client and the CLI meet it after `npm start`: `models.retrieve`, each model's
 * context length, unsupported request fields refused by name (before any miner is paid), fields that cannot change
 * the answer accepted, and the CLI naming the command that fits a model's task.
 */
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MAX_PROMPT_TOKENS } from '../packages/node/src/inference/offer.ts'
import { MAX_TEXT_TOKENS } from '../packages/node/src/inference/onnx.ts'
import { tempDir } from './helpers/chain.ts'
import { type RunningUp, runCli, startUp } from './helpers/cli.ts'

const dataDir = tempDir('mycel-openai-')
let node: RunningUp
let openai: OpenAI

beforeAll(async () => {
  node = await startUp(dataDir, { MYCEL_SUBNET_DEMO: 'false', MYCEL_VALIDATOR: 'off', MYCEL_EPOCHS: 'off' })
  openai = new OpenAI({ baseURL: node.summary.gateway ?? '', apiKey: 'not-needed' })
})
afterAll(async () => {
  await node?.stop()
  rmSync(dataDir, { recursive: true, force: true })
})

const cli = (...args: string[]) => runCli(['--data-dir', dataDir, ...args])
/** Requests the node's miner has seen, whatever their answer (the only miner here: the demo subnet is off). */
const minerRequests = async () => {
  const text = await (await fetch(`${node.summary.api}/metrics`)).text()
  return text
    .split('\n')
    .filter((line) => line.startsWith('mycel_miner_http_requests_total{'))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0)
}
const paidRequests = async () =>
  ((await (await fetch(`${node.summary.api}/api/payments`)).json()) as { gateway: { paidRequests: number } }).gateway
    .paidRequests

describe('the gateway speaks OpenAI', () => {
  it('answers models.retrieve with the listed model object, and a 404 in OpenAI’s error shape', async () => {
    const text = await openai.models.retrieve('text')
    // The built-in text model: the longest prompt a miner takes and the most it generates.
    expect(text).toMatchObject({
      id: 'text',
      object: 'model',
      owned_by: 'mycel',
      context_length: MAX_PROMPT_TOKENS + MAX_TEXT_TOKENS,
    })
    expect(await openai.models.retrieve('digits')).toMatchObject({ id: 'digits', context_length: null })
    const listed = await openai.models.list()
    expect(listed.data.find((m) => m.id === 'text')).toEqual(text)
    expect(listed.data.every((m) => 'context_length' in m)).toBe(true)

    const unknown = await openai.models.retrieve('gpt-none').catch((e: unknown) => e)
    expect(unknown).toBeInstanceOf(OpenAI.NotFoundError)
    expect(unknown).toMatchObject({
      status: 404,
      code: 'MODEL_NOT_FOUND',
      param: 'model',
      type: 'invalid_request_error',
    })
    const slashed = await fetch(`${node.summary.gateway}/models/org/model`)
    expect(slashed.status).toBe(404)
    expect(((await slashed.json()) as { error: { message: string } }).error.message).toContain('"org/model"')
  })

  it('refuses unsupported fields with a 400 naming them, before any miner is paid', async () => {
    const messages = [{ role: 'user' as const, content: 'Hi' }]
    const paidBefore = await paidRequests()
    const seenBefore = await minerRequests()
    expect(seenBefore).toBeGreaterThan(0) // the gateway read the miner's offer: the count is there to compare
    for (const [param, extra] of [
      ['response_format', { response_format: { type: 'json_object' } }],
      ['logprobs', { logprobs: true }],
      ['top_logprobs', { top_logprobs: 2 }],
      ['tools', { tools: [{ type: 'function', function: { name: 'f' } }] }],
      ['n', { n: 2 }],
      ['frequency_penalty', { frequency_penalty: 0.5 }],
      ['top_k', { top_k: 40 }],
      [
        'messages.0.content.1.type',
        {
          messages: [
            {
              role: 'user',
              content: [
                { type: 'text', text: 'What is this?' },
                { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
              ],
            },
          ],
        },
      ],
    ] as const) {
      const refused = await openai.chat.completions
        .create({ model: 'text', messages, max_tokens: 5, ...extra } as never)
        .catch((e: unknown) => e)
      expect(refused, param).toBeInstanceOf(OpenAI.BadRequestError)
      expect(refused, param).toMatchObject({ status: 400, code: 'UNSUPPORTED_FIELD', param })
      expect((refused as Error).message).toContain(`${param}: `)
    }
    const echo = await openai.completions.create({ model: 'text', prompt: 'x', echo: true }).catch((e: unknown) => e)
    expect(echo).toMatchObject({ status: 400, code: 'UNSUPPORTED_FIELD', param: 'echo' })
    expect(await paidRequests()).toBe(paidBefore)
    // Refused by the gateway: no miner saw any of these requests (so none refused it either).
    expect(await minerRequests()).toBe(seenBefore)
  })

  it('accepts fields that ask for nothing and those that cannot change the answer', async () => {
    const accepted = await openai.chat.completions.create({
      model: 'text',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
      max_tokens: 5,
      logprobs: false,
      response_format: { type: 'text' },
      frequency_penalty: 0,
      user: 'someone',
      metadata: { run: 'test' },
    })
    expect(accepted.choices[0]?.message.content?.length).toBeGreaterThan(0)
  })
})

describe('the CLI names the command that fits a model', () => {
  it('infer on a text model, chat on a tensor model, and an input the model refuses', async () => {
    const sample = join(import.meta.dirname, '..', 'models', 'digits', 'samples', '7.png')
    const textAsTensor = await cli('infer', 'text', sample)
    expect(textAsTensor.code).toBe(2)
    expect(textAsTensor.stderr.trim()).toBe(
      'mycel: Model "text" generates text: use `mycel chat --model text "<message>"`.',
    )
    const digitsAsChat = await cli('chat', '--model', 'digits', 'Hello')
    expect(digitsAsChat.code).toBe(2)
    expect(digitsAsChat.stderr.trim()).toBe(
      'mycel: Model "digits" does not chat: it takes tensors (e.g. an image). Use `mycel infer digits <input>`, e.g. `mycel infer digits models/digits/samples/7.png`.',
    )
    const ten = join(dataDir, 'ten.json')
    writeFileSync(ten, JSON.stringify(new Array(10).fill(0)))
    const wrongShape = await cli('infer', 'digits', ten)
    expect(wrongShape.code).toBe(2)
    expect(wrongShape.stderr).toMatch(new RegExp(`^mycel: ${ten} is not an input model "digits" takes: .*784`))
  })
})
