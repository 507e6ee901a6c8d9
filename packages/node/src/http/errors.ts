/**
 * The one HTTP error envelope of every mycel server (the node API, the miner, the gateway):
 * `{ "error": { "code", "message", "type", ...extra } }`, OpenAI-compatible (the official clients read `message`,
 * `type`, `code` and `param`), with a stable machine-readable `code`. And the one place that turns a thrown
 * {@link NodeError} into an HTTP status and that body; anything else thrown is a 500 whose body says only where to
 * look (never a stack trace).
 */
import type { Context } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { NodeError } from '../common/errors.ts'

export type ErrorBody = {
  error: { code: string; message: string; type: string; param?: string | null; [extra: string]: unknown }
}

/** The error body; `code` is stable and machine-readable, `extra` adds fields such as `param` or `payment`. */
export const errorBody = (code: string, message: string, extra: Record<string, unknown> = {}): ErrorBody => ({
  error: { code, message, type: code === 'PAYMENT_REQUIRED' ? 'payment_required' : 'invalid_request_error', ...extra },
})

/** The HTTP status of each NodeError code a server may answer with (codes not listed are 500s). */
export const statusOfCode: Readonly<Record<string, ContentfulStatusCode>> = {
  BUDGET_EXHAUSTED: 402,
}

/** Where an error not meant for the client was logged (the 500's message). */
export type ErrorSource = 'node' | 'gateway' | 'miner'

/**
 * The status and body answering `error`: a {@link NodeError} whose code has a status (its own `httpStatus`, or
 * {@link statusOfCode}) gets it with its code and short message; anything else is a 500 `INTERNAL` naming only
 * the server whose log holds the details.
 */
export function errorResponse(
  error: unknown,
  source: ErrorSource = 'node',
): { status: ContentfulStatusCode; body: ErrorBody } {
  if (error instanceof NodeError) {
    // Only errors meant for HTTP callers carry `httpStatus` (GatewayError, PaymentError); a `status` field may hold
    // something else (e.g. the status a remote miner answered a validator with) and is never trusted.
    const own = (error as { httpStatus?: unknown }).httpStatus
    const status = typeof own === 'number' ? (own as ContentfulStatusCode) : statusOfCode[error.code]
    if (status !== undefined) return { status, body: errorBody(error.code, error.shortMessage) }
  }
  return {
    status: 500,
    body: errorBody('INTERNAL', `The ${source} failed to handle this request; see its log.`),
  }
}

/** Answers `c` with the error envelope and `status`. */
export const sendError = (
  c: Context,
  status: ContentfulStatusCode,
  code: string,
  message: string,
  extra: Record<string, unknown> = {},
) => c.json(errorBody(code, message, extra), status)
