/**
 * The node's epoch duties in its subnets, so epochs settle without anyone trusting anyone:
 * - **propose**: once an epoch's snapshot block has passed and nobody proposed it, build it from the chain's own
 *   records (`readEpochState` → `buildEpoch`) and propose it (depositing the proposer bond when short);
 * - **check**: build every pending proposal independently; when it differs, plan the disputes that prove it wrong
 *   and send the first the contract accepts (the proposer is slashed, the epoch reopens);
 * - **finalize** after the challenge window, recording the epoch (with this node's computation, for the next epoch's
 *   bonds and the dashboard) in SQLite; when the next epoch is already due, finalize it and propose the next in one
 *   transaction (`finalizeAndPropose`);
 * - **claim** the final epoch's shares: the miners', the validators' (through Staking) and the owner's.
 * One file past 400 lines: the four duties share the keeper's caches (settled epochs, checked builds, claim queue).
 */
import {
  type BuiltEpoch,
  bigintJson,
  buildEpoch,
  builtEpochFromJson,
  builtEpochToJson,
  claimMinerEmission,
  claimOwnerEmission,
  claimValidatorEmission,
  depositProposerBond,
  type EpochContracts,
  type EpochHeader,
  type EpochProposal,
  epochsAbi,
  finalizeAndProposeEpoch,
  finalizeEpoch,
  getEpochEmission,
  getEpochProposals,
  getEpochRecord,
  getEpochSettings,
  getNextEpoch,
  getProposerBond,
  isEmissionClaimed,
  planDisputes,
  previousOf,
  proposalMatches,
  proposeEpoch,
  readEpochState,
  type SettledEpoch,
  stakingAbi,
  subnetRegistryAbi,
  unpackInputs,
  type WriteClient,
  writeContractAndWait,
} from '@mycel/sdk'
import type { Logger } from 'pino'
import type { Address } from 'viem'
import { getBlockNumber, readContract } from 'viem/actions'
import type { Metrics } from '../common/metrics.ts'
import type { Db } from '../db/database.ts'

export type EpochKeeperEvent =
  | { kind: 'proposed'; netuid: bigint; epoch: bigint }
  | { kind: 'disputed'; netuid: bigint; epoch: bigint; part: string; reason: string }
  | { kind: 'finalized'; netuid: bigint; epoch: bigint; matches: boolean }
  | { kind: 'claimed'; netuid: bigint; epoch: bigint; claims: number }

/** Claim transactions per tick (the account may be a validator's, which must get turns to reveal). */
const CLAIMS_PER_TICK = 2

export type EpochKeeper = {
  /** One step for every subnet; returns what it did. */
  tick: () => Promise<EpochKeeperEvent[]>
  /** The last final epoch of `netuid` as recorded (with this node's computation). */
  settled: (netuid: bigint) => SettledEpoch | null
}

const json = bigintJson.stringify
const parse = bigintJson.parse

/** A permit bitmap (256 uids per word) of the uids in packed inputs, as `EpochMath.permitsOf`. */
export function permitsOfInputs(inputs: `0x${string}`, neurons: number): bigint[] {
  const words = new Array<bigint>(Math.ceil(neurons / 256)).fill(0n)
  for (const { uid } of unpackInputs(inputs)) words[uid >> 8] = (words[uid >> 8] as bigint) | (1n << BigInt(uid & 255))
  return words
}

