/**
 * The model market's events, indexed in memory for the catalog (markets/catalog.ts): which licenses each model sold,
 * what each royalty source released, which model channels are open (their royalties wait to be settled), each fractionalized model's vault, timelock and governor, its share holders,
 * its proposals (with the actions and description `queue` and `execute` need) and their votes.
 *
 * Incremental: a cursor follows the chain; a sync reads at most {@link MAX_RANGES_PER_SYNC} ranges of
 * {@link RANGE} blocks, so one request never does unbounded work (a node far behind catches up over several
 * requests). A model's governance contracts are deployed before `fractionalize`, so when a Fractionalized event
 * names them their earlier events (the shares' mint, the role grants) are read once from the registry's deployment
 * block. Kept in memory, not SQLite: a restart re-reads the market's logs, which are few (licenses, releases,
 * proposals), and the index needs no schema. Reorgs: the devnet has none; on an L2 the catalog lags by nothing and
 * a reorged event stays until restart (the amounts shown come from reads, not from this index, except releases).
 */
import {
  licensesAbi,
  modelGovernorAbi,
  modelGovernorTimelockAbi,
  modelRegistryAbi,
  PROPOSER_ROLE,
  paymentChannelsAbi,
  royaltyVaultAbi,
} from '@mycel/sdk'
import { type Abi, type Address, type Hex, type Log, type PublicClient, parseEventLogs } from 'viem'
import { getBlockNumber, getLogs } from 'viem/actions'

export const RANGE = 2000n
export const MAX_RANGES_PER_SYNC = 25

export type MarketAddresses = { modelRegistry: Address; licenses: Address; paymentChannels: Address }

export type GovernanceContracts = { vault: Address; timelock: Address; governor?: Address; block: bigint }
export type IndexedProposal = {
  proposalId: bigint
  proposer: Address
  targets: readonly Address[]
  values: readonly bigint[]
  calldatas: readonly Hex[]
  description: string
  voteEnd: bigint
  votes: { voter: Address; support: number; weight: bigint }[]
}

export type MarketLogs = {
  /** Reads new events up to the head (at most a bounded number of ranges); returns the block reached. */
  sync: () => Promise<bigint>
  readonly cursor: bigint
  licenseIds: (modelId: bigint) => bigint[]
  /** All-time amount `source` released for `modelId` in `token`. */
  released: (source: Address, modelId: bigint, token: Address) => bigint
  /** Open model channels (bound to a license by a claim, not closed since), oldest first. */
  modelChannels: () => bigint[]
  /** Tokens any source released for `modelId`. */
  releasedTokens: (modelId: bigint) => Address[]
  /** The block `modelId` was registered in (the registry stores its time). */
  registeredBlock: (modelId: bigint) => bigint | undefined
  governance: (modelId: bigint) => GovernanceContracts | undefined
  /** Everyone who ever held shares of `vault` (balances are read, not indexed). */
  holders: (vault: Address) => Address[]
  proposals: (governor: Address) => IndexedProposal[]
}

