/** Errors of the node's options: a config file that cannot be used. Each names the file and the fix. */
import { InvalidOptionsError } from '../common/errors.ts'

/** The config file exists but cannot be read as a JSON object (unreadable, bad JSON, or an array / a value). */
export class InvalidConfigFileError extends InvalidOptionsError {
  override name = 'InvalidConfigFileError'
  readonly file: string
  readonly reason: string
  constructor({ file, reason }: { file: string; reason: string }) {
    super(`Invalid config file ${file}: ${reason}. Fix the JSON or point --config elsewhere.`)
    this.file = file
    this.reason = reason
  }
}
