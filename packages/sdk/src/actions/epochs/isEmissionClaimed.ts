/** Action: whether a share of a final epoch was claimed. */
import type { Address, Client, ReadContractErrorType } from 'viem'
import { readContract } from 'viem/actions'
import { epochsAbi } from '../../contracts.ts'
import { CLAIM_ROLE } from '../../epochs/claims.ts'

export type IsEmissionClaimedParameters = {
  epochs: Address
  netuid: bigint
  epoch: bigint
  role: keyof typeof CLAIM_ROLE
  /** 0 for the owner. */
  uid: number
}
export type IsEmissionClaimedReturnType = boolean
export type IsEmissionClaimedErrorType = ReadContractErrorType

/**
 * Whether a share of a final epoch was claimed (`uid` 0 for the owner).
 *
 * @example
 * const done = await isEmissionClaimed(client, { epochs, netuid: 1n, epoch: 0n, role: 'miner', uid: 2 })
 */
export function isEmissionClaimed(
  client: Client,
  parameters: IsEmissionClaimedParameters,
): Promise<IsEmissionClaimedReturnType> {
  return readContract(client, {
    address: parameters.epochs,
    abi: epochsAbi,
    functionName: 'isClaimed',
    args: [parameters.netuid, parameters.epoch, CLAIM_ROLE[parameters.role], BigInt(parameters.uid)],
  })
}
