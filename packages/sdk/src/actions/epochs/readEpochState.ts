/**
 * Action: the state of a subnet at an epoch's snapshot exactly as the contracts will check it (who held each uid,
 * its stake, its latest revealed weights): the input of `buildEpoch`.
 */
import type { Address, Client, GetContractEventsErrorType, ReadContractErrorType } from 'viem'
import { keccak256 } from 'viem'
import { readContract } from 'viem/actions'
import { epochsAbi, stakingAbi, subnetRegistryAbi, weightsAbi } from '../../contracts.ts'
import { type EpochSlot, type EpochState, epochStateOf, type PreviousEpoch } from '../../epochs/buildEpoch.ts'
import { BaseError } from '../../errors/base.ts'
import { getRevealedRows, type RevealedRow } from '../weights/getRevealedRows.ts'

const ZERO = '0x0000000000000000000000000000000000000000'

export type EpochContracts = { registry: Address; staking: Address; weights: Address; epochs: Address }

export type ReadEpochStateParameters = EpochContracts & {
  netuid: bigint
  snapshot: bigint
  previous: PreviousEpoch | null
  neurons?: number
  rows?: readonly RevealedRow[]
}
export type ReadEpochStateReturnType = EpochState
/** A {@link BaseError} when a revealed row's bytes are missing from the logs (an RPC endpoint that prunes them). */
export type ReadEpochStateErrorType = ReadContractErrorType | GetContractEventsErrorType | BaseError

/**
 * The state of `netuid` at `snapshot` as the contracts read it: who held each uid, its stake, and its latest
 * revealed weights (the row bytes from the `WeightsRevealed` events, checked against the hash the contract keeps).
 * `neurons` fixes the uid count (a proposal's header states it; by default the subnet's `nextUid` at the snapshot).
 * `rows` may pass the revealed rows already read, to save the log query.
 *
 * @example
 * const built = buildEpoch(await readEpochState(client, { ...contracts, netuid: 1n, snapshot, previous: null }))
 */
export async function readEpochState(
  client: Client,
  parameters: ReadEpochStateParameters,
): Promise<ReadEpochStateReturnType> {
  const { registry, staking, weights, netuid, snapshot } = parameters
  const subnet = await readContract(client, {
    address: registry,
    abi: subnetRegistryAbi,
    functionName: 'getSubnet',
    args: [netuid],
  })
  // The uid count and parameters as they were at the snapshot (later changes do not apply to this epoch).
  const [, neurons, p] = await readContract(client, {
    address: registry,
    abi: subnetRegistryAbi,
    functionName: 'epochSettings',
    args: [netuid, parameters.previous?.snapshotBlock ?? subnet.createdAtBlock],
  })
  const [shareBlocks, emission] = await readContract(client, {
    address: parameters.epochs,
    abi: epochsAbi,
    functionName: 'emissionUntil',
    args: [netuid, snapshot],
  })
  const rows =
    parameters.rows ??
    (await getRevealedRows(client, { weights, netuid, fromBlock: subnet.createdAtBlock, toBlock: snapshot }))
  const n = parameters.neurons ?? Number(neurons)
  const slots: EpochSlot[] = []
  for (let uid = 0; uid < n; uid++) {
    const [hotkey, registeredAt] = await readContract(client, {
      address: registry,
      abi: subnetRegistryAbi,
      functionName: 'neuronAt',
      args: [netuid, uid, snapshot],
    })
    if (hotkey === ZERO) {
      slots.push({ hotkey: null, registeredAt, stake: 0n })
      continue
    }
    const stake = await readContract(client, {
      address: staking,
      abi: stakingAbi,
      functionName: 'stakeAt',
      args: [netuid, hotkey, snapshot],
    })
    const row = await readContract(client, {
      address: weights,
      abi: weightsAbi,
      functionName: 'rowAt',
      args: [netuid, hotkey, snapshot],
    })
    let revealed: EpochSlot['row']
    if (row.revealBlock > 0) {
      const found = rows.find(
        (r) =>
          r.hotkey.toLowerCase() === hotkey.toLowerCase() &&
          r.revealBlock === BigInt(row.revealBlock) &&
          keccak256(r.packed) === row.hash,
      )
      if (!found) {
        throw new BaseError(`No WeightsRevealed event matches ${hotkey}'s row revealed at block ${row.revealBlock}.`, {
          details: 'The RPC endpoint may prune logs; point the node at one that keeps them (an archive or full node).',
        })
      }
      revealed = {
        packed: found.packed,
        commitBlock: BigInt(row.commitBlock),
        revealBlock: BigInt(row.revealBlock),
        activeUntil: BigInt(row.activeUntil),
      }
    }
    slots.push({ hotkey, registeredAt, stake, row: revealed })
  }
  return epochStateOf({
    snapshot,
    createdAtBlock: subnet.createdAtBlock,
    params: p,
    slots,
    previous: parameters.previous,
    emission: { shareBlocks, emission },
  })
}
