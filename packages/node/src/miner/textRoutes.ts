/**
 * The miner's text routes: OpenAI-compatible `/v1/chat/completions` and `/v1/completions`, with `stream: true` as
 * server-sent events. A request is checked (model, max_tokens, prompt length) before it is paid for, and paid for
 * (see admission.ts) before its model runs; a model that fails releases the payment ("Nothing was charged"), and a
 * client that leaves mid-stream is billed what it received.
 */
import type { Context } from 'hono'
import { streamSSE } from 'hono/streaming'
import type { Common } from '../common/common.ts'
import { errorBody } from '../http/errors.ts'
import type { Generation, Usage } from '../inference/backend.ts'
import { MAX_PROMPT_TOKENS } from '../inference/offer.ts'
import {
  chatChunk,
  chatCompletion,
  chatCompletionRequest,
  chatMessages,
  completionRequest,
  type FinishReason,
  requestProblem,
  stopList,
  textCompletion,
  usageJson,
} from '../inference/openai.ts'
import type { MinerAdmission } from './admission.ts'
import { fail, type ModelFinder, readJson } from './http.ts'
import type { MinerLedger } from './ledger.ts'
import { issueReceipt, RECEIPT_HEADER, type ReceiptIssuer } from './receipts.ts'

/** max_tokens when a request does not say (at most the model's limit). */
const DEFAULT_MAX_TOKENS = 128

export type TextRouteParameters = {
  findModel: ModelFinder
  admission: Pick<MinerAdmission, 'pay' | 'settle'>
  ledger: Pick<MinerLedger, 'release'>
  log: Common['logger']
  /** Aborted when the miner stops: every generation ends before its models close. */
  stopping: AbortSignal
  /** Signs and stores each answer's provenance receipt. */
  receipts?: ReceiptIssuer | undefined
}

