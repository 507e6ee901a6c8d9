/**
 * Request-body limits of the inference APIs, shared by the miner and the gateway: a JSON 413 with a stable code, and
 * `connection: close`, since the rest of the body is not read and the client must not reuse the connection.
 */
import type { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { errorBody } from './errors.ts'

/** Largest request body on `/v1` (chat and completions). */
export const MAX_TEXT_BODY = 1 << 20
/** Largest request body on `/v2` (tensors as JSON). */
export const MAX_TENSOR_BODY = 16 << 20

export function limitRequestBodies(app: Hono): void {
  for (const [path, maxSize] of [
    ['/v1/*', MAX_TEXT_BODY],
    ['/v2/*', MAX_TENSOR_BODY],
  ] as const) {
    app.use(
      path,
      bodyLimit({
        maxSize,
        onError: (c) => {
          c.header('connection', 'close')
          return c.json(errorBody('BODY_TOO_LARGE', `The request body exceeds ${maxSize} bytes.`), 413)
        },
      }),
    )
  }
}
