/** Action: read a model's royalty route (its ancestors and the bps each takes) from ModelRegistry. */
import type { Address, Client, ReadContractErrorType } from 'viem'
import { readContract } from 'viem/actions'
import { modelRegistryAbi } from '../../contracts.ts'
import { type ContractRevertError, decodeContractError } from '../../errors/contract.ts'
import type { RouteEntry } from '../../models/split.ts'

/** The ancestors of a model, deduplicated, each with its royalty in bps (fixed when the model registered). */
export type RoyaltyRoute = RouteEntry[]

export type GetRoyaltyRouteParameters = { modelRegistry: Address; modelId: bigint }
export type GetRoyaltyRouteReturnType = RoyaltyRoute
export type GetRoyaltyRouteErrorType = ContractRevertError | ReadContractErrorType

/**
 * Reads the ancestors of `modelId` in its royalty route. A claim paying the model credits the model itself at the
 * bps of the payee's license, then each of these.
 *
 * @example
 * const ancestors = await getRoyaltyRoute(client, { modelRegistry, modelId: 3n }) // [{ modelId: 2n, bps: 500 }, ...]
 */
export async function getRoyaltyRoute(
  client: Client,
  { modelRegistry, modelId }: GetRoyaltyRouteParameters,
): Promise<RoyaltyRoute> {
  try {
    const [ids, bps] = await readContract(client, {
      address: modelRegistry,
      abi: modelRegistryAbi,
      functionName: 'royaltyRoute',
      args: [modelId],
    })
    return ids.map((id, i) => ({ modelId: id, bps: Number(bps[i] ?? 0n) }))
  } catch (error) {
    throw decodeContractError(error)
  }
}
