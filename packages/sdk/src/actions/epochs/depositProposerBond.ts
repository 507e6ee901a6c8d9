/** Action: deposit proposer bond in MYC, approving the Epochs contract first when the allowance is short. */
import type { Address } from 'viem'
import { epochsAbi } from '../../contracts.ts'
import {
  ensureAllowance,
  type WriteClient,
  type WriteContractAndWaitErrorType,
  type WriteContractAndWaitReturnType,
  writeContractAndWait,
} from '../write.ts'

export type DepositProposerBondParameters = { epochs: Address; token: Address; amount: bigint }
export type DepositProposerBondReturnType = WriteContractAndWaitReturnType
export type DepositProposerBondErrorType = WriteContractAndWaitErrorType

/**
 * Deposits proposer bond in MYC (`token`), approving the Epochs contract first when the allowance is short.
 *
 * @example
 * await depositProposerBond(wallet, { epochs, token: mycelToken, amount: parseEther('10') })
 */
export async function depositProposerBond(
  client: WriteClient,
  parameters: DepositProposerBondParameters,
): Promise<DepositProposerBondReturnType> {
  await ensureAllowance(client, parameters.token, parameters.epochs, parameters.amount)
  return writeContractAndWait(client, {
    address: parameters.epochs,
    abi: epochsAbi,
    functionName: 'depositBond',
    args: [parameters.amount],
  })
}
