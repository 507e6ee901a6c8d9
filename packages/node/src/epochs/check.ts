/**
 * The check duty: build every pending proposal independently; when it differs, plan the disputes that prove it
 * wrong and send the first the contract accepts (the proposer is slashed, the epoch reopens). A proposal found
 * right is recorded as pending, with its emission (fixed by the snapshot).
 */
import { disputeEpoch, getEpochEmission, type getEpochProposals, planDisputes, type SettledEpoch } from '@mycel/sdk'
import type { EpochKeeperEvent, KeeperContext } from './context.ts'

/** A pending proposal as read from the chain (without `proposal` when it was sent through a contract). */
export type PendingProposal = Awaited<ReturnType<typeof getEpochProposals>>[number]

/**
 * Checks the pending proposal of `epoch` once per proposal (`key`); true when a dispute was accepted (the epoch
 * reopened, nothing more to do this step).
 */
export async function checkPending(
  k: KeeperContext,
  c: { netuid: bigint; epoch: bigint; key: string; pending: PendingProposal; previous: SettledEpoch | null },
  events: EpochKeeperEvent[],
): Promise<boolean> {
  const { netuid, epoch, key, pending, previous } = c
  const { wallet, contracts, log } = k
  if (k.checked.get(netuid) === key) return false
  if (!pending.proposal) {
    log.warn({
      msg: 'cannot check a proposal sent through a contract',
      netuid: Number(netuid),
      epoch: Number(epoch),
    })
    k.checked.set(netuid, key)
    return false
  }
  const ours = await k.build(netuid, pending.header.snapshotBlock, previous, pending.header.neurons)
  k.checkedBuild.set(netuid, { key, built: ours })
  const plan = planDisputes(ours, pending.proposal, pending.header, previous)
  if (plan.length === 0) {
    k.checked.set(netuid, key)
    // The emission is fixed by the snapshot, so it is known while the epoch is still pending.
    const emission = await getEpochEmission(wallet, { epochs: contracts.epochs, netuid, header: pending.header })
    k.record(netuid, epoch, pending.proposer, pending.header, pending.proposal, ours, false, emission)
    return false
  }
  for (const call of plan) {
    try {
      await k.send(() => disputeEpoch(wallet, { epochs: contracts.epochs, netuid, header: pending.header, call }))
      log.warn({
        msg: 'wrong epoch proposal disputed; proposer slashed',
        netuid: Number(netuid),
        epoch: Number(epoch),
        proposer: pending.proposer,
        part: call.functionName,
        reason: call.reason,
      })
      events.push({ kind: 'disputed', netuid, epoch, part: call.functionName, reason: call.reason })
      return true
    } catch (error) {
      log.debug({
        msg: 'dispute refused',
        part: call.functionName,
        err: (error as Error).message.split('\n')[0],
      })
    }
  }
  log.error({
    msg: 'this node computes the epoch differently, but no dispute was accepted',
    netuid: Number(netuid),
    epoch: Number(epoch),
  })
  k.checked.set(netuid, key)
  k.record(netuid, epoch, pending.proposer, pending.header, pending.proposal, ours, false)
  return false
}
