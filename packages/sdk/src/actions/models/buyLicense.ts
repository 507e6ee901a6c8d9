/** Action: buy a license of a model from Licenses, approving its mint fee in the terms' currency first. */
import { type Address, encodeAbiParameters, getAbiItem, type Hex, keccak256, parseEventLogs } from 'viem'
import { readContract } from 'viem/actions'
import { licensesAbi, modelRegistryAbi } from '../../contracts.ts'
import { decodeContractError, MissingEventError } from '../../errors/contract.ts'
import {
  ensureAllowance,
  type WriteClient,
  type WriteContractAndWaitErrorType,
  writeContractAndWait,
} from '../write.ts'

export type BuyLicenseParameters = {
  licenses: Address
  modelId: bigint
  /**
   * The terms the buyer agreed to, as `termsHashOf` gives them (default: the terms read now). The purchase reverts
   * with `LicensesTermsChanged` when the model's terms differ when it is mined (audit A1).
   */
  agreedTerms?: Hex | undefined
}
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
 * allowance is short) under the terms read now, or `agreedTerms`. Fails with `LicensesModelWithoutTerms` for a model
 * without terms and `LicensesTermsChanged` when the terms changed before the purchase was mined.
 *
 * @example
 * const { licenseId, expiresAt } = await buyLicense(miner, { licenses, modelId: 1n })
 */
export async function buyLicense(
  client: WriteClient,
  { licenses, modelId, agreedTerms }: BuyLicenseParameters,
): Promise<BuyLicenseReturnType> {
  let agreed: Hex
  try {
    const registry = await readContract(client, { address: licenses, abi: licensesAbi, functionName: 'registry' })
    const terms = await readContract(client, {
      address: registry,
      abi: modelRegistryAbi,
      functionName: 'termsOf',
      args: [modelId],
    })
    // The fee approved is the one of the terms agreed to; terms that changed since are refused by the contract
    // (`LicensesTermsChanged`), before anything is approved here.
    const current = termsHashOf(terms)
    agreed = agreedTerms ?? current
    if (agreed === current && terms.hasTerms && terms.mintFee > 0n)
      await ensureAllowance(client, terms.currency, licenses, terms.mintFee)
  } catch (error) {
    throw decodeContractError(error)
  }
  const { hash, receipt } = await writeContractAndWait(client, {
    address: licenses,
    abi: licensesAbi,
    functionName: 'buy',
    args: [modelId, agreed],
  })
  const [event] = parseEventLogs({ abi: licensesAbi, eventName: 'LicenseBought', logs: receipt.logs })
  if (!event) throw new MissingEventError({ eventName: 'LicenseBought', hash })
  return { licenseId: event.args.licenseId, expiresAt: event.args.expiresAt, fee: event.args.fee, hash }
}

const termsOfOutputs = getAbiItem({ abi: modelRegistryAbi, name: 'termsOf' }).outputs

/** The hash `Licenses.buy` checks the model's terms against: keccak256 of their ABI encoding (`Licenses.termsHash`). */
export function termsHashOf(terms: Parameters<typeof encodeAbiParameters<typeof termsOfOutputs>>[1][0]): Hex {
  return keccak256(encodeAbiParameters(termsOfOutputs, [terms]))
}
