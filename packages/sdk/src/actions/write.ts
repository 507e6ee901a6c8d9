/**
 * The one path every state-changing action takes: simulate (so a revert is decoded before anything is sent), send,
 * wait for the receipt, and turn a contract's custom error into a readable {@link ContractRevertError}.
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
import { readContract, simulateContract, waitForTransactionReceipt, writeContract } from 'viem/actions'
import { mycelTokenAbi } from '../contracts.ts'
import { type ContractRevertError, decodeContractError, TransactionRevertedError } from '../errors/contract.ts'

export type WriteClient = Client<Transport, Chain | undefined, Account>

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
    const hash = await writeContract(client, request)
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
