/**
 * Typed actions over the Epochs contract and the reads an epoch needs: the next epoch to settle, the state at its
 * snapshot exactly as the contracts will check it ({@link readEpochState}, the input of `buildEpoch`), proposals as
 * they were sent (from the `EpochProposed` event and the transaction's calldata), proposing, finalizing and the
 * three claims. Writes simulate first (see write.ts), so a revert comes back as a readable error.
 */
import { type Client, decodeFunctionData, type Hex, keccak256 } from 'viem'
import { getContractEvents, getTransaction, readContract } from 'viem/actions'
import { epochsAbi, stakingAbi, subnetRegistryAbi, weightsAbi } from '../../contracts.ts'
import type {
  BuiltEpoch,
  EpochHeader,
  EpochProposal,
  EpochSlot,
  EpochState,
  PreviousEpoch,
} from '../../epochs/buildEpoch.ts'
import { epochStateOf } from '../../epochs/buildEpoch.ts'
import { columnLeaf, merkleTree, unpackColumns, unpackInputs } from '../../epochs/packing.ts'
import { BaseError } from '../../errors/base.ts'
import { getRevealedRows, type RevealedRow } from '../weights/weights.ts'
import { ensureAllowance, type WriteClient, writeContractAndWait } from '../write.ts'

type Address = `0x${string}`
const ZERO = '0x0000000000000000000000000000000000000000'

export type EpochContracts = { registry: Address; staking: Address; weights: Address; epochs: Address }

/** The next epoch of `netuid` to settle and its snapshot block. */
export async function getNextEpoch(client: Client, parameters: { epochs: Address; netuid: bigint }) {
  const [epoch, snapshotBlock] = await readContract(client, {
    address: parameters.epochs,
    abi: epochsAbi,
    functionName: 'nextEpoch',
    args: [parameters.netuid],
  })
  return { epoch, snapshotBlock: BigInt(snapshotBlock) }
}

export type EpochRecord = {
  headerHash: Hex
  /** Zero hash: nobody proposed it yet. */
  proposed: boolean
  final: boolean
  /** Set while the proposal is pending. */
  proposer: Address | null
  proposedAtBlock: bigint
}

