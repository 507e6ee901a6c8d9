/**
 * Gas as the benches count it: a transaction's receipt `gasUsed` (execution + 21,000 + calldata), and the gas of
 * every transaction mined while an SDK action ran (an `openChannel` sends an approval and the open: both count).
 * Also the gas benches' common start: a test chain with the contracts and tUSD for the accounts that pay.
 */
import { type MycelAddresses, testUsdAbi, writeContractAndWait } from '@mycel/sdk'
import type { Address, Hex, PublicClient } from 'viem'
import { deployTestContracts, startTestChain, type TestChain } from '../test/helpers/chain.ts'

export const USD = 1_000_000n
/** $0.001 per request, in tUSD units: the price every gas bench charges. */
export const PRICE = 1_000n

/**
 * Starts a test chain, deploys the contracts and mints `usdEach` tUSD (whole dollars) to each of `accounts`; the
 * caller stops the chain.
 */
export async function startGasBench(accounts: readonly number[], usdEach: bigint) {
  const chain: TestChain = await startTestChain()
  const addresses: MycelAddresses = await deployTestContracts(chain)
  const usd = addresses.testUsd as Address
  for (const i of accounts) {
    await writeContractAndWait(chain.wallet(0), {
      address: usd,
      abi: testUsdAbi,
      functionName: 'mint',
      args: [chain.wallet(i).account.address, usdEach * USD],
    })
  }
  const pc = addresses.paymentChannels
  return { chain, addresses, usd, pc, domain: { chainId: 31337, paymentChannels: pc }, ...chainGas(chain.publicClient) }
}

export function chainGas(client: PublicClient) {
  const gasOf = async (hash: Hex) => (await client.getTransactionReceipt({ hash })).gasUsed
  return {
    gasOf,
    /** Runs `action` and returns its result with the gas of every transaction mined meanwhile. */
    async during<result>(action: () => Promise<result>): Promise<{ result: result; gas: bigint }> {
      const before = await client.getBlockNumber({ cacheTime: 0 })
      const result = await action()
      const after = await client.getBlockNumber({ cacheTime: 0 })
      let gas = 0n
      for (let b = before + 1n; b <= after; b++) {
        const block = await client.getBlock({ blockNumber: b, includeTransactions: true })
        for (const tx of block.transactions) gas += await gasOf(tx.hash)
      }
      return { result, gas }
    },
  }
}
