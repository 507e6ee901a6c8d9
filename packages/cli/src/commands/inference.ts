/**
 * Paid inference from the command line, through the gateway of the node running for this data dir (or --api):
 * `mycel chat "…"` streams a chat completion; `mycel infer <model> <input>` sends a tensor request (a PNG image for
 * `digits`, or a JSON array / KServe v2 body).
 */
import { readFileSync } from 'node:fs'
import { extname } from 'node:path'
import { createSseSplitter, findRunningNode, NodeError, sseData } from '@mycel/node'
import type { Command } from 'commander'
import { PNG } from 'pngjs'
import { type GlobalFlags, nodeOptions } from '../context.ts'
import { usageError } from '../errors.ts'
import { printJson } from '../output.ts'

function gatewayUrl(globals: GlobalFlags, api: string | undefined): string {
  // The base URL, also when given as the OpenAI clients' base URL (…/v1).
  if (api) return api.replace(/\/+$/, '').replace(/\/v1$/, '')
  const options = nodeOptions(globals)
  const node = findRunningNode(options.dataDir)
  if (!node) {
    throw new NodeError(
      'NO_NODE',
      `No node runs for data dir ${options.dataDir}. Start one with \`npm start\` (or \`mycel up\`), or pass --api <url>.`,
    )
  }
  return node.apiUrl
}

/** A request to the gateway; when nothing answers, the error names the URL and what to check. */
async function callGateway(url: string, body: unknown, api: string | undefined): Promise<Response> {
  try {
    return await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause
    const reason = cause?.code ?? cause?.message ?? (error as Error).message
    throw new NodeError(
      'GATEWAY_UNREACHABLE',
      api
        ? `Cannot reach the gateway at ${url} (${reason}). Check that a mycel node runs there (\`npm start\` prints its api URL) and that --api is its base URL, e.g. http://127.0.0.1:8080.`
        : `Cannot reach the gateway at ${url} (${reason}). Check that the node still runs (\`mycel status\`), or pass --api <url>.`,
    )
  }
}

const MODEL_TASK_TIMEOUT_MS = 3_000

/** The task of `model` as the gateway lists it (`text-generation`, `tensor`), if it answers within 3 s. */
async function modelTask(base: string, model: string): Promise<string | undefined> {
  // Only to word an error better: a gateway that hangs must not hold the command (the readable error stands).
  const response = await fetch(`${base}/v1/models/${encodeURIComponent(model)}`, {
    signal: AbortSignal.timeout(MODEL_TASK_TIMEOUT_MS),
  }).catch(() => undefined)
  if (!response?.ok) return undefined
  return ((await response.json().catch(() => ({}))) as { mycel?: { task?: string } }).mycel?.task
}

/** The gateway's error, with the command that fits when the model does another task than this command's. */
async function failure(response: Response, fits?: { code: 'WRONG_TASK'; hint: string }): Promise<NodeError> {
  const error = await gatewayError(response)
  if (fits && error.code === fits.code) return usageError(fits.hint)
  return error
}

async function gatewayError(response: Response): Promise<NodeError> {
  const body = (await response.json().catch(() => ({}))) as { error?: { code?: string; message?: string } }
  return new NodeError(
    body.error?.code ?? `HTTP_${response.status}`,
    body.error?.message ?? `The gateway answered HTTP ${response.status}.`,
  )
}

const intOption = (name: string, value: string | undefined, min: number, max: number) => {
  if (value === undefined) return undefined
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max)
    throw usageError(`${name} must be an integer from ${min} to ${max}, got ${value}.`)
  return Number(value)
}

/** The `mycel` receipt of a paid answer (miner/admission.ts MinerReceipt). */
type PaymentReceipt = {
  cost?: string
  channelId?: string
  royalty?: { modelId: string; totalBps: number; amount: string; route?: { modelId: string; amount: string }[] }
}

/** "paid 1000 token units on channel 3 · royalty 130 (13 %): model 3 30, model 1 100" */
function paidLine(r: PaymentReceipt): string {
  const paid = `paid ${r.cost} token units on channel ${r.channelId}`
  if (!r.royalty) return paid
  const route = r.royalty.route ?? [{ modelId: r.royalty.modelId, amount: r.royalty.amount }]
  const parts = route.map((e) => `model ${e.modelId} ${e.amount}`).join(', ')
  return `${paid} · royalty ${r.royalty.amount} (${r.royalty.totalBps / 100} %): ${parts}`
}