export function createEpochKeeper(parameters: {
  db: Db
  wallet: WriteClient
  contracts: EpochContracts
  netuids: () => Promise<bigint[]>
  logger: Logger
  /** Propose epochs nobody proposed (a checker alone only disputes and finalizes). */
  propose: boolean
  /** Claim every share of a final epoch, or only those of these hotkeys (lowercase). */
  claimFor: 'all' | Set<string>
  /** Where the settlement lag per subnet is published (`mycel_epoch_lag_blocks`). */
  metrics?: Metrics
}): EpochKeeper {
  const { db, wallet, contracts, logger } = parameters
  const log = logger.child({ role: 'epochs' })
  /** Per subnet, the last final epoch (its number and record), so a tick does not reload it. */
  const settledCache = new Map<bigint, { epoch: bigint; settled: SettledEpoch }>()
  const checked = new Map<bigint, string>()
  /** Per subnet, this node's build of the pending proposal it checked (reused when finalizing). */
  const checkedBuild = new Map<bigint, { key: string; built: BuiltEpoch }>()
  /** Per subnet, final epochs with shares still to claim, oldest first. */
  const claimQueue = new Map<bigint, { epoch: bigint; settled: SettledEpoch }[]>()
  let settings: Awaited<ReturnType<typeof getEpochSettings>> | undefined
  /** The proposer bond, challenge window and emission rate: immutable, read once. */
  const epochSettings = async () => {
    settings ??= await getEpochSettings(wallet, { epochs: contracts.epochs })
    return settings
  }

  const loadSettled = (netuid: bigint, epoch: bigint): SettledEpoch | null => {
    const row = db
      .prepare('SELECT header, proposal, built FROM epochs WHERE netuid = ? AND epoch = ? AND final = 1')
      .get(Number(netuid), Number(epoch)) as { header: string; proposal: string; built: string } | undefined
    if (!row) return null
    return {
      header: parse<EpochHeader>(row.header),
      proposal: parse<EpochProposal>(row.proposal),
      built: builtEpochFromJson(row.built),
    }
  }

  /** The final epoch `epoch - 1`, from SQLite or rebuilt from the chain (every earlier one first, if needed). */
  async function previousSettled(netuid: bigint, epoch: bigint): Promise<SettledEpoch | null> {
    if (epoch === 0n) return null
    const cached = settledCache.get(netuid)
    if (cached?.epoch === epoch - 1n) return cached.settled
    const stored = loadSettled(netuid, epoch - 1n)
    if (stored) {
      settledCache.set(netuid, { epoch: epoch - 1n, settled: stored })
      return stored
    }
    const before = await previousSettled(netuid, epoch - 1n)
    const proposals = await getEpochProposals(wallet, { epochs: contracts.epochs, netuid, epoch: epoch - 1n })
    const final = proposals.at(-1)
    if (!final?.proposal) {
      throw new Error(`epoch ${epoch - 1n} of subnet ${netuid} is final but its proposal cannot be read from calldata`)
    }
    const built = await build(netuid, final.header.snapshotBlock, before, final.header.neurons)
    record(netuid, epoch - 1n, final.proposer, final.header, final.proposal, built, true)
    const settled = { header: final.header, proposal: final.proposal, built }
    settledCache.set(netuid, { epoch: epoch - 1n, settled })
    return settled
  }

  function build(netuid: bigint, snapshot: bigint, previous: SettledEpoch | null, neurons?: number) {
    return readEpochState(wallet, {
      ...contracts,
      netuid,
      snapshot,
      previous: previous ? previousOf(previous.built) : null,
      ...(neurons === undefined ? {} : { neurons }),
    }).then(buildEpoch)
  }

  function record(
    netuid: bigint,
    epoch: bigint,
    proposer: Address,
    header: EpochHeader,
    proposal: EpochProposal,
    built: BuiltEpoch,
    final: boolean,
    emission = 0n,
  ) {
    db.prepare(
      `INSERT INTO epochs (netuid, epoch, snapshot_block, proposer, header, proposal, built, matches, emission, final)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (netuid, epoch) DO UPDATE SET proposer = excluded.proposer, header = excluded.header,
         proposal = excluded.proposal, built = excluded.built, matches = excluded.matches,
         emission = CASE WHEN excluded.emission = '0' THEN epochs.emission ELSE excluded.emission END,
         final = excluded.final`,
    ).run(
      Number(netuid),
      Number(epoch),
      Number(header.snapshotBlock),
      proposer,
      json(header),
      json(proposal),
      builtEpochToJson(built),
      proposalMatches(built, proposal) ? 1 : 0,
      emission.toString(),
      final ? 1 : 0,
    )
  }

  /** Deposits what the free bond lacks for a proposal; `released` is bond the same transaction frees first. */
  async function ensureBond(released = 0n) {
    const { proposerBond } = await epochSettings()
    const free =
      released + (await getProposerBond(wallet, { epochs: contracts.epochs, proposer: wallet.account.address }))
    if (free >= proposerBond) return
    const token = await readContract(wallet, { address: contracts.staking, abi: stakingAbi, functionName: 'token' })
    await depositProposerBond(wallet, { epochs: contracts.epochs, token, amount: proposerBond - free })
    log.info({ msg: 'proposer bond deposited', amount: (proposerBond - free).toString() })
  }

  /**
   * Claims up to `limit` unclaimed shares of a final epoch; `done` once none is left. Claims are spread over ticks so
   * that a validator sharing this account gets its turns to reveal weights in between.
   */
  async function claimSome(
    netuid: bigint,
    epoch: bigint,
    settled: SettledEpoch,
    limit: number,
  ): Promise<{ claims: number; done: boolean }> {
    const { built, header } = settled
    // Claims restate proofs this node can only make for a result it computes itself.
    if (!proposalMatches(built, settled.proposal)) return { claims: 0, done: true }
    const mine = (hotkey: string | null | undefined) =>
      parameters.claimFor === 'all' ||
      (hotkey !== null && hotkey !== undefined && parameters.claimFor.has(hotkey.toLowerCase()))
    /** Whether this node claims uid's share: every share, or those of its own hotkeys at the snapshot. */
    const claimsUid = async (uid: number) => {
      if (parameters.claimFor === 'all') return true
      const [hotkey] = await readContract(wallet, {
        address: contracts.registry,
        abi: subnetRegistryAbi,
        functionName: 'neuronAt',
        args: [netuid, uid, header.snapshotBlock],
      })
      return mine(hotkey)
    }
    const base = { epochs: contracts.epochs, netuid, epoch }
    let claims = 0
    for (let uid = 0; uid < header.neurons; uid++) {
      if (claims >= limit) return { claims, done: false }
      if ((built.ranks[uid] ?? 0) === 0 || !(await claimsUid(uid))) continue
      if (await isEmissionClaimed(wallet, { ...base, role: 'miner', uid })) continue
      await claimMinerEmission(wallet, { ...base, ...settled, uid })
      claims += 1
    }
    for (const [i, uid] of built.validators.entries()) {
      if (claims >= limit) return { claims, done: false }
      if ((built.dividends[i] ?? 0) === 0 || !(await claimsUid(uid))) continue
      if (await isEmissionClaimed(wallet, { ...base, role: 'validator', uid })) continue
      await claimValidatorEmission(wallet, { ...base, ...settled, uid })
      claims += 1
    }
    const owner = (
      await readContract(wallet, {
        address: contracts.registry,
        abi: subnetRegistryAbi,
        functionName: 'getSubnet',
        args: [netuid],
      })
    ).owner
    if (mine(owner) && !(await isEmissionClaimed(wallet, { ...base, role: 'owner', uid: 0 }))) {
      if (claims >= limit) return { claims, done: false }
      await claimOwnerEmission(wallet, { ...base, header })
      claims += 1
    }
    return { claims, done: true }
  }

  /** Works through the final epochs whose shares are still to claim, a few transactions per tick. */
  async function claimDue(netuid: bigint, events: EpochKeeperEvent[]) {
    const queue = claimQueue.get(netuid) ?? []
    const next = queue[0]
    if (!next) return
    const { claims, done } = await claimSome(netuid, next.epoch, next.settled, CLAIMS_PER_TICK)
    if (done) queue.shift()
    if (claims > 0) events.push({ kind: 'claimed', netuid, epoch: next.epoch, claims })
  }

  /** The epoch after the one of snapshot `snapshot`, built, if its own snapshot has passed at `head`. */
  async function nextDue(netuid: bigint, snapshot: bigint, head: bigint, settled: SettledEpoch) {
    const [nextSnapshot] = await readContract(wallet, {
      address: contracts.registry,
      abi: subnetRegistryAbi,
      functionName: 'epochSettings',
      args: [netuid, snapshot],
    })
    if (head <= nextSnapshot) return null
    return { snapshot: nextSnapshot, built: await build(netuid, nextSnapshot, settled) }
  }

  /** One settlement step in `netuid`; true when it finalized an epoch (the next one may be proposable at once). */
  async function tickSubnet(netuid: bigint, events: EpochKeeperEvent[]): Promise<boolean> {
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
    const previous = await previousSettled(netuid, epoch)
    const onChain = await getEpochRecord(wallet, { epochs: contracts.epochs, netuid, epoch })
    if (!onChain.proposed) {
      if (!parameters.propose || head <= snapshotBlock) return false
      const built = await build(netuid, snapshotBlock, previous)
      await ensureBond()
      await proposeEpoch(wallet, { epochs: contracts.epochs, netuid, built })
      log.info({
        msg: 'epoch proposed',
        netuid: Number(netuid),
        epoch: Number(epoch),
        validators: built.validators.length,
      })
      events.push({ kind: 'proposed', netuid, epoch })
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
    if (checked.get(netuid) !== key) {
      if (!pending.proposal) {
        log.warn({
          msg: 'cannot check a proposal sent through a contract',
          netuid: Number(netuid),
          epoch: Number(epoch),
        })
        checked.set(netuid, key)
      } else {
        const ours = await build(netuid, pending.header.snapshotBlock, previous, pending.header.neurons)
        checkedBuild.set(netuid, { key, built: ours })
        const plan = planDisputes(ours, pending.proposal, pending.header, previous)
        if (plan.length === 0) {
          checked.set(netuid, key)
          // The emission is fixed by the snapshot, so it is known while the epoch is still pending.
          const emission = await getEpochEmission(wallet, { epochs: contracts.epochs, netuid, header: pending.header })
          record(netuid, epoch, pending.proposer, pending.header, pending.proposal, ours, false, emission)
        } else {
          for (const call of plan) {
            try {
              await writeContractAndWait(wallet, {
                address: contracts.epochs,
                abi: epochsAbi,
                functionName: call.functionName,
                args: [netuid, pending.header, ...call.args] as never,
              })
              log.warn({
                msg: 'wrong epoch proposal disputed; proposer slashed',
                netuid: Number(netuid),
                epoch: Number(epoch),
                proposer: pending.proposer,
                part: call.functionName,
                reason: call.reason,
              })
              events.push({ kind: 'disputed', netuid, epoch, part: call.functionName, reason: call.reason })
              return false
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
          checked.set(netuid, key)
          record(netuid, epoch, pending.proposer, pending.header, pending.proposal, ours, false)
        }
      }
    }
    const { challengeBlocks, proposerBond } = await epochSettings()
    if (head <= onChain.proposedAtBlock + challengeBlocks || !pending.proposal) return false
    const known = checkedBuild.get(netuid)
    const ours =
      known?.key === key
        ? known.built
        : await build(netuid, pending.header.snapshotBlock, previous, pending.header.neurons)
    checkedBuild.delete(netuid)
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
      ? await nextDue(netuid, pending.header.snapshotBlock, head, {
          header: pending.header,
          proposal: pending.proposal,
          built: ours,
        })
      : null
    if (parameters.propose && !next) {
      checkedBuild.set(netuid, { key, built: ours })
      return false
    }
    if (next) {
      const ownBond = pending.proposer.toLowerCase() === wallet.account.address.toLowerCase()
      await ensureBond(ownBond ? proposerBond : 0n)
      await finalizeAndProposeEpoch(wallet, { ...finalizing, next: next.built })
    } else {
      await finalizeEpoch(wallet, finalizing)
    }
    const emission = await getEpochEmission(wallet, { epochs: contracts.epochs, netuid, header: pending.header })
    record(netuid, epoch, pending.proposer, pending.header, pending.proposal, ours, true, emission)
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
    settledCache.set(netuid, { epoch, settled })
    claimQueue.set(netuid, [...(claimQueue.get(netuid) ?? []), { epoch, settled }])
    return true
  }

  return {
    settled: (netuid) => settledCache.get(netuid)?.settled ?? null,
    async tick() {
      const events: EpochKeeperEvent[] = []
      const netuids = await parameters.netuids()
      const failed = new Set<bigint>()
      const fail = (netuid: bigint, error: unknown) => {
        failed.add(netuid)
        log.warn({ msg: 'epoch duty failed', netuid: Number(netuid), err: (error as Error).message.split('\n')[0] })
      }
      // Settlement first in every subnet, claims after: claims never delay an epoch's proposal or finalization.
      for (const netuid of netuids) {
        try {
          // A finalization is followed at once by the next epoch's proposal when its snapshot has passed: an epoch
          // then costs its challenge window and one tick, not two ticks more.
          if (await tickSubnet(netuid, events)) await tickSubnet(netuid, events)
        } catch (error) {
          fail(netuid, error)
        }
      }
      for (const netuid of netuids.filter((n) => !failed.has(n))) {
        try {
          await claimDue(netuid, events)
        } catch (error) {
          fail(netuid, error)
        }
      }
      return events
    },
  }
}
