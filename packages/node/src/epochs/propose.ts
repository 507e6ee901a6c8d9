/**
 * The propose duty: once an epoch's snapshot block has passed and nobody proposed it, build it from the chain's own
 * records and propose it, depositing what the free proposer bond lacks first. Also finds the next epoch due, which a
 * proposing node proposes in the same transaction as the finalization (finalize.ts).
 */
import {
  depositProposerBond,
  getProposerBond,
  getStakingToken,
  getSubnetEpochSettings,
  proposeEpoch,
  type SettledEpoch,
} from '@mycel/sdk'
import type { EpochKeeperEvent, KeeperContext } from './context.ts'

/** Deposits what the free bond lacks for a proposal; `released` is bond the same transaction frees first. */
export async function ensureBond(k: KeeperContext, released = 0n): Promise<void> {
  const { wallet, contracts } = k
  const { proposerBond } = await k.epochSettings()
  const free =
    released + (await getProposerBond(wallet, { epochs: contracts.epochs, proposer: wallet.account.address }))
  if (free >= proposerBond) return
  const token = await getStakingToken(wallet, { staking: contracts.staking })
  await k.send(() => depositProposerBond(wallet, { epochs: contracts.epochs, token, amount: proposerBond - free }))
  k.log.info({ msg: 'proposer bond deposited', amount: (proposerBond - free).toString() })
}

/** Proposes epoch `epoch` of `netuid` (snapshot `snapshotBlock`), nobody having proposed it, once it is due. */
export async function proposeDue(
  k: KeeperContext,
  due: { netuid: bigint; epoch: bigint; snapshotBlock: bigint; head: bigint; previous: SettledEpoch | null },
  events: EpochKeeperEvent[],
): Promise<void> {
  const { netuid, epoch, snapshotBlock, head, previous } = due
  if (!k.parameters.propose || head <= snapshotBlock) return
  const built = await k.build(netuid, snapshotBlock, previous)
  await ensureBond(k)
  await k.send(() => proposeEpoch(k.wallet, { epochs: k.contracts.epochs, netuid, built }))
  k.log.info({
    msg: 'epoch proposed',
    netuid: Number(netuid),
    epoch: Number(epoch),
    validators: built.validators.length,
  })
  events.push({ kind: 'proposed', netuid, epoch })
}

/** The epoch after the one of snapshot `snapshot`, built, if its own snapshot has passed at `head`. */
export async function nextDue(
  k: KeeperContext,
  netuid: bigint,
  snapshot: bigint,
  head: bigint,
  settled: SettledEpoch,
): Promise<{ snapshot: bigint; built: Awaited<ReturnType<KeeperContext['build']>> } | null> {
  const { snapshot: nextSnapshot } = await getSubnetEpochSettings(k.wallet, {
    registry: k.contracts.registry,
    netuid,
    previousSnapshot: snapshot,
  })
  if (head <= nextSnapshot) return null
  return { snapshot: nextSnapshot, built: await k.build(netuid, nextSnapshot, settled) }
}
