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

/**
 * The gas limit sent for an estimate: a fifth more, never past {@link MAX_TRANSACTION_GAS} (unless the estimate
 * itself is). An estimate is exact for the block it was made on, and the block the transaction lands in can differ:
 * a later timestamp, or another transaction first, changes which storage writes are new (a rewritten time costs
 * 2,900 gas where the same time cost 100). Unused gas is not charged.
 */
export function gasWithMargin(estimate: bigint): bigint {
  const padded = estimate + estimate / 5n
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
  try {
    // biome-ignore lint/suspicious/noExplicitAny: viem's generic request type is reconstructed by simulateContract.
    const { request, result } = await simulateContract(client, { ...parameters, account: client.account } as any)
    // One prepare (nonce, fees, the estimate), then the estimate widened: viem's own estimate for a local account
    // would prepare a second time and estimate twice.
    const prepared = await prepareTransactionRequest(client, {
      account: client.account,
      chain: client.chain,
      to: parameters.address,
      data: encodeFunctionData(request as EncodeFunctionDataParameters),
      value: request.value,
    })
    // `as never`: viem's prepared type does not narrow back into sendTransaction's parameter union.
    const hash = await sendTransaction(client, { ...prepared, gas: gasWithMargin(prepared.gas) } as never)
    const receipt = await waitForTransactionReceipt(client, { hash })
    if (receipt.status !== 'success') throw new TransactionRevertedError({ hash })
    return { hash, receipt, result: result as unknown }
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
