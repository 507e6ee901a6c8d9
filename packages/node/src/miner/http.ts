/**
 * The miner's HTTP helpers: the JSON error answer, the JSON body reader (which keeps the raw bytes a validator's
 * signature covers) and the lookup of the model a request names.
 */
import type { Context } from 'hono'
import { sendError } from '../http/errors.ts'
import type { ServedModel } from './served.ts'

export type FailStatus = 400 | 401 | 402 | 403 | 404 | 413 | 502 | 503

/** The JSON error answer (the one envelope of http/errors.ts) with one of the statuses a miner answers with. */
export const fail = (c: Context, status: FailStatus, code: string, message: string, extra = {}) =>
  sendError(c, status, code, message, extra)

/** The request's JSON body and its raw bytes, or the 400 to answer. */
export async function readJson(
  c: Context,
): Promise<{ ok: true; value: unknown; raw: Uint8Array } | { ok: false; response: Response }> {
  const type = c.req.header('content-type') ?? ''
  if (!type.toLowerCase().includes('application/json')) {
    return {
      ok: false,
      response: fail(
        c,
        400,
        'INVALID_CONTENT_TYPE',
        'Send the request body as JSON with content-type: application/json.',
      ),
    }
  }
  // The raw bytes: a validator's signature covers them exactly.
  const raw = new Uint8Array(await c.req.arrayBuffer())
  try {
    return { ok: true, value: JSON.parse(new TextDecoder().decode(raw)), raw }
  } catch {
    return { ok: false, response: fail(c, 400, 'INVALID_JSON', 'The request body is not valid JSON.') }
  }
}

/** The first problem of a zod error, naming the field. */
export const zodMessage = (error: { issues: { path: PropertyKey[]; message: string }[] }) => {
  const issue = error.issues[0]
  return issue ? `${issue.path.map(String).join('.') || 'body'}: ${issue.message}` : 'invalid request'
}

/** Finds the served model a request names, for a task, or answers 404 / 400. */
export function createModelFinder(models: ServedModel[]) {
  const byId = new Map(models.map((m) => [m.model.id, m]))
  return (c: Context, id: string, task: 'text' | 'tensor'): ServedModel | Response => {
    const served = byId.get(id)
    if (!served) {
      return fail(
        c,
        404,
        'MODEL_NOT_FOUND',
        `This miner does not serve model "${id}"; it serves ${[...byId.keys()].map((k) => `"${k}"`).join(', ')}.`,
      )
    }
    if (task === 'text' && !served.model.text) {
      return fail(c, 400, 'WRONG_TASK', `Model "${id}" takes tensors, not text: use POST /v2/models/${id}/infer.`)
    }
    if (task === 'tensor' && !served.model.tensor) {
      return fail(c, 400, 'WRONG_TASK', `Model "${id}" generates text: use POST /v1/chat/completions.`)
    }
    return served
  }
}
export type ModelFinder = ReturnType<typeof createModelFinder>
