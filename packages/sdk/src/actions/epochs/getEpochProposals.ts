/**
 * Action: the epoch proposals of a subnet as they were sent: the header from the `EpochProposed` event and the
 * proposal decoded from the transaction's calldata (the contract keeps only their hash).
 */
import {
  type Address,
  type Client,
  decodeFunctionData,
  type GetContractEventsErrorType,
  type GetTransactionErrorType,
  type Hex,
} from 'viem'
import { getContractEvents, getTransaction } from 'viem/actions'
import { epochsAbi } from '../../contracts.ts'
import type { EpochHeader, EpochProposal } from '../../epochs/buildEpoch.ts'

export type GetEpochProposalsParameters = {
  epochs: Address
  netuid: bigint
  /** Only this epoch's proposals. */
  epoch?: bigint
  fromBlock?: bigint
  /** Decode each proposal from its transaction's calldata (default true). */
  withCalldata?: boolean
}

export type ProposedEpoch = {
  epoch: bigint
  proposer: Address
  header: EpochHeader
  /** The proposal as sent, decoded from the transaction's calldata; null when it came through another contract. */
  proposal: EpochProposal | null
  blockNumber: bigint
  transactionHash: Hex
}

export type GetEpochProposalsReturnType = ProposedEpoch[]
export type GetEpochProposalsErrorType = GetContractEventsErrorType | GetTransactionErrorType

/**
 * The proposals of `netuid` (every one, including those later slashed), oldest first.
 *
 * @example
 * const [pending] = await getEpochProposals(client, { epochs, netuid: 1n, epoch: 0n })
 */
export async function getEpochProposals(
  client: Client,
  parameters: GetEpochProposalsParameters,
): Promise<GetEpochProposalsReturnType> {
  const logs = await getContractEvents(client, {
    address: parameters.epochs,
    abi: epochsAbi,
    eventName: 'EpochProposed',
    args: { netuid: parameters.netuid, ...(parameters.epoch === undefined ? {} : { epoch: parameters.epoch }) },
    fromBlock: parameters.fromBlock ?? 0n,
    toBlock: 'latest',
  })
  const out: ProposedEpoch[] = []
  for (const log of logs) {
    const h = log.args.header as EpochHeader
    const header: EpochHeader = {
      ...h,
      snapshotBlock: BigInt(h.snapshotBlock),
      prevSnapshotBlock: BigInt(h.prevSnapshotBlock),
      neurons: Number(h.neurons),
      validatorCount: Number(h.validatorCount),
      activityCutoff: Number(h.activityCutoff),
      immunityPeriod: Number(h.immunityPeriod),
      maxValidators: Number(h.maxValidators),
      params: { ...h.params },
    }
    let proposal: EpochProposal | null = null
    if (parameters.withCalldata !== false) {
      const tx = await getTransaction(client, { hash: log.transactionHash as Hex })
      try {
        const call = decodeFunctionData({ abi: epochsAbi, data: tx.input })
        if (call.args?.[0] === parameters.netuid) {
          if (call.functionName === 'propose') proposal = { ...(call.args[1] as EpochProposal) }
          // Finalizing the previous epoch and proposing this one in one transaction: the proposal comes last.
          if (call.functionName === 'finalizeAndPropose') proposal = { ...(call.args[4] as EpochProposal) }
        }
      } catch {
        // Proposed through another contract: the proposal is not this transaction's calldata.
      }
    }
    out.push({
      epoch: log.args.epoch as bigint,
      proposer: log.args.proposer as Address,
      header,
      proposal,
      blockNumber: log.blockNumber as bigint,
      transactionHash: log.transactionHash as Hex,
    })
  }
  return out
}
