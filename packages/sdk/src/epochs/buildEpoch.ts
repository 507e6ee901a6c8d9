/**
 * Builds an epoch proposal exactly as the Epochs contract checks it (docs/epochs.md): the validator set (top stakes),
 * their active stakes and masked row sums, every miner's rank and new bonds column, the dividends and the prune
 * order — from the chain's records as of the snapshot block, read by the caller. Pure: the same state gives the same
 * proposal bytes on every machine.
 */
import { encodeAbiParameters, type Hex, keccak256 } from 'viem'
import type { SubnetParams } from '../subnets/params.ts'
import { decodeWeights } from '../weights/weights.ts'
import { type YumaParams, type YumaResult, yumaEpoch } from '../yuma/epoch.ts'
import { ONE } from '../yuma/fixedPoint.ts'
import { emissionSplit } from './emission.ts'
import { bondsColumnHash, columnLeaf, merkleTree, packColumns, packInputs, packQ, packUids } from './packing.ts'

/** The consensus parameters of an epoch in Q32, as `EpochMath.Params`. */
export type EpochParams = {
  kappa: number
  bondsPenalty: number
  alpha: number
  yuma3: boolean
  liquidAlpha: boolean
  alphaLow: number
  alphaHigh: number
  steepness: number
}

/** The subnet parameters (u16 fractions, ppm) as the contract converts them when an epoch is proposed. */
export function epochParams(
  p: Pick<
    SubnetParams,
    | 'kappa'
    | 'bondsPenalty'
    | 'bondsMovingAverage'
    | 'yuma3'
    | 'liquidAlpha'
    | 'alphaLow'
    | 'alphaHigh'
    | 'alphaSigmoidSteepness'
  >,
): EpochParams {
  const u16 = (x: number) => Number((BigInt(x) << 32n) / 65_535n)
  return {
    kappa: u16(p.kappa),
    bondsPenalty: u16(p.bondsPenalty),
    alpha: ONE - Number((BigInt(p.bondsMovingAverage) << 32n) / 1_000_000n),
    yuma3: p.yuma3,
    liquidAlpha: p.liquidAlpha,
    alphaLow: u16(p.alphaLow),
    alphaHigh: u16(p.alphaHigh),
    steepness: p.alphaSigmoidSteepness,
  }
}

export type EpochSlot = {
  /** Who held the uid at the snapshot (null: nobody). */
  hotkey: `0x${string}` | null
  registeredAt: bigint
  /** Its stake at the snapshot. */
  stake: bigint
  /**
   * Its latest weights revealed by the snapshot, if any, and the last block they keep it active by the activity
   * cutoff in force at the reveal (Weights.Row.activeUntil).
   */
  row?: { packed: Hex; commitBlock: bigint; revealBlock: bigint; activeUntil: bigint } | undefined
}

export type PreviousEpoch = {
  snapshotBlock: bigint
  neurons: number
  validators: readonly number[]
  /** Per uid, its bonds column: one Q32 value per previous validator. */
  bonds: readonly (readonly number[])[]
}

export type EpochState = {
  snapshotBlock: bigint
  /** The previous epoch's snapshot block (the subnet's creation block for its first epoch). */
  prevSnapshotBlock: bigint
  params: EpochParams
  maxValidators: number
  activityCutoff: bigint
  immunityPeriod: bigint
  /** One per uid below the subnet's `nextUid` at the snapshot. */
  slots: readonly EpochSlot[]
  previous: PreviousEpoch | null
  /** The epoch's emission as the contract fixes it when the epoch is proposed (`Epochs.emissionUntil`). */
  shareBlocks: bigint
  emission: bigint
}

/**
 * An epoch's input from what the chain holds at its snapshot: the subnet's creation block, its parameters, the slots
 * read at the snapshot, and the previous epoch (null for the first).
 */
export function epochStateOf(parts: {
  snapshot: bigint
  createdAtBlock: bigint
  params: Parameters<typeof epochParams>[0] & Pick<SubnetParams, 'maxValidators' | 'activityCutoff' | 'immunityPeriod'>
  slots: readonly EpochSlot[]
  previous: PreviousEpoch | null
  emission: { shareBlocks: bigint; emission: bigint }
}): EpochState {
  const { params: p, previous } = parts
  return {
    snapshotBlock: parts.snapshot,
    prevSnapshotBlock: previous?.snapshotBlock ?? parts.createdAtBlock,
    params: epochParams(p),
    maxValidators: p.maxValidators,
    activityCutoff: BigInt(p.activityCutoff),
    immunityPeriod: BigInt(p.immunityPeriod),
    slots: parts.slots,
    previous,
    shareBlocks: parts.emission.shareBlocks,
    emission: parts.emission.emission,
  }
}

/** What `Epochs.propose` takes. */
export type EpochProposal = {
  inputs: Hex
  columns: Hex
  dividends: Hex
  columnsRoot: Hex
  rankSum: bigint
  /** Packed u16 uids. */
  pruneOrder: Hex
  /** What the proposal was computed for (snapshot, uid count, parameters); a stale one is refused on chain. */
  settingsHash: Hex
}

