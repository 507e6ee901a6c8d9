/**
 * The finalize duty: after the challenge window, finalize the pending epoch and record it as final (with this node's
 * computation, for the next epoch's bonds, the claims and the dashboard). A proposing node waits until the next
 * epoch is due and finalizes it and proposes the next in one transaction (`finalizeAndPropose`); the final epoch
 * then joins the claim queue.
 */
import {
  finalizeAndProposeEpoch,
  finalizeEpoch,
  getEpochEmission,
  proposalMatches,
  type SettledEpoch,
  unpackInputs,
} from '@mycel/sdk'
import type { PendingProposal } from './check.ts'
import type { EpochKeeperEvent, KeeperContext } from './context.ts'
import { ensureBond, nextDue } from './propose.ts'

/** A permit bitmap (256 uids per word) of the uids in packed inputs, as `EpochMath.permitsOf`. */
export function permitsOfInputs(inputs: `0x${string}`, neurons: number): bigint[] {
  const words = new Array<bigint>(Math.ceil(neurons / 256)).fill(0n)
  for (const { uid } of unpackInputs(inputs)) words[uid >> 8] = (words[uid >> 8] as bigint) | (1n << BigInt(uid & 255))
  return words
}

/** Finalizes the pending proposal of `epoch` once its window passed; true when it did (the epoch is final). */
export async function finalizeDue(
  k: KeeperContext,
  f: {
    netuid: bigint
    epoch: bigint
    key: string
    head: bigint
    proposedAtBlock: bigint
    pending: PendingProposal
    previous: SettledEpoch | null
  },
  events: EpochKeeperEvent[],
): Promise<boolean> {
  const { netuid, epoch, key, head, pending, previous } = f
  const { wallet, contracts, log, parameters } = k
  const { challengeBlocks, proposerBond } = await k.epochSettings()
  if (head <= f.proposedAtBlock + challengeBlocks || !pending.proposal) return false
  const known = k.checkedBuild.get(netuid)
  const ours =
    known?.key === key
      ? known.built
      : await k.build(netuid, pending.header.snapshotBlock, previous, pending.header.neurons)
  k.checkedBuild.delete(netuid)
  const finalizing = {
    epochs: contracts.epochs,
    netuid,
    header: pending.header,
    permits: permitsOfInputs(pending.proposal.inputs, pending.header.neurons),
    pruneOrder: pending.proposal.pruneOrder,
  }
  // A proposing node finalizes with its next proposal, in one transaction, once the next snapshot has passed:
  // 262k gas per epoch at 256 x 64 against 309k for the two apart (bench/epochs.ts). The epoch goes final up to a
  // tempo later than it could; anyone may finalize it alone meanwhile. A checker that does not propose finalizes
  // as soon as the window has passed.
  const next = parameters.propose
    ? await nextDue(k, netuid, pending.header.snapshotBlock, head, {
        header: pending.header,
        proposal: pending.proposal,
        built: ours,
      })
    : null
  if (parameters.propose && !next) {
    k.checkedBuild.set(netuid, { key, built: ours })
    return false
  }
  if (next) {
    const ownBond = pending.proposer.toLowerCase() === wallet.account.address.toLowerCase()
    await ensureBond(k, ownBond ? proposerBond : 0n)
    await k.send(() => finalizeAndProposeEpoch(wallet, { ...finalizing, next: next.built }))
  } else {
    await k.send(() => finalizeEpoch(wallet, finalizing))
  }
  const emission = await getEpochEmission(wallet, { epochs: contracts.epochs, netuid, header: pending.header })
  k.record(netuid, epoch, pending.proposer, pending.header, pending.proposal, ours, true, emission)
  const matches = proposalMatches(ours, pending.proposal)
  if (!matches) log.error({ msg: 'an epoch went final that this node computes differently', netuid: Number(netuid) })
  log.info({ msg: 'epoch final', netuid: Number(netuid), epoch: Number(epoch), emission: emission.toString() })
  events.push({ kind: 'finalized', netuid, epoch, matches })
  if (next) {
    log.info({
      msg: 'epoch proposed',
      netuid: Number(netuid),
      epoch: Number(epoch + 1n),
      validators: next.built.validators.length,
      withFinalization: true,
    })
    events.push({ kind: 'proposed', netuid, epoch: epoch + 1n })
  }
  const settled = { header: pending.header, proposal: pending.proposal, built: ours }
  k.settledCache.set(netuid, { epoch, settled })
  k.claimQueue.set(netuid, [...(k.claimQueue.get(netuid) ?? []), { epoch, settled }])
  return true
}