export function chatCommand(program: Command) {
  program
    .command('chat')
    .description('Ask a text model through the gateway; the answer streams and is paid through a channel')
    .argument('<message...>', 'what to say')
    .option('--model <id>', 'model id (see GET /v1/models)', 'text')
    .option('--max-tokens <n>', 'most tokens to generate', '120')
    .option('--temperature <t>', 'sampling temperature, 0 (greedy) to 2', '0.8')
    .option('--seed <n>', 'seed for reproducible sampling')
    .option('--api <url>', 'gateway base URL (default: the node running for --data-dir)')
    .action(
      async (
        words: string[],
        flags: { model: string; maxTokens: string; temperature: string; seed?: string; api?: string },
        command: Command,
      ) => {
        const globals = command.optsWithGlobals<GlobalFlags>()
        const temperature = Number(flags.temperature)
        if (!Number.isFinite(temperature) || temperature < 0 || temperature > 2)
          throw usageError(`--temperature must be from 0 to 2, got ${flags.temperature}.`)
        const body = {
          model: flags.model,
          messages: [{ role: 'user', content: words.join(' ') }],
          max_tokens: intOption('--max-tokens', flags.maxTokens, 1, 100_000),
          temperature,
          ...(flags.seed !== undefined ? { seed: intOption('--seed', flags.seed, 0, 2 ** 31) } : {}),
          stream: !globals.json,
          ...(globals.json ? {} : { stream_options: { include_usage: true } }),
        }
        const response = await callGateway(`${gatewayUrl(globals, flags.api)}/v1/chat/completions`, body, flags.api)
        if (!response.ok) {
          throw await failure(response, {
            code: 'WRONG_TASK',
            hint: `Model "${flags.model}" does not chat: it takes tensors (e.g. an image). Use \`mycel infer ${flags.model} <input>\`, e.g. \`mycel infer digits models/digits/samples/7.png\`.`,
          })
        }
        if (globals.json) {
          printJson(await response.json())
          return
        }
        const events = createSseSplitter()
        let receipt: { usage?: { total_tokens?: number }; mycel?: PaymentReceipt } | undefined
        const reader = (response.body as ReadableStream<Uint8Array>).getReader()
        for (;;) {
          const { done, value } = await reader.read()
          if (done) break
          for (const event of events.push(value)) {
            const data = sseData(event)
            if (data === undefined || data === '[DONE]') continue
            const chunk = JSON.parse(data) as {
              choices?: { delta?: { content?: string } }[]
              usage?: { total_tokens?: number }
              error?: { message?: string }
            }
            if (chunk.error) throw new NodeError('BACKEND_FAILED', chunk.error.message ?? 'the model failed')
            if (chunk.usage) receipt = chunk
            const piece = chunk.choices?.[0]?.delta?.content
            if (piece) process.stdout.write(piece)
          }
        }
        process.stdout.write('\n')
        if (receipt?.mycel) {
          process.stderr.write(`(${receipt.usage?.total_tokens ?? '?'} tokens · ${paidLine(receipt.mycel)})\n`)
        }
      },
    )
}

/** A PNG as 784 values in [0, 1], white digit on black like MNIST (inverted when the image is mostly light). */
export function pngToMnist(bytes: Buffer): number[] {
  let png: PNG
  try {
    png = PNG.sync.read(bytes)
  } catch (error) {
    throw usageError(`Not a readable PNG: ${(error as Error).message}.`)
  }
  const { width, height, data } = png
  const gray = new Float64Array(width * height)
  for (let i = 0; i < width * height; i++) {
    const a = (data[i * 4 + 3] as number) / 255
    const v =
      ((data[i * 4] as number) * 0.299 + (data[i * 4 + 1] as number) * 0.587 + (data[i * 4 + 2] as number) * 0.114) /
      255
    gray[i] = v * a + (1 - a) // transparent counts as white paper
  }
  // Box-average down (or nearest up) to 28 × 28.
  const out: number[] = []
  for (let y = 0; y < 28; y++) {
    for (let x = 0; x < 28; x++) {
      const x0 = Math.floor((x * width) / 28)
      const x1 = Math.max(x0 + 1, Math.floor(((x + 1) * width) / 28))
      const y0 = Math.floor((y * height) / 28)
      const y1 = Math.max(y0 + 1, Math.floor(((y + 1) * height) / 28))
      let sum = 0
      for (let yy = y0; yy < y1; yy++) for (let xx = x0; xx < x1; xx++) sum += gray[yy * width + xx] as number
      out.push(sum / ((x1 - x0) * (y1 - y0)))
    }
  }
  const mean = out.reduce((a, b) => a + b, 0) / out.length
  return mean > 0.5 ? out.map((v) => 1 - v) : out
}

