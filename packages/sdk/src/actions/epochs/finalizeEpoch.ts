/** Action: make a pending epoch final once its challenge window has passed. */
import type { Address, Hex } from 'viem'
import { epochsAbi } from '../../contracts.ts'
import type { EpochHeader } from '../../epochs/buildEpoch.ts'
import {
  type WriteClient,
  type WriteContractAndWaitErrorType,
  type WriteContractAndWaitReturnType,
  writeContractAndWait,
} from '../write.ts'

export type FinalizeEpochParameters = {
  epochs: Address
  netuid: bigint
  header: EpochHeader
  permits: readonly bigint[]
  pruneOrder: Hex
}
export type FinalizeEpochReturnType = WriteContractAndWaitReturnType
export type FinalizeEpochErrorType = WriteContractAndWaitErrorType

/**
 * Makes a pending epoch final once its challenge window has passed.
 *
 * @example
 * await finalizeEpoch(wallet, { epochs, netuid: 1n, header, permits: built.permits, pruneOrder: built.proposal.pruneOrder })
 */
export function finalizeEpoch(
  client: WriteClient,
  parameters: FinalizeEpochParameters,
): Promise<FinalizeEpochReturnType> {
  return writeContractAndWait(client, {
    address: parameters.epochs,
    abi: epochsAbi,
    functionName: 'finalize',
    args: [parameters.netuid, parameters.header, parameters.permits, parameters.pruneOrder],
  })
}
