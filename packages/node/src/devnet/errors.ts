/** The devnet manager's own errors, each a {@link NodeError} with a stable code (the shared ones are in common/errors.ts). */
import { NodeError } from '../common/errors.ts'

/** The operating system listened on port 0 but reported no port (freePort). */
export class NoFreePortError extends NodeError {
  override name = 'NoFreePortError'
  readonly host: string
  constructor(host: string) {
    super('NO_FREE_PORT', 'no port')
    this.host = host
  }
}
