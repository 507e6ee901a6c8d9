/** Action: replace a model's license terms (by the model NFT's owner, its timelock once fractionalized). */
import type { Address } from 'viem'
import { modelRegistryAbi } from '../../contracts.ts'
import { type LicenseTerms, toContractTerms } from '../../models/terms.ts'
import { type WriteClient, type WriteContractAndWaitErrorType, writeContractAndWait } from '../write.ts'

export type SetModelTermsParameters = {
  modelRegistry: Address
  modelId: bigint
  /** The new terms; undefined removes them (licenses sold keep theirs). */
  terms: LicenseTerms | undefined
}
export type SetModelTermsReturnType = { hash: `0x${string}` }
export type SetModelTermsErrorType = WriteContractAndWaitErrorType

/**
 * Sets the terms of `modelId`. Licenses already sold keep the terms they snapshot.
 *
 * @example
 * await setModelTerms(owner, { modelRegistry, modelId: 1n, terms: { ...terms, royaltyBps: 700 } })
 */
export async function setModelTerms(
  client: WriteClient,
  { modelRegistry, modelId, terms }: SetModelTermsParameters,
): Promise<SetModelTermsReturnType> {
  const { hash } = await writeContractAndWait(client, {
    address: modelRegistry,
    abi: modelRegistryAbi,
    functionName: 'setTerms',
    args: [modelId, toContractTerms(terms)],
  })
  return { hash }
}
