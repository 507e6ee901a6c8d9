/**
 * Action: the rows revealed in a subnet, from the `WeightsRevealed` events (the row bytes live only there and in
 * the reveal's calldata; the contract keeps their hash).
 */
import type { Address, Client, GetContractEventsErrorType, Hex } from 'viem'
import { getContractEvents } from 'viem/actions'
import { weightsAbi } from '../../contracts.ts'

export type RevealedRow = {
  uid: number
  hotkey: Address
  /** The packed weights: a big-endian u16 per uid. */
  packed: Hex
  commitBlock: bigint
  revealBlock: bigint
  transactionHash: Hex
}

export type GetRevealedRowsParameters = { weights: Address; netuid: bigint; fromBlock?: bigint; toBlock?: bigint }
export type GetRevealedRowsReturnType = RevealedRow[]
export type GetRevealedRowsErrorType = GetContractEventsErrorType

/**
 * Every row revealed in `netuid` between two blocks (inclusive), oldest first.
 *
 * @example
 * const rows = await getRevealedRows(client, { weights, netuid: 1n, toBlock: snapshot })
 */
export async function getRevealedRows(
  client: Client,
  parameters: GetRevealedRowsParameters,
): Promise<GetRevealedRowsReturnType> {
  const logs = await getContractEvents(client, {
    address: parameters.weights,
    abi: weightsAbi,
    eventName: 'WeightsRevealed',
    args: { netuid: parameters.netuid },
    fromBlock: parameters.fromBlock ?? 0n,
    toBlock: parameters.toBlock ?? 'latest',
  })
  return logs.map((log) => ({
    uid: Number(log.args.uid),
    hotkey: log.args.hotkey as Address,
    packed: log.args.weights as Hex,
    commitBlock: BigInt(log.args.commitBlock as bigint),
    revealBlock: log.blockNumber as bigint,
    transactionHash: log.transactionHash as Hex,
  }))
}