const lower = (a: string) => a.toLowerCase() as Address
export function createMarketLogs(client: PublicClient, addresses: MarketAddresses, fromBlock: bigint): MarketLogs {
  let cursor = fromBlock - 1n
  const licenses = new Map<bigint, bigint[]>()
  const registeredBlocks = new Map<bigint, bigint>()
  const released = new Map<string, bigint>()
  const releasedTokens = new Map<bigint, Set<Address>>()
  const modelChannels = new Set<bigint>()
  const governance = new Map<bigint, GovernanceContracts>()
  /** vault, timelock or governor → the model it governs. */
  const owners = new Map<Address, bigint>()
  const holders = new Map<Address, Set<Address>>()
  const proposals = new Map<Address, Map<bigint, IndexedProposal>>()
  const core = [addresses.modelRegistry, addresses.licenses, addresses.paymentChannels].map(lower)
  let running: Promise<bigint> | undefined

  /** The ABI of the contract at `address` (parsed per contract: the ERC-721s' and the shares' Transfer share a topic). */
  const abiOf = (address: Address): Abi | undefined => {
    if (address === core[0]) return modelRegistryAbi as Abi
    if (address === core[1]) return licensesAbi as Abi
    if (address === core[2]) return paymentChannelsAbi as Abi
    const g = owners.has(address) ? governance.get(owners.get(address) as bigint) : undefined
    if (!g) return undefined
    if (address === g.vault) return royaltyVaultAbi as Abi
    if (address === g.timelock) return modelGovernorTimelockAbi as Abi
    return modelGovernorAbi as Abi
  }

  const apply = (all: Log[]) => {
    for (const log of all) {
      const abi = abiOf(lower(log.address))
      if (abi) applyEvents(parseEventLogs({ abi, logs: [log] }) as never)
    }
  }

  const applyEvents = (
    events: {
      eventName: string
      address: Address
      args: Record<string, unknown>
      blockNumber: bigint
    }[],
  ) => {
    for (const e of events) {
      const at = lower(e.address)
      const a = e.args
      if (at === core[0] && e.eventName === 'ModelRegistered') {
        registeredBlocks.set(a.modelId as bigint, e.blockNumber)
      } else if (at === core[0] && e.eventName === 'Fractionalized') {
        const g = { vault: lower(a.vault as string), timelock: lower(a.timelock as string), block: e.blockNumber }
        governance.set(a.modelId as bigint, g)
        owners.set(g.vault, a.modelId as bigint)
        owners.set(g.timelock, a.modelId as bigint)
      } else if (at === core[1] && e.eventName === 'LicenseBought') {
        const ids = licenses.get(a.modelId as bigint) ?? []
        if (!ids.includes(a.licenseId as bigint)) ids.push(a.licenseId as bigint)
        licenses.set(a.modelId as bigint, ids)
      } else if ((at === core[1] || at === core[2]) && e.eventName === 'RoyaltiesReleased') {
        const key = `${at}:${a.modelId}:${lower(a.token as string)}`
        released.set(key, (released.get(key) ?? 0n) + (a.amount as bigint))
        const set = releasedTokens.get(a.modelId as bigint) ?? new Set()
        set.add(lower(a.token as string))
        releasedTokens.set(a.modelId as bigint, set)
      } else if (at === core[2] && e.eventName === 'ChannelLicenseBound') {
        modelChannels.add(a.channelId as bigint)
      } else if (at === core[2] && e.eventName === 'ChannelClosed') {
        modelChannels.delete(a.channelId as bigint)
      } else if (owners.has(at)) {
        const g = governance.get(owners.get(at) as bigint) as GovernanceContracts
        if (at === g.vault && e.eventName === 'Transfer') {
          const set = holders.get(at) ?? new Set()
          for (const who of [a.from, a.to] as string[]) if (BigInt(who) !== 0n) set.add(lower(who))
          holders.set(at, set)
        } else if (at === g.timelock && e.eventName === 'RoleGranted' && a.role === PROPOSER_ROLE) {
          g.governor = lower(a.account as string)
          owners.set(g.governor, owners.get(at) as bigint)
        } else if (at === g.governor && e.eventName === 'ProposalCreated') {
          const map = proposals.get(at) ?? new Map()
          map.set(a.proposalId as bigint, {
            proposalId: a.proposalId as bigint,
            proposer: a.proposer as Address,
            targets: a.targets as Address[],
            values: a.values as bigint[],
            calldatas: a.calldatas as Hex[],
            description: a.description as string,
            voteEnd: a.voteEnd as bigint,
            votes: [],
          })
          proposals.set(at, map)
        } else if (at === g.governor && e.eventName === 'VoteCast') {
          proposals
            .get(at)
            ?.get(a.proposalId as bigint)
            ?.votes.push({ voter: a.voter as Address, support: Number(a.support), weight: a.weight as bigint })
        }
      }
    }
  }

  /** Reads `address`'s logs over [from, to] in ranges, narrowing a range a provider refuses. */
  const read = async (address: Address[], from: bigint, to: bigint) => {
    let range = RANGE
    for (let start = from; start <= to; ) {
      const end = start + range - 1n < to ? start + range - 1n : to
      let logs: Log[]
      try {
        logs = await getLogs(client, { address, fromBlock: start, toBlock: end })
      } catch (error) {
        if (range === 1n) throw error
        range /= 2n
        continue
      }
      apply(logs)
      start = end + 1n
    }
  }

  const governanceAddresses = () =>
    [...governance.values()].flatMap((g) => [g.vault, g.timelock, ...(g.governor ? [g.governor] : [])])

  const syncInner = async () => {
    const head = await getBlockNumber(client, { cacheTime: 0 })
    const limit = cursor + RANGE * BigInt(MAX_RANGES_PER_SYNC)
    const to = head < limit ? head : limit
    if (to <= cursor) return cursor
    const known = new Set(governanceAddresses())
    await read([...core, ...known], cursor + 1n, to)
    // Contracts first seen in this sync: their events before it (mint, role grants), then the governor's.
    for (let round = 0; round < 2; round++) {
      const fresh = governanceAddresses().filter((x) => !known.has(x))
      if (fresh.length === 0) break
      for (const x of fresh) known.add(x)
      await read(fresh, fromBlock, to)
    }
    cursor = to
    return cursor
  }

  return {
    sync: () => {
      // One sync at a time: concurrent requests share it.
      running ??= syncInner().finally(() => {
        running = undefined
      })
      return running
    },
    get cursor() {
      return cursor
    },
    licenseIds: (modelId) => [...(licenses.get(modelId) ?? [])],
    released: (source, modelId, token) => released.get(`${lower(source)}:${modelId}:${lower(token)}`) ?? 0n,
    modelChannels: () => [...modelChannels],
    releasedTokens: (modelId) => [...(releasedTokens.get(modelId) ?? [])],
    registeredBlock: (modelId) => registeredBlocks.get(modelId),
    governance: (modelId) => governance.get(modelId),
    holders: (vault) => [...(holders.get(lower(vault)) ?? [])],
    proposals: (governor) => [...(proposals.get(lower(governor))?.values() ?? [])],
  }
}
