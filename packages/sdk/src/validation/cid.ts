/** CID checks for the strings the registry stores (scoring specs, neuron metadata). */
import { CID } from 'multiformats/cid'
import { BaseError } from '../errors/base.ts'

export class InvalidCidError extends BaseError {
  override name = 'InvalidCidError' as const
  readonly value: string
  constructor({ value, cause }: { value: string; cause?: unknown }) {
    super(`${JSON.stringify(value)} is not a valid CID (expected e.g. bafkrei…, a CIDv1 in base32).`, { cause })
    this.value = value
  }
}

/** Parses `value` as a CID (v0 or v1) and returns its canonical string; throws {@link InvalidCidError}. */
export function parseCid(value: string): string {
  try {
    return CID.parse(value).toString()
  } catch (cause) {
    throw new InvalidCidError({ value, cause })
  }
}
