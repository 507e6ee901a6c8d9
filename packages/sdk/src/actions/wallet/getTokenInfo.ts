/** Action: an ERC-20's decimals and symbol, to read and print amounts in it. */
import type { Address, Client, ReadContractErrorType } from 'viem'
import { readContract } from 'viem/actions'
import { mycelTokenAbi } from '../../contracts.ts'

export type GetTokenInfoParameters = { token: Address }
export type GetTokenInfoReturnType = { decimals: number; symbol: string }
export type GetTokenInfoErrorType = ReadContractErrorType

/**
 * The decimals and symbol of ERC-20 `token` (any ERC-20: MYC's ABI is used for the two standard reads).
 *
 * @example
 * const { decimals, symbol } = await getTokenInfo(client, { token: testUsd })
 * console.log(`${formatUnits(amount, decimals)} ${symbol}`)
 */
export async function getTokenInfo(client: Client, { token }: GetTokenInfoParameters): Promise<GetTokenInfoReturnType> {
  const [decimals, symbol] = await Promise.all([
    readContract(client, { address: token, abi: mycelTokenAbi, functionName: 'decimals' }),
    readContract(client, { address: token, abi: mycelTokenAbi, functionName: 'symbol' }),
  ])
  return { decimals, symbol }
}