/** What the contract stores the hash of and every later call restates (`EpochMath.Header`). */
export type EpochHeader = {
  snapshotBlock: bigint
  prevSnapshotBlock: bigint
  neurons: number
  validatorCount: number
  rankSum: bigint
  inputsHash: Hex
  columnsHash: Hex
  columnsRoot: Hex
  dividendsHash: Hex
  pruneHash: Hex
  permitsHash: Hex
  params: {
    kappa: bigint
    bondsPenalty: bigint
    alpha: bigint
    yuma3: boolean
    liquidAlpha: boolean
    alphaLow: bigint
    alphaHigh: bigint
    steepness: bigint
  }
  activityCutoff: number
  immunityPeriod: number
  maxValidators: number
  /** The subnet's stake share summed over the blocks before the snapshot (`Staking.shareBlocksAt`). */
  shareBlocks: bigint
  /** What the epoch mints (`Epochs.emissionUntil` at the snapshot). */
  emission: bigint
}

export type BuiltEpoch = {
  proposal: EpochProposal
  header: EpochHeader
  /** The validators (uids, increasing), their stakes in the epoch and their masked row sums. */
  validators: number[]
  /** Their permits as `Epochs.finalize` takes them: a bitmap over uids, 256 per word. */
  permits: bigint[]
  stakes: bigint[]
  rowSums: bigint[]
  /** Per uid: rank (Q32, unnormalized) and its new bonds column (one value per validator). */
  ranks: number[]
  bonds: number[][]
  dividends: number[]
  incentive: number[]
  consensus: number[]
  rankSum: number
  root: Hex
  /** The packed weights row of each validator (empty when it revealed none). */
  rows: Hex[]
  /** A Merkle proof for column `uid`. */
  proof: (uid: number) => Hex[]
}

export const MAX_PRUNE_ORDER = 16

/** The validator set: the top `max` stakes at the snapshot (ties to the lower uid), in increasing uid order. */
export function selectValidators(slots: readonly EpochSlot[], max: number): number[] {
  return slots
    .map((slot, uid) => ({ uid, stake: slot.hotkey === null ? 0n : slot.stake }))
    .filter((x) => x.stake > 0n)
    .sort((a, b) => (a.stake === b.stake ? a.uid - b.uid : a.stake > b.stake ? -1 : 1))
    .slice(0, max)
    .map((x) => x.uid)
    .sort((a, b) => a - b)
}

/** Validator `uid`'s weights over every uid, masked as the contract masks them. */
export function maskedRow(slots: readonly EpochSlot[], uid: number): number[] {
  const row = slots[uid]?.row
  const n = slots.length
  if (!row) return new Array<number>(n).fill(0)
  const weights = decodeWeights(row.packed)
  return Array.from({ length: n }, (_, j) => {
    const x = weights[j] ?? 0
    const target = slots[j] as EpochSlot
    if (j === uid || x === 0 || target.hotkey === null || target.registeredAt >= row.commitBlock) return 0
    return x
  })
}

