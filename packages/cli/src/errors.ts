/** CLI-level errors: wrong arguments exit with code 2, like every other usage error. */
import { NodeError } from '@mycel/node'

export function usageError(message: string): NodeError {
  return new NodeError('INVALID_ARGUMENT', message, { exitCode: 2 })
}