/** What the contract stores about `epoch` of `netuid`. */
export async function getEpochRecord(
  client: Client,
  parameters: { epochs: Address; netuid: bigint; epoch: bigint },
): Promise<EpochRecord> {
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

/** The proposer bond, the challenge window (blocks) and the emission per block. */
export async function getEpochSettings(client: Client, parameters: { epochs: Address }) {
  const [proposerBond, challengeBlocks, emissionPerBlock] = await readContract(client, {
    address: parameters.epochs,
    abi: epochsAbi,
    functionName: 'settings',
  })
  return { proposerBond, challengeBlocks: BigInt(challengeBlocks), emissionPerBlock }
}

/**
 * The state of `netuid` at `snapshot` as the contracts read it: who held each uid, its stake, and its latest
 * revealed weights (the row bytes from the `WeightsRevealed` events, checked against the hash the contract keeps).
 * `neurons` fixes the uid count (a proposal's header states it; by default the subnet's `nextUid` at the snapshot).
 * `rows` may pass the revealed rows already read, to save the log query.
 */
export async function readEpochState(
  client: Client,
  parameters: EpochContracts & {
    netuid: bigint
    snapshot: bigint
    previous: PreviousEpoch | null
    neurons?: number
    rows?: readonly RevealedRow[]
  },
): Promise<EpochState> {
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

/** The parts of a built epoch the next one needs as its `previous`. */
export function previousOf(built: BuiltEpoch): PreviousEpoch {
  return {
    snapshotBlock: built.header.snapshotBlock,
    neurons: built.header.neurons,
    validators: built.validators,
    bonds: built.bonds,
  }
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

/** The proposals of `netuid` (every one, including those later slashed), oldest first. */
export async function getEpochProposals(
  client: Client,
  parameters: { epochs: Address; netuid: bigint; epoch?: bigint; fromBlock?: bigint; withCalldata?: boolean },
): Promise<ProposedEpoch[]> {
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

/** Deposits proposer bond in MYC (`token`), approving the Epochs contract first when the allowance is short. */
export async function depositProposerBond(
  client: WriteClient,
  parameters: { epochs: Address; token: Address; amount: bigint },
) {
  await ensureAllowance(client, parameters.token, parameters.epochs, parameters.amount)
  return writeContractAndWait(client, {
    address: parameters.epochs,
    abi: epochsAbi,
    functionName: 'depositBond',
    args: [parameters.amount],
  })
}

/** The bond `proposer` has free to propose with. */
export function getProposerBond(client: Client, parameters: { epochs: Address; proposer: Address }) {
  return readContract(client, {
    address: parameters.epochs,
    abi: epochsAbi,
    functionName: 'bondOf',
    args: [parameters.proposer],
  })
}

/** Proposes a built epoch (the caller's free bond must cover the proposer bond). */
export function proposeEpoch(client: WriteClient, parameters: { epochs: Address; netuid: bigint; built: BuiltEpoch }) {
  return writeContractAndWait(client, {
    address: parameters.epochs,
    abi: epochsAbi,
    functionName: 'propose',
    args: [parameters.netuid, parameters.built.proposal],
  })
}

/** Makes a pending epoch final once its challenge window has passed. */
export function finalizeEpoch(
  client: WriteClient,
  parameters: { epochs: Address; netuid: bigint; header: EpochHeader; permits: readonly bigint[]; pruneOrder: Hex },
) {
  return writeContractAndWait(client, {
    address: parameters.epochs,
    abi: epochsAbi,
    functionName: 'finalize',
    args: [parameters.netuid, parameters.header, parameters.permits, parameters.pruneOrder],
  })
}

/**
 * Makes the pending epoch final and proposes the next in one transaction (`finalizeAndPropose`): what a node that
 * settles every epoch sends once the next snapshot has passed, cheaper than the two calls apart.
 */
export function finalizeAndProposeEpoch(
  client: WriteClient,
  parameters: {
    epochs: Address
    netuid: bigint
    header: EpochHeader
    permits: readonly bigint[]
    pruneOrder: Hex
    next: BuiltEpoch
  },
) {
  return writeContractAndWait(client, {
    address: parameters.epochs,
    abi: epochsAbi,
    functionName: 'finalizeAndPropose',
    args: [parameters.netuid, parameters.header, parameters.permits, parameters.pruneOrder, parameters.next.proposal],
  })
}

/** Claim roles as the contract numbers them. */
export const CLAIM_ROLE = { owner: 0, miner: 1, validator: 2 } as const

/** Whether a share of a final epoch was claimed (`uid` 0 for the owner). */
export function isEmissionClaimed(
  client: Client,
  parameters: { epochs: Address; netuid: bigint; epoch: bigint; role: keyof typeof CLAIM_ROLE; uid: number },
) {
  return readContract(client, {
    address: parameters.epochs,
    abi: epochsAbi,
    functionName: 'isClaimed',
    args: [parameters.netuid, parameters.epoch, CLAIM_ROLE[parameters.role], BigInt(parameters.uid)],
  })
}

/** The emission of a settled epoch (before the owner / miners / validators split). */
export function getEpochEmission(client: Client, parameters: { epochs: Address; netuid: bigint; header: EpochHeader }) {
  return readContract(client, {
    address: parameters.epochs,
    abi: epochsAbi,
    functionName: 'emissionOf',
    args: [parameters.netuid, parameters.header],
  })
}

/** What a claim restates: the epoch's header and its proposal as sent (both from {@link getEpochProposals}). */
export type SettledProposal = { header: EpochHeader; proposal: EpochProposal }

/** Miner `uid`'s column (rank, bonds hash) and Merkle proof, from a proposal's packed columns. */
export function columnProof(proposal: EpochProposal, uid: number) {
  const columns = unpackColumns(proposal.columns)
  const column = columns[uid]
  if (!column) throw new BaseError(`uid ${uid} is not in the epoch (it has ${columns.length} uids).`)
  const tree = merkleTree(columns.map((c, j) => columnLeaf(j, c.rank, c.bondsHash)))
  return { rank: column.rank, bondsHash: column.bondsHash, proof: tree.proof(uid) }
}

/** Pays miner `uid` its share of a final epoch (to the hotkey that held the uid; anyone may send it). */
export function claimMinerEmission(
  client: WriteClient,
  parameters: SettledProposal & { epochs: Address; netuid: bigint; epoch: bigint; uid: number },
) {
  const { rank, bondsHash, proof } = columnProof(parameters.proposal, parameters.uid)
  return writeContractAndWait(client, {
    address: parameters.epochs,
    abi: epochsAbi,
    functionName: 'claimMiner',
    args: [parameters.netuid, parameters.epoch, parameters.header, parameters.uid, BigInt(rank), bondsHash, proof],
  })
}

/** Pays validator `uid` its dividends of a final epoch, through Staking (take and delegators apply). */
export function claimValidatorEmission(
  client: WriteClient,
  parameters: SettledProposal & { epochs: Address; netuid: bigint; epoch: bigint; uid: number },
) {
  const { proposal } = parameters
  const index = unpackInputs(proposal.inputs).findIndex((x) => x.uid === parameters.uid)
  if (index < 0) throw new BaseError(`uid ${parameters.uid} was not a validator in epoch ${parameters.epoch}.`)
  return writeContractAndWait(client, {
    address: parameters.epochs,
    abi: epochsAbi,
    functionName: 'claimValidator',
    args: [parameters.netuid, parameters.epoch, parameters.header, BigInt(index), proposal.inputs, proposal.dividends],
  })
}

/** Pays the subnet owner its share of a final epoch. */
export function claimOwnerEmission(
  client: WriteClient,
  parameters: { epochs: Address; netuid: bigint; epoch: bigint; header: EpochHeader },
) {
  return writeContractAndWait(client, {
    address: parameters.epochs,
    abi: epochsAbi,
    functionName: 'claimOwner',
    args: [parameters.netuid, parameters.epoch, parameters.header],
  })
}

/** What `staker` can claim from its stake on `hotkey` (dividends distributed through Staking). */
export async function getPendingRewards(
  client: Client,
  parameters: { staking: Address; netuid: bigint; hotkey: Address; staker: Address },
) {
  return readContract(client, {
    address: parameters.staking,
    abi: stakingAbi,
    functionName: 'pendingRewards',
    args: [parameters.netuid, parameters.hotkey, parameters.staker],
  })
}