export function buildEpoch(state: EpochState): BuiltEpoch {
  const { slots, params } = state
  const n = slots.length
  const validators = selectValidators(slots, state.maxValidators)
  const stakes = validators.map((uid) => {
    if ((slots[uid] as EpochSlot).stake >= 2n ** 96n) throw new RangeError(`uid ${uid}: stake does not fit 96 bits`)
    const slot = slots[uid] as EpochSlot
    // Active by the cutoff of the epoch or by the one in force at the reveal, whichever is longer (EpochReferee).
    const { row } = slot
    const active =
      row !== undefined &&
      (row.revealBlock + state.activityCutoff >= state.snapshotBlock || row.activeUntil >= state.snapshotBlock)
    return active ? slot.stake : 0n
  })
  const weights = validators.map((uid) => maskedRow(slots, uid))
  const rowSums = weights.map((row) => BigInt(row.reduce((a, b) => a + b, 0)))

  // Old bonds: from the previous epoch's column, for uids and validators that were there at its snapshot.
  const prev = state.previous
  const oldBonds = validators.map((uid) =>
    Array.from({ length: n }, (_, j) => {
      if (prev === null || j >= prev.neurons) return 0
      const miner = slots[j] as EpochSlot
      if (miner.hotkey === null || miner.registeredAt > prev.snapshotBlock) return 0
      if ((slots[uid] as EpochSlot).registeredAt > prev.snapshotBlock) return 0
      const k = prev.validators.indexOf(uid)
      return k < 0 ? 0 : ((prev.bonds[j]?.[k] as number | undefined) ?? 0)
    }),
  )

  const yumaParams: YumaParams = {
    kappa: params.kappa,
    bondsPenalty: params.bondsPenalty,
    alpha: params.alpha,
    liquidAlpha:
      params.yuma3 && params.liquidAlpha
        ? { low: params.alphaLow, high: params.alphaHigh, steepness: params.steepness }
        : null,
    version: params.yuma3 ? 'yuma3' : 'yuma',
  }
  // With no validator nothing is ranked: every column is zero (yumaEpoch reads the uid count from the rows, and there
  // are none).
  const zeros = () => new Array<number>(n).fill(0)
  const result: YumaResult =
    validators.length > 0
      ? yumaEpoch({ ...yumaParams, weights, stake: stakes, bonds: oldBonds })
      : {
          stake: [],
          consensus: zeros(),
          ranks: zeros(),
          incentive: zeros(),
          validatorTrust: [],
          dividends: [],
          bonds: [],
        }
  const bonds = Array.from({ length: n }, (_, j) => validators.map((_, i) => result.bonds[i]?.[j] as number))
  const columnsData = result.ranks.map((rank, j) => ({ rank, bondsHash: bondsColumnHash(bonds[j] as number[]) }))
  const tree = merkleTree(columnsData.map((c, j) => columnLeaf(j, c.rank, c.bondsHash)))
  const rankSum = result.ranks.reduce((a, b) => a + b, 0)

  // Prune order: present, non-immune uids by combined emission share, then age, then uid.
  const dividendOf = new Map(validators.map((uid, i) => [uid, result.dividends[i] as number]))
  const pruneOrder = slots
    .map((slot, uid) => ({
      uid,
      slot,
      score:
        emissionSplit.minersBps * BigInt(result.incentive[uid] as number) +
        emissionSplit.validatorsBps * BigInt(dividendOf.get(uid) ?? 0),
    }))
    .filter((x) => x.slot.hotkey !== null && x.slot.registeredAt + state.immunityPeriod <= state.snapshotBlock)
    .sort((a, b) =>
      a.score !== b.score
        ? a.score < b.score
          ? -1
          : 1
        : a.slot.registeredAt !== b.slot.registeredAt
          ? a.slot.registeredAt < b.slot.registeredAt
            ? -1
            : 1
          : a.uid - b.uid,
    )
    .slice(0, MAX_PRUNE_ORDER)
    .map((x) => x.uid)

  const inputs = packInputs(
    validators.map((uid, i) => ({ uid, stake: stakes[i] as bigint, rowSum: rowSums[i] as bigint })),
  )
  const columns = packColumns(columnsData)
  const dividends = packQ(result.dividends)
  const proposal: EpochProposal = {
    inputs,
    columns,
    dividends,
    columnsRoot: tree.root,
    rankSum: BigInt(rankSum),
    pruneOrder: packUids(pruneOrder),
    settingsHash: '0x',
  }
  const permits = new Array<bigint>(Math.ceil(n / 256)).fill(0n)
  for (const uid of validators) permits[uid >> 8] = (permits[uid >> 8] as bigint) | (1n << BigInt(uid & 255))
  const header: EpochHeader = {
    snapshotBlock: state.snapshotBlock,
    prevSnapshotBlock: state.prevSnapshotBlock,
    neurons: n,
    validatorCount: validators.length,
    rankSum: BigInt(rankSum),
    inputsHash: keccak256(inputs),
    columnsHash: keccak256(columns),
    columnsRoot: tree.root,
    dividendsHash: keccak256(dividends),
    pruneHash: keccak256(packUids(pruneOrder)),
    permitsHash: keccak256(encodeAbiParameters([{ type: 'uint256[]' }], [permits])),
    params: {
      kappa: BigInt(params.kappa),
      bondsPenalty: BigInt(params.bondsPenalty),
      alpha: BigInt(params.alpha),
      yuma3: params.yuma3,
      liquidAlpha: params.liquidAlpha,
      alphaLow: BigInt(params.alphaLow),
      alphaHigh: BigInt(params.alphaHigh),
      steepness: BigInt(params.steepness),
    },
    activityCutoff: Number(state.activityCutoff),
    immunityPeriod: Number(state.immunityPeriod),
    maxValidators: state.maxValidators,
    shareBlocks: state.shareBlocks,
    emission: state.emission,
  }
  proposal.settingsHash = keccak256(
    encodeAbiParameters(
      [
        { type: 'uint64' },
        { type: 'uint16' },
        {
          type: 'tuple',
          components: [
            { name: 'kappa', type: 'uint256' },
            { name: 'bondsPenalty', type: 'uint256' },
            { name: 'alpha', type: 'uint256' },
            { name: 'yuma3', type: 'bool' },
            { name: 'liquidAlpha', type: 'bool' },
            { name: 'alphaLow', type: 'uint256' },
            { name: 'alphaHigh', type: 'uint256' },
            { name: 'steepness', type: 'uint256' },
          ],
        },
        { type: 'uint32' },
        { type: 'uint32' },
        { type: 'uint16' },
      ],
      [state.snapshotBlock, n, header.params, header.activityCutoff, header.immunityPeriod, header.maxValidators],
    ),
  )
  return {
    proposal,
    header,
    validators,
    permits,
    stakes,
    rowSums,
    ranks: result.ranks,
    bonds,
    dividends: result.dividends,
    incentive: result.incentive,
    consensus: result.consensus,
    rankSum,
    root: tree.root,
    rows: validators.map((uid) => slots[uid]?.row?.packed ?? '0x'),
    proof: (uid) => tree.proof(uid),
  }
}
