/** Action: the bond a proposer has free to propose with. */
import type { Address, Client, ReadContractErrorType } from 'viem'
import { readContract } from 'viem/actions'
import { epochsAbi } from '../../contracts.ts'

export type GetProposerBondParameters = { epochs: Address; proposer: Address }
export type GetProposerBondReturnType = bigint
export type GetProposerBondErrorType = ReadContractErrorType

/**
 * The bond `proposer` has free to propose with.
 *
 * @example
 * const free = await getProposerBond(client, { epochs, proposer: wallet.account.address })
 */
export function getProposerBond(
  client: Client,
  parameters: GetProposerBondParameters,
): Promise<GetProposerBondReturnType> {
  return readContract(client, {
    address: parameters.epochs,
    abi: epochsAbi,
    functionName: 'bondOf',
    args: [parameters.proposer],
  })
}
