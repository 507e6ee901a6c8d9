/** Action: what the Epochs contract stores about one epoch (its header hash, finality, pending proposer). */
import type { Address, Client, Hex, ReadContractErrorType } from 'viem'
import { readContract } from 'viem/actions'
import { epochsAbi } from '../../contracts.ts'

const ZERO = '0x0000000000000000000000000000000000000000'

export type GetEpochRecordParameters = { epochs: Address; netuid: bigint; epoch: bigint }

export type EpochRecord = {
  headerHash: Hex
  /** Zero hash: nobody proposed it yet. */
  proposed: boolean
  final: boolean
  /** Set while the proposal is pending. */
  proposer: Address | null
  proposedAtBlock: bigint
}
export type GetEpochRecordReturnType = EpochRecord
export type GetEpochRecordErrorType = ReadContractErrorType

/**
 * What the contract stores about `epoch` of `netuid`.
 *
 * @example
 * const { proposed, final } = await getEpochRecord(client, { epochs, netuid: 1n, epoch: 0n })
 */
export async function getEpochRecord(
  client: Client,
  parameters: GetEpochRecordParameters,
): Promise<GetEpochRecordReturnType> {
  const [headerHash, isFinal, proposer, proposedAtBlock] = await readContract(client, {
    address: parameters.epochs,
    abi: epochsAbi,
    functionName: 'getEpoch',
    args: [parameters.netuid, parameters.epoch],
  })
  return {
    headerHash,
    proposed: !/^0x0*$/.test(headerHash),
    final: isFinal,
    proposer: proposer === ZERO ? null : proposer,
    proposedAtBlock,
  }
}