export function inferCommand(program: Command) {
  program
    .command('infer')
    .description('Run a tensor model through the gateway (paid): e.g. `mycel infer digits image.png`')
    .argument('<model>', 'model id, e.g. digits')
    .argument('<input>', 'a PNG image (digits), a JSON array of numbers, or a KServe v2 request body (.json)')
    .option('--api <url>', 'gateway base URL (default: the node running for --data-dir)')
    .action(async (model: string, input: string, flags: { api?: string }, command: Command) => {
      const globals = command.optsWithGlobals<GlobalFlags>()
      let bytes: Buffer
      try {
        bytes = readFileSync(input)
      } catch (error) {
        throw usageError(`Cannot read ${input}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`)
      }
      let body: unknown
      if (extname(input).toLowerCase() === '.png') {
        body = { inputs: [{ name: 'input', shape: [1, 784], datatype: 'FP32', data: pngToMnist(bytes) }] }
      } else {
        let parsed: unknown
        try {
          parsed = JSON.parse(bytes.toString('utf8'))
        } catch {
          throw usageError(`${input} is neither a .png nor JSON.`)
        }
        const isBody =
          typeof parsed === 'object' && parsed !== null && Array.isArray((parsed as { inputs?: unknown }).inputs)
        if (!Array.isArray(parsed) && !isBody) {
          throw usageError(
            `${input} is not an input model "${model}" takes: give a PNG image (for digits), a JSON array of numbers, or a KServe v2 request body ({"inputs": [...]}).`,
          )
        }
        body = Array.isArray(parsed)
          ? { inputs: [{ name: 'input', shape: [1, parsed.length], datatype: 'FP32', data: parsed }] }
          : parsed
      }
      const base = gatewayUrl(globals, flags.api)
      const response = await callGateway(`${base}/v2/models/${encodeURIComponent(model)}/infer`, body, flags.api)
      if (!response.ok) {
        const chatHint = `Model "${model}" generates text: use \`mycel chat --model ${model} "<message>"\`.`
        const error = await failure(response, { code: 'WRONG_TASK', hint: chatHint })
        if (response.status === 400 && error.code !== 'INVALID_ARGUMENT') {
          // A text model may take tensors too (its token window): say that chat is what fits it.
          if ((await modelTask(base, model)) === 'text-generation') throw usageError(chatHint)
          // The model refused this input (shape, type, size): say which file, and what the model said.
          throw usageError(`${input} is not an input model "${model}" takes: ${error.shortMessage}`)
        }
        throw error
      }
      const result = (await response.json()) as {
        outputs: { name: string; shape: number[]; data: number[] }[]
        mycel?: PaymentReceipt
      }
      if (globals.json) {
        printJson(result)
        return
      }
      const [first] = result.outputs
      if (first && first.shape.length === 2 && first.shape[0] === 1) {
        const best = first.data.indexOf(Math.max(...first.data))
        process.stdout.write(`${best}  (p = ${(first.data[best] ?? 0).toFixed(3)})\n`)
      } else {
        for (const o of result.outputs)
          process.stdout.write(
            `${o.name} [${o.shape.join(', ')}]: ${o.data.slice(0, 20).join(', ')}${o.data.length > 20 ? ', …' : ''}\n`,
          )
      }
      if (result.mycel) process.stderr.write(`(${paidLine(result.mycel)})\n`)
    })
}
