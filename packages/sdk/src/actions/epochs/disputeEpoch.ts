/**
 * Action: dispute a pending epoch proposal with one of the calls `planDisputes` lists. A dispute the contract
 * accepts slashes the proposer's bond and clears the proposal; one it refuses reverts with the contract's decoded
 * error (the proposal was right on that point), so a checker tries the planned calls in order.
 */
import type { Address, ContractFunctionArgs } from 'viem'
import { epochsAbi } from '../../contracts.ts'
import type { EpochHeader } from '../../epochs/buildEpoch.ts'
import type { DisputeCall } from '../../epochs/dispute.ts'
import {
  type WriteClient,
  type WriteContractAndWaitErrorType,
  type WriteContractAndWaitReturnType,
  writeContractAndWait,
} from '../write.ts'

export type DisputeEpochParameters = {
  epochs: Address
  netuid: bigint
  /** The pending proposal's header, as in its `EpochProposed` event. */
  header: EpochHeader
  /** One entry of `planDisputes(...)`: which dispute, and the evidence after `(netuid, header)`. */
  call: Pick<DisputeCall, 'functionName' | 'args'>
}
export type DisputeEpochReturnType = WriteContractAndWaitReturnType
export type DisputeEpochErrorType = WriteContractAndWaitErrorType

/**
 * Disputes a pending proposal of `netuid` with one planned dispute call.
 *
 * @example
 * for (const call of planDisputes(ours, pending.proposal, pending.header, previous)) {
 *   await disputeEpoch(wallet, { epochs, netuid: 1n, header: pending.header, call })
 *   break
 * }
 */
export function disputeEpoch(client: WriteClient, parameters: DisputeEpochParameters): Promise<DisputeEpochReturnType> {
  const { functionName, args } = parameters.call
  // planDisputes builds each call's evidence for exactly this function's parameters; the tuple type is lost in its
  // list of several functions, and restated here once instead of at every caller.
  const full = [parameters.netuid, parameters.header, ...args] as unknown as ContractFunctionArgs<
    typeof epochsAbi,
    'nonpayable',
    typeof functionName
  >
  return writeContractAndWait(client, { address: parameters.epochs, abi: epochsAbi, functionName, args: full })
}
