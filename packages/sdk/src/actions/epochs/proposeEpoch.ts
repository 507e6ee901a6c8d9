/** Action: propose a built epoch. */
import type { Address } from 'viem'
import { epochsAbi } from '../../contracts.ts'
import type { BuiltEpoch } from '../../epochs/buildEpoch.ts'
import {
  type WriteClient,
  type WriteContractAndWaitErrorType,
  type WriteContractAndWaitReturnType,
  writeContractAndWait,
} from '../write.ts'

export type ProposeEpochParameters = { epochs: Address; netuid: bigint; built: BuiltEpoch }
export type ProposeEpochReturnType = WriteContractAndWaitReturnType
export type ProposeEpochErrorType = WriteContractAndWaitErrorType

/**
 * Proposes a built epoch (the caller's free bond must cover the proposer bond).
 *
 * @example
 * await proposeEpoch(wallet, { epochs, netuid: 1n, built: buildEpoch(state) })
 */
export function proposeEpoch(client: WriteClient, parameters: ProposeEpochParameters): Promise<ProposeEpochReturnType> {
  return writeContractAndWait(client, {
    address: parameters.epochs,
    abi: epochsAbi,
    functionName: 'propose',
    args: [parameters.netuid, parameters.built.proposal],
  })
}
