/**
 * The node's epoch duties in its subnets, so epochs settle without anyone trusting anyone, composed:
 * - **propose** (propose.ts): once an epoch's snapshot block has passed and nobody proposed it, build it from the
 *   chain's own records (`readEpochState` → `buildEpoch`) and propose it (depositing the proposer bond when short);
 * - **check** (check.ts): build every pending proposal independently; when it differs, plan the disputes that prove
 *   it wrong and send the first the contract accepts (the proposer is slashed, the epoch reopens);
 * - **finalize** (finalize.ts) after the challenge window, recording the epoch (with this node's computation, for
 *   the next epoch's bonds and the dashboard) in SQLite; when the next epoch is already due, finalize it and propose
 *   the next in one transaction (`finalizeAndPropose`);
 * - **claim** (claims.ts) the final epoch's shares: the miners', the validators' (through Staking) and the owner's.
 * The duties share the keeper's caches and steps (context.ts); every transaction takes turns with the account's
 * other sends through the node's per-account queue.
 */
import { getEpochProposals, getEpochRecord, getNextEpoch, type SettledEpoch } from '@mycel/sdk'
import { getBlockNumber } from 'viem/actions'
import { checkPending } from './check.ts'
import { claimDue } from './claims.ts'
import {
  createKeeperContext,
  type EpochKeeperEvent,
  type EpochKeeperParameters,
  type KeeperContext,
} from './context.ts'
import { finalizeDue } from './finalize.ts'
import { proposeDue } from './propose.ts'

export type EpochKeeper = {
  /** One step for every subnet; returns what it did. */
  tick: () => Promise<EpochKeeperEvent[]>
  /** The last final epoch of `netuid` as recorded (with this node's computation). */
  settled: (netuid: bigint) => SettledEpoch | null
}

/** One settlement step in `netuid`; true when it finalized an epoch (the next one may be proposable at once). */
async function tickSubnet(k: KeeperContext, netuid: bigint, events: EpochKeeperEvent[]): Promise<boolean> {
  const { wallet, contracts, parameters } = k
  const head = await getBlockNumber(wallet, { cacheTime: 0 })
  const { epoch, snapshotBlock } = await getNextEpoch(wallet, { epochs: contracts.epochs, netuid })
  parameters.metrics?.set(
    'mycel_epoch_lag_blocks',
    "Head block minus the snapshot block of the subnet's next epoch to settle (negative: not due yet).",
    Number(head - snapshotBlock),
    { netuid: netuid.toString() },
  )
  parameters.metrics?.set('mycel_epoch_next', 'Next epoch of the subnet to settle.', Number(epoch), {
    netuid: netuid.toString(),
  })
  const previous = await k.previousSettled(netuid, epoch)
  const onChain = await getEpochRecord(wallet, { epochs: contracts.epochs, netuid, epoch })
  if (!onChain.proposed) {
    await proposeDue(k, { netuid, epoch, snapshotBlock, head, previous }, events)
    return false
  }
  const proposals = await getEpochProposals(wallet, {
    epochs: contracts.epochs,
    netuid,
    epoch,
    fromBlock: onChain.proposedAtBlock,
  })
  const pending = proposals.at(-1)
  if (!pending) return false
  const key = `${epoch}:${onChain.headerHash}`
  if (await checkPending(k, { netuid, epoch, key, pending, previous }, events)) return false
  return finalizeDue(
    k,
    { netuid, epoch, key, head, proposedAtBlock: onChain.proposedAtBlock, pending, previous },
    events,
  )
}

export function createEpochKeeper(parameters: EpochKeeperParameters): EpochKeeper {
  const k = createKeeperContext(parameters)
  return {
    settled: (netuid) => k.settledCache.get(netuid)?.settled ?? null,
    async tick() {
      const events: EpochKeeperEvent[] = []
      const netuids = await parameters.netuids()
      const failed = new Set<bigint>()
      const fail = (netuid: bigint, error: unknown) => {
        failed.add(netuid)
        k.log.warn({ msg: 'epoch duty failed', netuid: Number(netuid), err: (error as Error).message.split('\n')[0] })
      }
      // Settlement first in every subnet, claims after: claims never delay an epoch's proposal or finalization.
      for (const netuid of netuids) {
        try {
          // A finalization is followed at once by the next epoch's proposal when its snapshot has passed: an epoch
          // then costs its challenge window and one tick, not two ticks more.
          if (await tickSubnet(k, netuid, events)) await tickSubnet(k, netuid, events)
        } catch (error) {
          fail(netuid, error)
        }
      }
      for (const netuid of netuids.filter((n) => !failed.has(n))) {
        try {
          await claimDue(k, netuid, events)
        } catch (error) {
          fail(netuid, error)
        }
      }
      return events
    },
  }
}
