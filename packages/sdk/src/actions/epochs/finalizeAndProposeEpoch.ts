/** Action: finalize the pending epoch and propose the next in one transaction. */
import type { Address, Hex } from 'viem'
import { epochsAbi } from '../../contracts.ts'
import type { BuiltEpoch, EpochHeader } from '../../epochs/buildEpoch.ts'
import {
  type WriteClient,
  type WriteContractAndWaitErrorType,
  type WriteContractAndWaitReturnType,
  writeContractAndWait,
} from '../write.ts'

export type FinalizeAndProposeEpochParameters = {
  epochs: Address
  netuid: bigint
  header: EpochHeader
  permits: readonly bigint[]
  pruneOrder: Hex
  next: BuiltEpoch
}
export type FinalizeAndProposeEpochReturnType = WriteContractAndWaitReturnType
export type FinalizeAndProposeEpochErrorType = WriteContractAndWaitErrorType

/**
 * Makes the pending epoch final and proposes the next in one transaction (`finalizeAndPropose`): what a node that
 * settles every epoch sends once the next snapshot has passed, cheaper than the two calls apart.
 *
 * @example
 * await finalizeAndProposeEpoch(wallet, { epochs, netuid: 1n, header, permits, pruneOrder, next: buildEpoch(state) })
 */
export function finalizeAndProposeEpoch(
  client: WriteClient,
  parameters: FinalizeAndProposeEpochParameters,
): Promise<FinalizeAndProposeEpochReturnType> {
  return writeContractAndWait(client, {
    address: parameters.epochs,
    abi: epochsAbi,
    functionName: 'finalizeAndPropose',
    args: [parameters.netuid, parameters.header, parameters.permits, parameters.pruneOrder, parameters.next.proposal],
  })
}
