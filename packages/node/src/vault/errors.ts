/**
 * The vault's refusals (docs/data.md "Key release"): each a NodeError with the HTTP status a data request is
 * answered with and a sentence saying what was wrong and how to fix it. A refusal releases nothing and is logged.
 */
import { NodeError } from '../common/errors.ts'

export class DataRequestError extends NodeError {
  override name = 'DataRequestError'
  constructor(
    code: string,
    message: string,
    readonly status: 400 | 403 | 404 | 409,
  ) {
    super(code, message)
  }
  get httpStatus(): number {
    return this.status
  }
}

export const badDataRequest = (message: string) => new DataRequestError('INVALID_DATA_REQUEST', message, 400)
export const refused = (code: string, message: string) => new DataRequestError(code, message, 403)
export const notHere = (code: string, message: string) => new DataRequestError(code, message, 404)