/** The handler of a chat (`kind` chat) or text completion request. */
export function createTextHandler({ findModel, admission, ledger, log, stopping, receipts }: TextRouteParameters) {
  const pay = admission.pay
  const settle = admission.settle
  return async function text(c: Context, kind: 'chat' | 'completion') {
    const body = await readJson(c)
    if (!body.ok) return body.response
    const parsed = (kind === 'chat' ? chatCompletionRequest : completionRequest).safeParse(body.value)
    if (!parsed.success) {
      const { code, message, param } = requestProblem(parsed.error)
      return fail(c, 400, code, message, { param })
    }
    const request = parsed.data
    const served = findModel(c, request.model, 'text')
    if (served instanceof Response) return served
    const model = served.model
    const limit = model.text?.maxTokens ?? 0
    const asked =
      (kind === 'chat' ? (request as { max_completion_tokens?: number | null }).max_completion_tokens : undefined) ??
      request.max_tokens ??
      Math.min(DEFAULT_MAX_TOKENS, limit)
    if (asked > limit)
      return fail(c, 400, 'MAX_TOKENS_TOO_LARGE', `max_tokens may be at most ${limit} for model "${model.id}".`)
    const promptChars =
      kind === 'chat'
        ? chatMessages(request as Parameters<typeof chatMessages>[0]).reduce((sum, m) => sum + m.content.length, 0)
        : [(request as { prompt: string | string[] }).prompt].flat().join('').length
    const charsPerToken = model.backend === 'onnx' ? 1 : 4
    if (promptChars > MAX_PROMPT_TOKENS * charsPerToken) {
      return fail(
        c,
        400,
        'PROMPT_TOO_LONG',
        `The prompt may be at most ${MAX_PROMPT_TOKENS} tokens (${MAX_PROMPT_TOKENS * charsPerToken} characters) for model "${model.id}".`,
      )
    }

    const admission = await pay(c, served, body.raw)
    if (admission instanceof Response) return admission
    const controller = new AbortController()
    const prompt = kind === 'chat' ? undefined : (request as { prompt: string | string[] }).prompt
    const generation = model.text?.generate({
      ...(kind === 'chat'
        ? { messages: chatMessages(request as Parameters<typeof chatMessages>[0]) }
        : { prompt: typeof prompt === 'string' ? prompt : (prompt?.[0] ?? '') }),
      maxTokens: asked,
      temperature: request.temperature ?? 1,
      topP: request.top_p ?? 1,
      seed: request.seed ?? undefined,
      stop: stopList(request.stop),
      // Stopping the miner ends every generation before its models close.
      signal: AbortSignal.any([controller.signal, stopping]),
    }) as Generation
    const id = `${kind === 'chat' ? 'chatcmpl' : 'cmpl'}-${crypto.randomUUID()}`
    const created = Math.floor(Date.now() / 1000)
    const finishOf = (usage: Usage): FinishReason => (usage.completionTokens >= asked ? 'length' : 'stop')

    if (!request.stream) {
      let textOut = ''
      let usage: Usage
      try {
        for (;;) {
          const step = await generation.next()
          if (step.done) {
            usage = step.value
            break
          }
          textOut += step.value
        }
      } catch (error) {
        ledger.release(admission)
        // Stopping aborts every generation: nothing failed, the client is gone with the server.
        if (!stopping.aborted) {
          log.warn({ msg: 'generation failed', model: model.id, err: (error as Error).message })
        }
        return fail(
          c,
          502,
          'BACKEND_FAILED',
          `Model "${model.id}" failed: ${(error as Error).message}. Nothing was charged.`,
        )
      }
      const receipt = await settle(admission, served, usage.promptTokens + usage.completionTokens)
      const bodyOut =
        kind === 'chat'
          ? chatCompletion(id, model.id, created, textOut, finishOf(usage), usage)
          : textCompletion(id, model.id, created, textOut, finishOf(usage), usage)
      const provenance = issueReceipt(receipts, served, body.raw, textOut)
      if (provenance) c.header(RECEIPT_HEADER, provenance.header)
      return c.json({ ...bodyOut, mycel: { ...receipt, ...(provenance ? { provenance: provenance.json } : {}) } })
    }

    const includeUsage = request.stream_options?.include_usage === true
    return streamSSE(c, async (stream) => {
      stream.onAbort(() => controller.abort())
      let usage: Usage | undefined
      let pieces = 0
      let textOut = ''
      try {
        if (kind === 'chat')
          await stream.writeSSE({
            data: JSON.stringify(chatChunk(id, model.id, created, { role: 'assistant', content: '' }, null)),
          })
        for (;;) {
          const step = await generation.next()
          if (step.done) {
            usage = step.value
            break
          }
          const chunk =
            kind === 'chat'
              ? chatChunk(id, model.id, created, { content: step.value }, null)
              : textCompletion(id, model.id, created, step.value, null)
          pieces += 1
          textOut += step.value
          await stream.writeSSE({ data: JSON.stringify(chunk) })
        }
      } catch (error) {
        if (controller.signal.aborted) {
          // The client left mid-stream: what it received was served (at least a token per piece).
          await settle(admission, served, pieces)
          return
        }
        ledger.release(admission)
        if (!stopping.aborted) {
          log.warn({ msg: 'generation failed', model: model.id, err: (error as Error).message })
        }
        await stream.writeSSE({
          data: JSON.stringify(
            errorBody(
              'BACKEND_FAILED',
              `Model "${model.id}" failed: ${(error as Error).message}. Nothing was charged.`,
            ),
          ),
        })
        return
      }
      // Recorded before the last chunk: a client that saw the end was charged in the ledger.
      const receipt = await settle(admission, served, usage.promptTokens + usage.completionTokens)
      const finish = finishOf(usage)
      const last =
        kind === 'chat'
          ? chatChunk(id, model.id, created, {}, finish)
          : textCompletion(id, model.id, created, '', finish)
      // The receipt rides in the last chunk: the whole output is known only now.
      const provenance = issueReceipt(receipts, served, body.raw, textOut)
      await stream.writeSSE({
        data: JSON.stringify(provenance ? { ...last, mycel: { provenance: provenance.json } } : last),
      })
      const usageChunk = {
        ...(kind === 'chat'
          ? chatChunk(id, model.id, created, {}, null)
          : textCompletion(id, model.id, created, '', null)),
        choices: [],
        usage: usageJson(usage),
        mycel: receipt,
      }
      if (includeUsage) await stream.writeSSE({ data: JSON.stringify(usageChunk) })
      await stream.writeSSE({ data: '[DONE]' })
    })
  }
}
