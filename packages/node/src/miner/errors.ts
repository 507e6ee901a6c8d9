/** The miner's errors, each a {@link NodeError} with a stable code. Payment refusals are in payments/refusals.ts. */
import { NodeError } from '../common/errors.ts'

/** The miner's key is registered in a subnet under another role: signing with it would overwrite that neuron. */
export class MinerKeyInUseError extends NodeError {
  override name = 'MinerKeyInUseError'
  constructor(message: string) {
    super('KEY_IN_USE', message, { exitCode: 2 })
  }
}
