/** Errors of the shared chain modules, each with a stable code. */
import { NodeError } from '../common/errors.ts'

/** Why a deployments file is invalid (wrapped into the DEPLOYMENTS_CORRUPT error the user sees). */
export class DeploymentsInvalidError extends NodeError {
  override name = 'DeploymentsInvalidError'
  constructor(reason: string) {
    super('DEPLOYMENTS_INVALID', reason)
  }
}

/** A deployments file that cannot be used: what is wrong with it and how to fix it. */
export class DeploymentsCorruptError extends NodeError {
  override name = 'DeploymentsCorruptError'
  constructor({ file, reason, cause }: { file: string; reason: string; cause?: unknown }) {
    super(
      'DEPLOYMENTS_CORRUPT',
      `The deployments file ${file} is unreadable (${reason}). Fix or remove it, then run \`mycel deploy\` again.`,
      { cause },
    )
  }
}
