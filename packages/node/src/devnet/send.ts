/**
 * Sends calls from one devnet account back to back, numbering the nonces itself, then waits for every receipt: one
 * request per transaction instead of a simulation, fee and nonce look-ups and a receipt wait each (seeding's
 * transfers, the model market's registrations, licenses and shares). Anvil mines each transaction as it arrives, so a
 * call may depend on the one before; each has a fixed, ample gas limit (no estimate). A call that reverts fails the
 * seeding naming the call.
 */
import type { WriteClient } from '@mycel/sdk'
import type { Abi, Address } from 'viem'
import { estimateFeesPerGas, getTransactionCount, waitForTransactionReceipt, writeContract } from 'viem/actions'
import { NodeError } from '../common/errors.ts'

/** The gas limit of every seeding call: far above the dearest (a model registration, ~400k). */
const SEED_GAS = 3_000_000n

export type Call = { address: Address; abi: Abi; functionName: string; args: readonly unknown[] }

export async function sendInSequence(wallet: WriteClient, calls: readonly Call[]): Promise<void> {
  if (calls.length === 0) return
  const account = wallet.account
  const [nonce, fees] = await Promise.all([
    getTransactionCount(wallet, { address: account.address, blockTag: 'pending' }),
    estimateFeesPerGas(wallet),
  ])
  const hashes: `0x${string}`[] = []
  for (const [i, call] of calls.entries()) {
    // A fixed, ample gas limit instead of an estimate: an estimate made while the calls before it are still pending
    // sees the wrong state (a share transfer then writes a new votes checkpoint, ERC-6372 timestamps, ~20k gas more,
    // and ran out of gas under load). Test money; unused gas is refunded.
    hashes.push(
      await writeContract(wallet, {
        ...call,
        account,
        chain: wallet.chain,
        gas: SEED_GAS,
        nonce: nonce + i,
        maxFeePerGas: fees.maxFeePerGas,
        maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
      } as never),
    )
  }
  const receipts = await Promise.all(hashes.map((hash) => waitForTransactionReceipt(wallet, { hash })))
  receipts.forEach((receipt, i) => {
    if (receipt.status !== 'success') {
      const call = calls[i] as Call
      throw new NodeError(
        'DEVNET_SEED_FAILED',
        `Seeding the devnet failed: ${call.functionName}(${call.args.map(String).join(', ')}) from ${account.address} reverted (${hashes[i]}). Run \`mycel devnet reset\` to start a fresh chain.`,
      )
    }
  })
}
