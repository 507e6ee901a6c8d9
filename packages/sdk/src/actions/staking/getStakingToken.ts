/** Action: the ERC-20 Staking takes stakes in (MYC), which is also what proposer bonds are paid in. */
import type { Address, Client, ReadContractErrorType } from 'viem'
import { readContract } from 'viem/actions'
import { stakingAbi } from '../../contracts.ts'

export type GetStakingTokenParameters = { staking: Address }
export type GetStakingTokenReturnType = Address
export type GetStakingTokenErrorType = ReadContractErrorType

/**
 * The token Staking takes stakes in.
 *
 * @example
 * const token = await getStakingToken(client, { staking })
 * await depositProposerBond(wallet, { epochs, token, amount })
 */
export function getStakingToken(
  client: Client,
  { staking }: GetStakingTokenParameters,
): Promise<GetStakingTokenReturnType> {
  return readContract(client, { address: staking, abi: stakingAbi, functionName: 'token' })
}
