/**
 * Gas as the benches count it: a transaction's receipt `gasUsed` (execution + 21,000 + calldata), and the gas of
 * every transaction mined while an SDK action ran (an `openChannel` sends an approval and the open: both count).
 */
import type { Hex, PublicClient } from 'viem'

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
