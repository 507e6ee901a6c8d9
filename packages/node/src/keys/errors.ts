/** Errors of the keystore: a wrong password, and a key file or name that cannot be used. */
import { NodeError } from '../common/errors.ts'

/** The password does not open the key (its MAC does not match). */
export class WrongPasswordError extends NodeError {
  override name = 'WrongPasswordError'
  constructor(name: string) {
    super('WRONG_PASSWORD', `Wrong password for key "${name}" (the keystore MAC does not match).`)
  }
}

/** A key name, file, KDF or cipher the keystore cannot use; the message says which and what to do. */
export class KeystoreError extends NodeError {
  override name = 'KeystoreError'
  constructor(message: string) {
    super('KEYSTORE', message, { exitCode: 2 })
  }
}
