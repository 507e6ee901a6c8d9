/**
 * Settling epochs of an in-process epoch world the way an honest node does: build the proposal from the chain's own
 * records with the SDK, propose, wait out the challenge window, finalize, and claim every share (owner, each miner,
 * each validator). Shared by the attack tests and the emission property.
 */
import {
  type BuiltEpoch,
  bondsColumnHash,
  buildEpoch,
  columnLeaf,
  merkleTree,
  packColumns,
  packInputs,
  packQ,
  previousOf,
} from '@mycel/sdk'
import { type Address, encodeAbiParameters, type Hex, keccak256 } from 'viem'
import { type EpochWorld, errorName } from '../../../test/helpers/epochWorld.ts'

export type Settled = { epoch: bigint; built: BuiltEpoch }

/** The next epoch of `netuid`: its number and snapshot block. */
export async function nextEpochOf(world: EpochWorld, netuid: bigint): Promise<{ epoch: bigint; snapshot: bigint }> {
  const [epoch, snapshot] = (await world.must(world.addresses.epochs.toString() as Address, 'epochs', 'nextEpoch', [
    netuid,
  ])) as [bigint, bigint]
  return { epoch, snapshot }
}

/** Builds the next epoch of `netuid` as of its snapshot (which must have passed). */
export async function buildNext(world: EpochWorld, netuid: bigint, previous: Settled | null): Promise<BuiltEpoch> {
  const { snapshot } = await nextEpochOf(world, netuid)
  return buildEpoch(await world.readState(snapshot, previous && previousOf(previous.built), netuid))
}

/**
 * Proposes the right epoch of `netuid` (moving the chain past its snapshot if needed), waits out `challengeBlocks`
 * and finalizes it.
 */
export async function settleNext(
  world: EpochWorld,
  netuid: bigint,
  previous: Settled | null,
  accounts: { proposer: Address; challengeBlocks: bigint },
): Promise<Settled> {
  const { epoch, snapshot } = await nextEpochOf(world, netuid)
  if (world.chain.block <= snapshot) world.chain.block = snapshot + 1n
  const built = await buildNext(world, netuid, previous)
  await world.must(accounts.proposer, 'epochs', 'propose', [netuid, built.proposal])
  world.chain.block += accounts.challengeBlocks + 1n
  await world.must(accounts.proposer, 'epochs', 'finalize', [
    netuid,
    built.header,
    built.permits,
    built.proposal.pruneOrder,
  ])
  return { epoch, built }
}

/** Every claim of a final epoch as a function name and its arguments: the owner's, each miner's, each validator's. */
export function claimCalls(netuid: bigint, epoch: bigint, built: BuiltEpoch): [string, unknown[]][] {
  return [
    ['claimOwner', [netuid, epoch, built.header]],
    ...built.ranks.map((rank, uid): [string, unknown[]] => [
      'claimMiner',
      [netuid, epoch, built.header, uid, BigInt(rank), bondsColumnHash(built.bonds[uid] as number[]), built.proof(uid)],
    ]),
    ...built.validators.map((_, i): [string, unknown[]] => [
      'claimValidator',
      [netuid, epoch, built.header, i, built.proposal.inputs, built.proposal.dividends],
    ]),
  ]
}

/** Claims every share of a final epoch from `caller`; a share with nothing to pay is skipped. */
export async function claimAll(world: EpochWorld, netuid: bigint, settled: Settled, caller: Address): Promise<void> {
  for (const [fn, args] of claimCalls(netuid, settled.epoch, settled.built)) {
    const r = await world.call(caller, 'epochs', fn, args)
    if (!r.ok && errorName(r.revertData) !== 'EpochsNothingToClaim') {
      throw new Error(`${fn} reverted: ${errorName(r.revertData)} ${r.error ?? ''}`)
    }
  }
}

/**
 * Repacks a tampered epoch so its encodings, tree and header are self-consistent: only the contents are wrong (or,
 * with `root`, the stated root disagrees with the columns).
 */
export function repack(b: BuiltEpoch, root?: Hex): BuiltEpoch {
  const columnsData = b.ranks.map((rank, j) => ({ rank, bondsHash: bondsColumnHash(b.bonds[j] as number[]) }))
  const tree = merkleTree(columnsData.map((c, j) => columnLeaf(j, c.rank, c.bondsHash)))
  const inputs = packInputs(
    b.validators.map((uid, i) => ({ uid, stake: b.stakes[i] as bigint, rowSum: b.rowSums[i] as bigint })),
  )
  const columns = packColumns(columnsData)
  const dividends = packQ(b.dividends)
  const rankSum = BigInt(b.ranks.reduce((x, y) => x + y, 0))
  const columnsRoot = root ?? tree.root
  const permits = new Array<bigint>(Math.ceil(b.ranks.length / 256)).fill(0n)
  for (const uid of b.validators) permits[uid >> 8] = (permits[uid >> 8] as bigint) | (1n << BigInt(uid & 255))
  return {
    ...b,
    rankSum: Number(rankSum),
    root: columnsRoot,
    proof: (uid: number) => tree.proof(uid),
    proposal: { ...b.proposal, inputs, columns, dividends, columnsRoot, rankSum },
    header: {
      ...b.header,
      validatorCount: b.validators.length,
      rankSum,
      inputsHash: keccak256(inputs),
      columnsHash: keccak256(columns),
      columnsRoot,
      dividendsHash: keccak256(dividends),
      pruneHash: keccak256(b.proposal.pruneOrder),
      permitsHash: keccak256(encodeAbiParameters([{ type: 'uint256[]' }], [permits])),
    },
    permits,
  }
}

/** A copy of `b` with some of its contents changed (and everything repacked to be self-consistent). */
export function tampered(
  b: BuiltEpoch,
  change: Partial<Pick<BuiltEpoch, 'stakes' | 'ranks' | 'dividends'>> & { pruneOrder?: Hex },
): BuiltEpoch {
  const copy = { ...structuredClone({ ...b, proof: undefined }), proof: b.proof } as unknown as BuiltEpoch
  if (change.stakes) copy.stakes = change.stakes
  if (change.ranks) copy.ranks = change.ranks
  if (change.dividends) copy.dividends = change.dividends
  if (change.pruneOrder) copy.proposal.pruneOrder = change.pruneOrder
  return repack(copy)
}

/** Settles `netuid` up to and including the epoch whose snapshot is `last`; returns the epochs settled. */
export async function settleThrough(
  world: EpochWorld,
  netuid: bigint,
  previous: Settled | null,
  last: bigint,
  accounts: { proposer: Address; challengeBlocks: bigint },
): Promise<Settled[]> {
  const settled: Settled[] = []
  let prev = previous
  while ((await nextEpochOf(world, netuid)).snapshot <= last) {
    prev = await settleNext(world, netuid, prev, accounts)
    settled.push(prev)
  }
  return settled
}
