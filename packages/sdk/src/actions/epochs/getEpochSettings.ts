/** Action: the Epochs contract's settings (proposer bond, challenge window, emission per block). */
import type { Address, Client, ReadContractErrorType } from 'viem'
import { readContract } from 'viem/actions'
import { epochsAbi } from '../../contracts.ts'

export type GetEpochSettingsParameters = { epochs: Address }
export type GetEpochSettingsReturnType = { proposerBond: bigint; challengeBlocks: bigint; emissionPerBlock: bigint }
export type GetEpochSettingsErrorType = ReadContractErrorType

/**
 * The proposer bond, the challenge window (blocks) and the emission per block.
 *
 * @example
 * const { proposerBond, challengeBlocks } = await getEpochSettings(client, { epochs })
 */
export async function getEpochSettings(
  client: Client,
  parameters: GetEpochSettingsParameters,
): Promise<GetEpochSettingsReturnType> {
  const [proposerBond, challengeBlocks, emissionPerBlock] = await readContract(client, {
    address: parameters.epochs,
    abi: epochsAbi,
    functionName: 'settings',
  })
  return { proposerBond, challengeBlocks: BigInt(challengeBlocks), emissionPerBlock }
}
