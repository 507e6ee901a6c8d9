/** Action: the valid active license of a holder for a model (what a claim and a gateway check). */
import type { Address, Client, ReadContractErrorType } from 'viem'
import { readContract } from 'viem/actions'
import { licensesAbi } from '../../contracts.ts'
import { decodeContractError } from '../../errors/contract.ts'

export type HasValidLicenseParameters = { licenses: Address; holder: Address; modelId: bigint }
/** `licenseId` 0 when the holder has no valid license for the model. */
export type HasValidLicenseReturnType = { valid: boolean; licenseId: bigint; royaltyBps: number }
export type HasValidLicenseErrorType = ReadContractErrorType

/**
 * Whether `holder` has a valid (unexpired, unrevoked) active license for `modelId`, and its royalty.
 *
 * @example
 * const { valid, royaltyBps } = await hasValidLicense(client, { licenses, holder: miner, modelId: 1n })
 */
export async function hasValidLicense(
  client: Client,
  { licenses, holder, modelId }: HasValidLicenseParameters,
): Promise<HasValidLicenseReturnType> {
  try {
    const [licenseId, royaltyBps] = await readContract(client, {
      address: licenses,
      abi: licensesAbi,
      functionName: 'validLicense',
      args: [holder, modelId],
    })
    return { valid: licenseId !== 0n, licenseId, royaltyBps }
  } catch (error) {
    throw decodeContractError(error)
  }
}
