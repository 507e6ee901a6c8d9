/** Action: what a royalty source (PaymentChannels or Licenses) holds for a model in a token. */
import { type Address, type Client, parseAbi, type ReadContractErrorType } from 'viem'
import { readContract } from 'viem/actions'
import { decodeContractError } from '../../errors/contract.ts'

/** `IRoyaltySource`, implemented by PaymentChannels (claims) and Licenses (mint fees). */
export const royaltySourceAbi = parseAbi([
  'function royaltiesOf(uint256 modelId, address token) view returns (uint256)',
  'function releaseRoyalties(uint256 modelId, address token) returns (uint256 amount)',
  'event RoyaltiesReleased(uint256 indexed modelId, address indexed token, address indexed recipient, uint256 amount)',
])

export type RoyaltiesOfParameters = {
  /** A royalty source: the PaymentChannels or the Licenses address. */
  source: Address
  modelId: bigint
  token: Address
}
export type RoyaltiesOfReturnType = bigint
export type RoyaltiesOfErrorType = ReadContractErrorType

/**
 * Reads the royalties `source` holds for `modelId` in `token`, not yet released.
 *
 * @example
 * const owed = await royaltiesOf(client, { source: addresses.paymentChannels, modelId: 1n, token: usd })
 */
export async function royaltiesOf(
  client: Client,
  { source, modelId, token }: RoyaltiesOfParameters,
): Promise<RoyaltiesOfReturnType> {
  try {
    return await readContract(client, {
      address: source,
      abi: royaltySourceAbi,
      functionName: 'royaltiesOf',
      args: [modelId, token],
    })
  } catch (error) {
    throw decodeContractError(error)
  }
}
