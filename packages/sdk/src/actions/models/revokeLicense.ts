/** Action: revoke a license (by the model's owner, its timelock once fractionalized). */
import type { Address } from 'viem'
import { licensesAbi } from '../../contracts.ts'
import { type WriteClient, type WriteContractAndWaitErrorType, writeContractAndWait } from '../write.ts'

export type RevokeLicenseParameters = { licenses: Address; licenseId: bigint }
export type RevokeLicenseReturnType = { hash: `0x${string}` }
export type RevokeLicenseErrorType = WriteContractAndWaitErrorType

/**
 * Revokes `licenseId` at once: claims paying its model more revert for its holder from now on.
 *
 * @example
 * await revokeLicense(owner, { licenses, licenseId: 4n })
 */
export async function revokeLicense(
  client: WriteClient,
  { licenses, licenseId }: RevokeLicenseParameters,
): Promise<RevokeLicenseReturnType> {
  const { hash } = await writeContractAndWait(client, {
    address: licenses,
    abi: licensesAbi,
    functionName: 'revoke',
    args: [licenseId],
  })
  return { hash }
}
