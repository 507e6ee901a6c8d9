/**
 * The error base of the SDK, shaped like viem's: a short message for people, details for debugging, an optional
 * pointer into the docs, and the cause. Every leaf error carries the values needed to understand it.
 */
export type BaseErrorParameters = {
  details?: string | undefined
  docsPath?: string | undefined
  cause?: unknown
}

export class BaseError extends Error {
  override name = 'MycelError'
  readonly shortMessage: string
  readonly details: string | undefined
  readonly docsPath: string | undefined

  constructor(shortMessage: string, parameters: BaseErrorParameters = {}) {
    const lines = [shortMessage]
    if (parameters.details) lines.push('', `Details: ${parameters.details}`)
    if (parameters.docsPath) lines.push(`Docs: docs/${parameters.docsPath}`)
    super(lines.join('\n'), parameters.cause === undefined ? undefined : { cause: parameters.cause })
    this.shortMessage = shortMessage
    this.details = parameters.details
    this.docsPath = parameters.docsPath
  }
}
