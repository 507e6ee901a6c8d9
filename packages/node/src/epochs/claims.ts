/**
 * The claim duty: claim a final epoch's shares — the miners', the validators' (through Staking) and the owner's —
 * every share, or only those of this node's hotkeys. Claims are spread over ticks, a few transactions each, so that
 * a validator sharing this account gets its turns to reveal weights in between.
 */
import {
  claimMinerEmission,
  claimOwnerEmission,
  claimValidatorEmission,
  getNeuronAt,
  getSubnet,
  isEmissionClaimed,
  proposalMatches,
  type SettledEpoch,
} from '@mycel/sdk'
import type { EpochKeeperEvent, KeeperContext } from './context.ts'

/** Claim transactions per tick (the account may be a validator's, which must get turns to reveal). */
export const CLAIMS_PER_TICK = 2

/** Claims up to `limit` unclaimed shares of a final epoch; `done` once none is left. */
export async function claimSome(
  k: KeeperContext,
  netuid: bigint,
  epoch: bigint,
  settled: SettledEpoch,
  limit: number,
): Promise<{ claims: number; done: boolean }> {
  const { wallet, contracts, parameters } = k
  const { built, header } = settled
  // Claims restate proofs this node can only make for a result it computes itself.
  if (!proposalMatches(built, settled.proposal)) return { claims: 0, done: true }
  const mine = (hotkey: string | null | undefined) =>
    parameters.claimFor === 'all' ||
    (hotkey !== null && hotkey !== undefined && parameters.claimFor.has(hotkey.toLowerCase()))
  /** Whether this node claims uid's share: every share, or those of its own hotkeys at the snapshot. */
  const claimsUid = async (uid: number) => {
    if (parameters.claimFor === 'all') return true
    const { hotkey } = await getNeuronAt(wallet, {
      registry: contracts.registry,
      netuid,
      uid,
      blockNumber: header.snapshotBlock,
    })
    return mine(hotkey)
  }
  const base = { epochs: contracts.epochs, netuid, epoch }
  let claims = 0
  for (let uid = 0; uid < header.neurons; uid++) {
    if (claims >= limit) return { claims, done: false }
    if ((built.ranks[uid] ?? 0) === 0 || !(await claimsUid(uid))) continue
    if (await isEmissionClaimed(wallet, { ...base, role: 'miner', uid })) continue
    await k.send(() => claimMinerEmission(wallet, { ...base, ...settled, uid }))
    claims += 1
  }
  for (const [i, uid] of built.validators.entries()) {
    if (claims >= limit) return { claims, done: false }
    if ((built.dividends[i] ?? 0) === 0 || !(await claimsUid(uid))) continue
    if (await isEmissionClaimed(wallet, { ...base, role: 'validator', uid })) continue
    await k.send(() => claimValidatorEmission(wallet, { ...base, ...settled, uid }))
    claims += 1
  }
  const { owner } = await getSubnet(wallet, { registry: contracts.registry, netuid })
  if (mine(owner) && !(await isEmissionClaimed(wallet, { ...base, role: 'owner', uid: 0 }))) {
    if (claims >= limit) return { claims, done: false }
    await k.send(() => claimOwnerEmission(wallet, { ...base, header }))
    claims += 1
  }
  return { claims, done: true }
}

/** Works through the final epochs whose shares are still to claim, a few transactions per tick. */
export async function claimDue(k: KeeperContext, netuid: bigint, events: EpochKeeperEvent[]): Promise<void> {
  const queue = k.claimQueue.get(netuid) ?? []
  const next = queue[0]
  if (!next) return
  const { claims, done } = await claimSome(k, netuid, next.epoch, next.settled, CLAIMS_PER_TICK)
  if (done) queue.shift()
  if (claims > 0) events.push({ kind: 'claimed', netuid, epoch: next.epoch, claims })
}
