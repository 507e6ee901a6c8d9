/** Action: read a license of Licenses (its model, holder, expiry, revocation and the terms it snapshots). */
import type { Address, Client, ReadContractErrorType } from 'viem'
import { readContract } from 'viem/actions'
import { licensesAbi } from '../../contracts.ts'
import { type ContractRevertError, decodeContractError } from '../../errors/contract.ts'
import type { ContractTerms } from '../../models/terms.ts'

export type License = {
  licenseId: bigint
  modelId: bigint
  holder: Address
  /** Unix time it ends; 2^64 − 1 when perpetual. */
  expiresAt: bigint
  revoked: boolean
  /** Valid now: not revoked, not expired. */
  valid: boolean
  /** The terms it was bought under. */
  terms: ContractTerms
}

export type GetLicenseParameters = { licenses: Address; licenseId: bigint }
export type GetLicenseReturnType = License
/** `LicensesUnknownLicense` (a {@link ContractRevertError}) when there is no such license. */
export type GetLicenseErrorType = ContractRevertError | ReadContractErrorType

/**
 * Reads a license.
 *
 * @example
 * const { valid, terms } = await getLicense(client, { licenses, licenseId: 1n })
 */
export async function getLicense(client: Client, { licenses, licenseId }: GetLicenseParameters): Promise<License> {
  try {
    const [license, holder, valid] = await Promise.all([
      readContract(client, { address: licenses, abi: licensesAbi, functionName: 'getLicense', args: [licenseId] }),
      readContract(client, { address: licenses, abi: licensesAbi, functionName: 'ownerOf', args: [licenseId] }),
      readContract(client, { address: licenses, abi: licensesAbi, functionName: 'isValid', args: [licenseId] }),
    ])
    const { modelId, expiresAt, revoked, terms } = license
    return { licenseId, modelId, holder, expiresAt, revoked, valid, terms }
  } catch (error) {
    throw decodeContractError(error)
  }
}
