/**
 * Which dispute proves a proposal wrong. A checker builds the epoch itself (`buildEpoch` from the chain's records),
 * compares it with what was proposed, and lists the disputes that could slash it, most specific first: the columns'
 * root, the validator set, a stake, a row sum, one miner's column, the dividends, the prune order. Every entry
 * restates the proposal as sent (its calldata) and carries the evidence the contract recomputes from, so the
 * checker can simulate each and send the first the contract accepts. Pure.
 */
import type { Hex } from 'viem'
import type { BuiltEpoch, EpochHeader, EpochProposal } from './buildEpoch.ts'
import { bondsColumnHash, columnLeaf, merkleTree, packQ, unpackColumns, unpackInputs, unpackUids } from './packing.ts'

export type DisputeCall = {
  functionName:
    | 'disputeRoot'
    | 'disputeValidators'
    | 'disputeStake'
    | 'disputeRowSum'
    | 'disputeColumn'
    | 'disputeDividends'
    | 'disputePruneOrder'
  /** The arguments after `(netuid, header)`. */
  args: readonly unknown[]
  /** What is wrong, for people. */
  reason: string
}

/** The previous epoch as it was settled on chain: its header and proposal, and the checker's own build of it. */
export type SettledEpoch = { header: EpochHeader; proposal: EpochProposal; built: BuiltEpoch }

/** True when the proposal is exactly the checker's. */
export function proposalMatches(ours: BuiltEpoch, proposal: EpochProposal): boolean {
  const p = ours.proposal
  return (
    p.inputs === proposal.inputs.toLowerCase() &&
    p.columns === proposal.columns.toLowerCase() &&
    p.dividends === proposal.dividends.toLowerCase() &&
    p.columnsRoot === proposal.columnsRoot.toLowerCase() &&
    p.rankSum === proposal.rankSum &&
    p.pruneOrder === proposal.pruneOrder.toLowerCase()
  )
}

/**
 * The disputes that may slash `proposal` (proposed with `header`), given the checker's own `ours` for the same
 * snapshot and the previous settled epoch (null for a first epoch). Empty when the proposal matches.
 */
export function planDisputes(
  ours: BuiltEpoch,
  proposal: EpochProposal,
  header: EpochHeader,
  previous: SettledEpoch | null,
): DisputeCall[] {
  if (proposalMatches(ours, proposal)) return []
  const calls: DisputeCall[] = []
  const columns = unpackColumns(proposal.columns)
  const tree = merkleTree(columns.map((c, uid) => columnLeaf(uid, c.rank, c.bondsHash)))
  const rankSum = columns.reduce((a, c) => a + BigInt(c.rank), 0n)
  if (tree.root !== proposal.columnsRoot.toLowerCase() || rankSum !== proposal.rankSum) {
    calls.push({ functionName: 'disputeRoot', args: [proposal.columns], reason: 'the columns root or rank sum' })
  }

  const stated = unpackInputs(proposal.inputs)
  const statedUids = stated.map((x) => x.uid)
  stated.forEach((x, i) => {
    if (!ours.validators.includes(x.uid)) {
      calls.push({
        functionName: 'disputeValidators',
        args: [proposal.inputs, BigInt(i), 0],
        reason: `uid ${x.uid} is not a validator`,
      })
    }
  })
  for (const uid of ours.validators) {
    if (!statedUids.includes(uid)) {
      calls.push({
        functionName: 'disputeValidators',
        args: [proposal.inputs, BigInt(stated.length), uid],
        reason: `uid ${uid} belongs in the validator set`,
      })
    }
  }
  stated.forEach((x, i) => {
    const k = ours.validators.indexOf(x.uid)
    if (k >= 0 && ours.stakes[k] !== x.stake) {
      calls.push({
        functionName: 'disputeStake',
        args: [proposal.inputs, BigInt(i)],
        reason: `validator uid ${x.uid}'s stake`,
      })
    }
    if (k >= 0 && ours.rowSums[k] !== x.rowSum) {
      calls.push({
        functionName: 'disputeRowSum',
        args: [proposal.inputs, BigInt(i), ours.rows[k] ?? '0x'],
        reason: `validator uid ${x.uid}'s row sum`,
      })
    }
  })
  // The remaining disputes recompute from the stated inputs: they can only succeed once those are right.
  if (calls.length > 0) return calls

  columns.forEach((c, uid) => {
    if (c.rank === ours.ranks[uid] && c.bondsHash === bondsColumnHash(ours.bonds[uid] ?? [])) return
    const prev = previous && uid < previous.header.neurons ? previous : null
    calls.push({
      functionName: 'disputeColumn',
      args: [
        proposal.inputs,
        {
          uid,
          rank: BigInt(c.rank),
          bondsHash: c.bondsHash,
          proof: tree.proof(uid),
          rows: ours.rows,
          prevHeader: previous?.header ?? header,
          prevInputs: previous?.proposal.inputs ?? '0x',
          prevBonds: prev ? packQ(prev.built.bonds[uid] ?? []) : '0x',
          prevRank: BigInt(prev?.built.ranks[uid] ?? 0),
          prevProof: prev ? prev.built.proof(uid) : [],
        },
      ],
      reason: `miner uid ${uid}'s rank or bonds`,
    })
  })
  if (calls.length > 0) return calls

  if (proposal.dividends.toLowerCase() !== ours.proposal.dividends) {
    calls.push({
      functionName: 'disputeDividends',
      args: [proposal.inputs, proposal.columns, packQ(ours.bonds.flat()), proposal.dividends],
      reason: 'the dividends',
    })
    return calls
  }

  if (proposal.pruneOrder.toLowerCase() !== ours.proposal.pruneOrder) {
    const order = unpackUids(proposal.pruneOrder)
    const entry = (uid: number) => ({
      uid,
      rank: BigInt(columns[uid]?.rank ?? 0),
      bondsHash: (columns[uid]?.bondsHash ?? `0x${'00'.repeat(16)}`) as Hex,
      proof: tree.proof(uid),
    })
    const evidence = (candidate: number | null) => ({
      dividends: proposal.dividends,
      pruneOrder: proposal.pruneOrder,
      entries: [...order.map(entry), ...(candidate === null ? [] : [entry(candidate)])],
      withCandidate: candidate !== null,
    })
    calls.push({
      functionName: 'disputePruneOrder',
      args: [proposal.inputs, evidence(null)],
      reason: 'the prune order',
    })
    for (const uid of unpackUids(ours.proposal.pruneOrder)) {
      if (!order.includes(uid)) {
        calls.push({
          functionName: 'disputePruneOrder',
          args: [proposal.inputs, evidence(uid)],
          reason: `the prune order leaves out uid ${uid}`,
        })
      }
    }
  }
  return calls
}
