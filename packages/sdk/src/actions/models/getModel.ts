/** Action: read a model of ModelRegistry — content ids, lineage, terms, owner, royalty recipient and route. */
import type { Address, Client, ReadContractErrorType } from 'viem'
import { readContract } from 'viem/actions'
import { modelRegistryAbi } from '../../contracts.ts'
import { type ContractRevertError, decodeContractError } from '../../errors/contract.ts'
import type { ContractTerms } from '../../models/terms.ts'
import { getRoyaltyRoute, type RoyaltyRoute } from './getRoyaltyRoute.ts'

export type Model = {
  modelId: bigint
  weightsCid: string
  cardCid: string
  format: string
  parents: readonly bigint[]
  registeredAt: bigint
  /** The model NFT's owner (its timelock once fractionalized). */
  owner: Address
  /** Who receives its royalties: its vault once fractionalized, else the owner. */
  royaltyRecipient: Address
  /** `hasTerms` false: served without license or royalty. */
  terms: ContractTerms
  /** Its ancestors and the royalty each takes from amounts paid for it. */
  ancestors: RoyaltyRoute
}

export type GetModelParameters = { modelRegistry: Address; modelId: bigint }
export type GetModelReturnType = Model
/** `ModelRegistryUnknownModel` (a {@link ContractRevertError}) when there is no such model. */
export type GetModelErrorType = ContractRevertError | ReadContractErrorType

/**
 * Reads a model.
 *
 * @example
 * const { weightsCid, terms, ancestors } = await getModel(client, { modelRegistry, modelId: 1n })
 */
export async function getModel(client: Client, { modelRegistry, modelId }: GetModelParameters): Promise<Model> {
  try {
    const read = <name extends 'getModel' | 'termsOf' | 'ownerOf' | 'royaltyRecipient'>(functionName: name) =>
      readContract(client, { address: modelRegistry, abi: modelRegistryAbi, functionName, args: [modelId] } as never)
    const [model, terms, owner, royaltyRecipient, ancestors] = await Promise.all([
      read('getModel') as Promise<{
        weightsCid: string
        cardCid: string
        format: string
        parents: readonly bigint[]
        registeredAt: bigint
      }>,
      read('termsOf') as Promise<ContractTerms>,
      read('ownerOf') as Promise<Address>,
      read('royaltyRecipient') as Promise<Address>,
      getRoyaltyRoute(client, { modelRegistry, modelId }),
    ])
    const { weightsCid, cardCid, format, parents, registeredAt } = model
    return { modelId, weightsCid, cardCid, format, parents, registeredAt, owner, royaltyRecipient, terms, ancestors }
  } catch (error) {
    throw decodeContractError(error)
  }
}
