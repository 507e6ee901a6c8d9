/** Action: commit a validator's weights (their hash only) and return what the reveal needs. */
import { type Address, type GetChainIdErrorType, type Hex, parseEventLogs } from 'viem'
import { getChainId } from 'viem/actions'
import { weightsAbi } from '../../contracts.ts'
import { encodeWeights, type InvalidWeightsError, randomSalt, weightsCommitHash } from '../../weights/weights.ts'
import { type WriteClient, type WriteContractAndWaitErrorType, writeContractAndWait } from '../write.ts'

export type CommitWeightsParameters = {
  weights: Address
  netuid: bigint
  /** u16 per uid, from `toChainWeights`. */
  values: readonly number[]
  /** Default: a fresh random salt. */
  salt?: Hex
}
export type CommitWeightsReturnType = {
  hash: Hex
  commitHash: Hex
  packed: Hex
  salt: Hex
  commitBlock: bigint
  /** The reveal window: from this block, until (excluding) that one. */
  revealFrom: bigint
  revealUntil: bigint
}
/** An `InvalidWeightsError` when a value is not a u16, before anything is sent. */
export type CommitWeightsErrorType = WriteContractAndWaitErrorType | GetChainIdErrorType | InvalidWeightsError

/**
 * Commits `weights` (u16 per uid, from {@link toChainWeights}) for the client's hotkey in `netuid`, and returns what
 * the reveal needs. Keep `packed` and `salt` until the reveal: without them the commit cannot be opened.
 *
 * @example
 * const commit = await commitWeights(wallet, { weights, netuid: 1n, values: toChainWeights(scores, n) })
 */
export async function commitWeights(
  client: WriteClient,
  parameters: CommitWeightsParameters,
): Promise<CommitWeightsReturnType> {
  const packed = encodeWeights(parameters.values)
  const salt = parameters.salt ?? randomSalt()
  const commitHash = weightsCommitHash({
    chainId: client.chain?.id ?? (await getChainId(client)),
    weightsContract: parameters.weights,
    netuid: parameters.netuid,
    hotkey: client.account.address,
    packed,
    salt,
  })
  const { hash, receipt } = await writeContractAndWait(client, {
    address: parameters.weights,
    abi: weightsAbi,
    functionName: 'commitWeights',
    args: [parameters.netuid, commitHash],
  })
  const [event] = parseEventLogs({ abi: weightsAbi, eventName: 'WeightsCommitted', logs: receipt.logs })
  return {
    hash,
    commitHash,
    packed,
    salt,
    commitBlock: receipt.blockNumber,
    /** The reveal window: from this block, until (excluding) that one. */
    revealFrom: BigInt(event?.args.revealFrom ?? 0n),
    revealUntil: BigInt(event?.args.revealUntil ?? 0n),
  }
}
