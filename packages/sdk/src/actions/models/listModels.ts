/** Action: list the models of ModelRegistry by id (ids run from 1 to `modelCount`). */
import type { Address, Client } from 'viem'
import { readContract } from 'viem/actions'
import { modelRegistryAbi } from '../../contracts.ts'
import { decodeContractError } from '../../errors/contract.ts'
import { type GetModelErrorType, getModel, type Model } from './getModel.ts'

export type ListModelsParameters = {
  modelRegistry: Address
  /** First id (default 1). */
  from?: bigint
  /** How many at most (default 100). */
  limit?: number
}
export type ListModelsReturnType = { total: bigint; models: Model[] }
export type ListModelsErrorType = GetModelErrorType

/**
 * Lists models in id order (models are never burnt, so ids 1..total all exist).
 *
 * @example
 * const { total, models } = await listModels(client, { modelRegistry, limit: 20 })
 */
export async function listModels(
  client: Client,
  { modelRegistry, from = 1n, limit = 100 }: ListModelsParameters,
): Promise<ListModelsReturnType> {
  let total: bigint
  try {
    total = await readContract(client, { address: modelRegistry, abi: modelRegistryAbi, functionName: 'modelCount' })
  } catch (error) {
    throw decodeContractError(error)
  }
  const ids: bigint[] = []
  for (let id = from < 1n ? 1n : from; id <= total && ids.length < limit; id++) ids.push(id)
  const models = await Promise.all(ids.map((modelId) => getModel(client, { modelRegistry, modelId })))
  return { total, models }
}
