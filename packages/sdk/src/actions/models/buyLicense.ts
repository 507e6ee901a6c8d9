/** Action: buy a license of a model from Licenses, approving its mint fee in the terms' currency first. */
import { type Address, parseEventLogs } from 'viem'
import { readContract } from 'viem/actions'
import { licensesAbi, modelRegistryAbi } from '../../contracts.ts'
import { decodeContractError, MissingEventError } from '../../errors/contract.ts'
import {
  ensureAllowance,
  type WriteClient,
  type WriteContractAndWaitErrorType,
  writeContractAndWait,
} from '../write.ts'

export type BuyLicenseParameters = { licenses: Address; modelId: bigint }
export type BuyLicenseReturnType = {
  licenseId: bigint
  /** Unix time it ends; 2^64 − 1 for a perpetual license. */
  expiresAt: bigint
  fee: bigint
  hash: `0x${string}`
}
export type BuyLicenseErrorType = WriteContractAndWaitErrorType | MissingEventError

/**
 * Buys a license of `modelId` for the client's account, paying the model's mint fee (approved here when the
 * allowance is short). Fails with `LicensesModelWithoutTerms` for a model without terms.
 *
 * @example
 * const { licenseId, expiresAt } = await buyLicense(miner, { licenses, modelId: 1n })
 */
export async function buyLicense(
  client: WriteClient,
  { licenses, modelId }: BuyLicenseParameters,
): Promise<BuyLicenseReturnType> {
  try {
    const registry = await readContract(client, { address: licenses, abi: licensesAbi, functionName: 'registry' })
    const terms = await readContract(client, {
      address: registry,
      abi: modelRegistryAbi,
      functionName: 'termsOf',
      args: [modelId],
    })
    if (terms.hasTerms && terms.mintFee > 0n) await ensureAllowance(client, terms.currency, licenses, terms.mintFee)
  } catch (error) {
    throw decodeContractError(error)
  }
  const { hash, receipt } = await writeContractAndWait(client, {
    address: licenses,
    abi: licensesAbi,
    functionName: 'buy',
    args: [modelId],
  })
  const [event] = parseEventLogs({ abi: licensesAbi, eventName: 'LicenseBought', logs: receipt.logs })
  if (!event) throw new MissingEventError({ eventName: 'LicenseBought', hash })
  return { licenseId: event.args.licenseId, expiresAt: event.args.expiresAt, fee: event.args.fee, hash }
}
