/**
 * The one path every state-changing action takes: simulate (so a revert is decoded before anything is sent), estimate
 * with room to spare, send, wait for the receipt, and turn a contract's custom error into a readable
 * {@link ContractRevertError}.
 */
import type {
  Abi,
  Account,
  Chain,
  Client,
  ContractFunctionArgs,
  ContractFunctionName,
  Hash,
  TransactionReceipt,
  Transport,
  BaseError as ViemBaseError,
} from 'viem'
import { type EncodeFunctionDataParameters, encodeFunctionData } from 'viem'
import {
  getTransactionCount,
  prepareTransactionRequest,
  readContract,
  sendTransaction,
  simulateContract,
  waitForTransactionReceipt,
} from 'viem/actions'
import { mycelTokenAbi } from '../contracts.ts'
import { type ContractRevertError, decodeContractError, TransactionRevertedError } from '../errors/contract.ts'

export type WriteClient = Client<Transport, Chain | undefined, Account>

/** The most gas one transaction may use on Ethereum since Fusaka (EIP-7825); L2s allow at least as much. */
export const MAX_TRANSACTION_GAS = 16_777_216n

/** The least margin added to an estimate: two storage slots written fresh (22,100 each) and some. */
export const MIN_GAS_MARGIN = 50_000n

/**
 * The gas limit sent for an estimate: a fifth more, and at least {@link MIN_GAS_MARGIN} more, never past
 * {@link MAX_TRANSACTION_GAS} (unless the estimate itself is). An estimate is exact for the block it was made on, and
 * the block the transaction lands in can differ: a later timestamp, or another transaction first, changes which
 * storage writes are new (a rewritten time costs 2,900 gas where the same time cost 100; a vote checkpoint pushed at a
 * new time writes a fresh slot, 22,100, where the same time rewrote one) — for a small transaction more than a fifth.
 * Unused gas is not charged.
 */
export function gasWithMargin(estimate: bigint): bigint {
  const margin = estimate / 5n > MIN_GAS_MARGIN ? estimate / 5n : MIN_GAS_MARGIN
  const padded = estimate + margin
  if (padded <= MAX_TRANSACTION_GAS) return padded
  return estimate > MAX_TRANSACTION_GAS ? estimate : MAX_TRANSACTION_GAS
}

/** What a sent transaction came back with; `result` is the simulated return value. */
export type WriteContractAndWaitReturnType = { hash: Hash; receipt: TransactionReceipt; result: unknown }

/**
 * What a write may throw: the contract's custom error decoded ({@link ContractRevertError}), a transaction mined
 * but reverted, or viem's own error (RPC, signing, a revert that is not one of mycel's errors).
 */
export type WriteContractAndWaitErrorType = ContractRevertError | TransactionRevertedError | ViemBaseError

export async function writeContractAndWait<
  const abi extends Abi,
  functionName extends ContractFunctionName<abi, 'nonpayable' | 'payable'>,
>(
  client: WriteClient,
  parameters: {
    address: `0x${string}`
    abi: abi
    functionName: functionName
    args: ContractFunctionArgs<abi, 'nonpayable' | 'payable', functionName>
  },
): Promise<WriteContractAndWaitReturnType> {
  const [written] = await writeContractsAndWait(client, [parameters as WriteCall])
  return written as WriteContractAndWaitReturnType
}

/** One call of {@link writeContractsAndWait} (untyped: the calls of a batch may be on different ABIs). */
export type WriteCall = { address: `0x${string}`; abi: Abi; functionName: string; args: readonly unknown[] }

/**
 * Sends calls that do not depend on each other back to back (nonces numbered here), then waits for every receipt:
 * on a chain with blocks every few seconds, n calls land in one or two blocks instead of n. Each is simulated and
 * estimated against the current state first, so a call whose outcome depends on an earlier one of the same batch
 * does not belong in it. Throws the first failure; calls after a failed one may still have been sent.
 */
export async function writeContractsAndWait(
  client: WriteClient,
  calls: readonly WriteCall[],
): Promise<WriteContractAndWaitReturnType[]> {
  try {
    const simulated = await Promise.all(
      // biome-ignore lint/suspicious/noExplicitAny: viem's generic request type is reconstructed by simulateContract.
      calls.map((call) => simulateContract(client, { ...call, account: client.account } as any)),
    )
    const nonce =
      calls.length > 1
        ? await getTransactionCount(client, { address: client.account.address, blockTag: 'pending' })
        : undefined
    // One prepare each (fees, the estimate, the nonce unless numbered here), then the estimate widened: viem's own
    // estimate for a local account would prepare a second time and estimate twice.
    const prepared = await Promise.all(
      simulated.map(({ request }, i) =>
        prepareTransactionRequest(client, {
          account: client.account,
          chain: client.chain,
          to: request.address,
          data: encodeFunctionData(request as EncodeFunctionDataParameters),
          value: request.value,
          ...(nonce === undefined ? {} : { nonce: nonce + i }),
        }),
      ),
    )
    const hashes: Hash[] = []
    for (const request of prepared) {
      // `as never`: viem's prepared type does not narrow back into sendTransaction's parameter union.
      hashes.push(await sendTransaction(client, { ...request, gas: gasWithMargin(request.gas) } as never))
    }
    const receipts = await Promise.all(hashes.map((hash) => waitForTransactionReceipt(client, { hash })))
    return receipts.map((receipt, i) => {
      const hash = hashes[i] as Hash
      if (receipt.status !== 'success') throw new TransactionRevertedError({ hash })
      return { hash, receipt, result: simulated[i]?.result as unknown }
    })
  } catch (error) {
    throw decodeContractError(error)
  }
}

/** Approves `spender` for `amount` of ERC-20 `token` when the client's current allowance is short. */
export async function ensureAllowance(
  client: WriteClient,
  token: `0x${string}`,
  spender: `0x${string}`,
  amount: bigint,
) {
  const allowance = await readContract(client, {
    address: token,
    abi: mycelTokenAbi,
    functionName: 'allowance',
    args: [client.account.address, spender],
  })
  if (allowance < amount) {
    await writeContractAndWait(client, {
      address: token,
      abi: mycelTokenAbi,
      functionName: 'approve',
      args: [spender, amount],
    })
  }
}
