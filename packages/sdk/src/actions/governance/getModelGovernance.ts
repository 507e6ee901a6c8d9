/**
 * Action: read a fractionalized model's governance (vault, governor, timelock, their parameters) and verify its
 * wiring — what a buyer of shares needs to know before trusting them: the governor counts the vault's votes and
 * executes through the timelock; the timelock's only proposer and canceller is the governor, anyone executes, nobody
 * but the timelock itself administers it; the three contracts run this SDK's code; the vault names the model.
 */
import { type Address, type Client, getAbiItem, type Hex, type ReadContractErrorType } from 'viem'
import { getBlockNumber, getCode, getLogs, readContract } from 'viem/actions'
import { modelGovernorAbi, modelGovernorTimelockAbi, royaltyVaultAbi } from '../../contracts.ts'
import { deployedBytecodes } from '../../governance/artifacts.ts'
import { governanceProblems, matchesArtifactCode, type RoleEvent, roleMembers } from '../../governance/verify.ts'

/** ERC-721 `ownerOf`, all this action needs of the registry. */
const ownerOfAbi = [
  {
    type: 'function',
    name: 'ownerOf',
    stateMutability: 'view',
    inputs: [{ name: 'tokenId', type: 'uint256' }],
    outputs: [{ name: '', type: 'address' }],
  },
] as const

export type GetModelGovernanceParameters = {
  governor: Address
  /** First block to read the timelock's role events from (its deployment block; default 0). */
  fromBlock?: bigint
  /** The model the caller expects the vault to belong to. */
  modelId?: bigint
}

export type ModelGovernance = {
  governor: Address
  vault: Address
  timelock: Address
  registry: Address
  modelId: bigint
  /** The model NFT's owner in the registry, if the registry answered (the timelock once fractionalized). */
  modelOwner: Address | undefined
  fractionalized: boolean
  shares: { name: string; symbol: string; totalSupply: bigint; tokens: readonly Address[]; sources: readonly Address[] }
  settings: {
    name: string
    clockMode: string
    votingDelay: bigint
    votingPeriod: bigint
    proposalThreshold: bigint
    quorumPercent: bigint
    timelockDelay: bigint
  }
  /** True when every check passed; otherwise `problems` says what is wrong, one sentence each. */
  sound: boolean
  problems: string[]
}

export type GetModelGovernanceReturnType = ModelGovernance
export type GetModelGovernanceErrorType = ReadContractErrorType

/**
 * Reads a model's governance from its governor and verifies the wiring (see the module comment). Never throws for
 * an unsound wiring: it reports it in `problems` (deployModelGovernance throws on it).
 *
 * @example
 * const g = await getModelGovernance(client, { governor, modelId: 1n })
 * if (!g.sound) console.warn(g.problems.join('\n'))
 */
export async function getModelGovernance(
  client: Client,
  parameters: GetModelGovernanceParameters,
): Promise<GetModelGovernanceReturnType> {
  const { governor } = parameters
  const g = <const fn extends string>(functionName: fn, args: readonly unknown[] = []) =>
    readContract(client, { address: governor, abi: modelGovernorAbi, functionName, args } as never) as Promise<unknown>
  const [token, timelock, name, clockMode, votingDelay, votingPeriod, proposalThreshold, quorumPercent] =
    (await Promise.all([
      g('token'),
      g('timelock'),
      g('name'),
      g('CLOCK_MODE'),
      g('votingDelay'),
      g('votingPeriod'),
      g('proposalThreshold'),
      g('quorumNumerator'),
    ])) as [Address, Address, string, string, bigint, bigint, bigint, bigint]
  const vault = token
  const v = <const fn extends string>(functionName: fn) =>
    readContract(client, { address: vault, abi: royaltyVaultAbi, functionName, args: [] } as never) as Promise<unknown>
  const [modelId, registry, sharesName, symbol, totalSupply, tokens, sources] = (await Promise.all([
    v('modelId'),
    v('registry'),
    v('name'),
    v('symbol'),
    v('totalSupply'),
    v('trackedTokens'),
    v('sources'),
  ])) as [bigint, Address, string, string, bigint, Address[], Address[]]
  const timelockDelay = await readContract(client, {
    address: timelock,
    abi: modelGovernorTimelockAbi,
    functionName: 'getMinDelay',
  })

  const toBlock = await getBlockNumber(client, { cacheTime: 0 })
  const logs = await getLogs(client, {
    address: timelock,
    events: [
      getAbiItem({ abi: modelGovernorTimelockAbi, name: 'RoleGranted' }),
      getAbiItem({ abi: modelGovernorTimelockAbi, name: 'RoleRevoked' }),
    ],
    fromBlock: parameters.fromBlock ?? 0n,
    toBlock,
  })
  const events: RoleEvent[] = logs
    .sort((a, b) => Number(a.blockNumber - b.blockNumber) || a.logIndex - b.logIndex)
    .map((log) => ({
      role: log.args.role as Hex,
      account: log.args.account as Address,
      granted: log.eventName === 'RoleGranted',
    }))

  const [vaultCode, governorCode, timelockCode] = await Promise.all(
    [vault, governor, timelock].map((address) => getCode(client, { address })),
  )
  const codeMatches = {
    vault: matchesArtifactCode(vaultCode ?? '0x', deployedBytecodes.royaltyVault),
    governor: matchesArtifactCode(governorCode ?? '0x', deployedBytecodes.modelGovernor),
    // No immutables: byte-for-byte.
    timelock: (timelockCode ?? '0x').toLowerCase() === deployedBytecodes.modelGovernorTimelock.toLowerCase(),
  }

  let modelOwner: Address | undefined
  try {
    modelOwner = await readContract(client, {
      address: registry,
      abi: ownerOfAbi,
      functionName: 'ownerOf',
      args: [modelId],
    })
  } catch {
    modelOwner = undefined
  }

  const problems = governanceProblems({
    vault,
    governor,
    timelock,
    governorToken: token,
    governorTimelock: timelock,
    roles: roleMembers(events),
    codeMatches,
    expectedModelId: parameters.modelId,
    vaultModelId: modelId,
  })
  return {
    governor,
    vault,
    timelock,
    registry,
    modelId,
    modelOwner,
    fractionalized: modelOwner !== undefined && modelOwner.toLowerCase() === timelock.toLowerCase(),
    shares: { name: sharesName, symbol, totalSupply, tokens, sources },
    settings: { name, clockMode, votingDelay, votingPeriod, proposalThreshold, quorumPercent, timelockDelay },
    sound: problems.length === 0,
    problems,
  }
}
