/**
 * Action: deploy a model's share vault, timelock and governor and wire them (governor = only proposer and canceller,
 * anyone executes, deployer's admin renounced), then verify the result with {@link getModelGovernance}. The first
 * half of `fractionalizeModel`, usable alone (and tested alone) before the registry hands the model over.
 */
import { type Abi, type Address, getAddress, type Hash, type TransactionReceipt } from 'viem'
import { deployContract, getBlockNumber, getTransactionCount, waitForTransactionReceipt } from 'viem/actions'
import {
  modelGovernorAbi,
  modelGovernorBytecode,
  modelGovernorTimelockAbi,
  modelGovernorTimelockBytecode,
  royaltyVaultAbi,
  royaltyVaultBytecode,
} from '../../contracts.ts'
import { decodeContractError } from '../../errors/contract.ts'
import { type GovernanceSettings, PRODUCTION_GOVERNANCE } from '../../governance/defaults.ts'
import {
  GovernanceDeploymentError,
  InvalidGovernanceParameterError,
  ModelGovernanceUnsoundError,
} from '../../governance/errors.ts'
import { CANCELLER_ROLE, DEFAULT_ADMIN_ROLE, PROPOSER_ROLE } from '../../governance/verify.ts'
import {
  type WriteCall,
  type WriteClient,
  type WriteContractAndWaitErrorType,
  writeContractsAndWait,
} from '../write.ts'
import { getModelGovernance, type ModelGovernance } from './getModelGovernance.ts'

export type DeployModelGovernanceParameters = {
  /** The ModelRegistry (an ERC-721): its `ownerOf(modelId)` may add distributed tokens to the vault. */
  registry: Address
  modelId: bigint
  /** Share token name and symbol, e.g. "digits shares", "DIGITS". */
  name: string
  symbol: string
  /** Number of shares (18 decimals), all minted to `holder`. */
  supply: bigint
  /** Receives every share (default: the client's account). */
  holder?: Address
  /** Tokens distributed from the start, e.g. the model's currency (at most 8). */
  tokens: readonly Address[]
  /** Royalty sources released from at each collect (PaymentChannels, Licenses; at most 4). */
  sources?: readonly Address[]
  /** Governance parameters (default: {@link PRODUCTION_GOVERNANCE} with a threshold of 1 % of the supply). */
  settings?: Partial<GovernanceSettings>
  /** The governor's name (default `<name> governor`). */
  governorName?: string
  /** Delegate the holder's votes to itself when the holder is the client (default true: shares vote only once delegated). */
  selfDelegate?: boolean
}

export type DeployModelGovernanceReturnType = {
  vault: Address
  timelock: Address
  governor: Address
  /** Every transaction sent, in order, and the gas they used in all. */
  hashes: Hash[]
  gasUsed: bigint
  /** The verified wiring. */
  governance: ModelGovernance
  /** The block before the first deployment: where to read the timelock's role events from. */
  fromBlock: bigint
}

export type DeployModelGovernanceErrorType =
  | WriteContractAndWaitErrorType
  | GovernanceDeploymentError
  | InvalidGovernanceParameterError
  | ModelGovernanceUnsoundError

function validate(p: DeployModelGovernanceParameters, s: GovernanceSettings): void {
  const bad = (parameter: string, value: unknown, expected: string) => {
    throw new InvalidGovernanceParameterError({ parameter, value, expected })
  }
  if (p.supply <= 0n) bad('supply', p.supply, 'a positive number of shares')
  if (p.name.length === 0 || p.symbol.length === 0) bad('name/symbol', `${p.name}/${p.symbol}`, 'non-empty strings')
  if (!Number.isInteger(s.votingDelay) || s.votingDelay < 0 || s.votingDelay >= 2 ** 48) {
    bad('votingDelay', s.votingDelay, 'whole seconds, 0 or more')
  }
  if (!Number.isInteger(s.votingPeriod) || s.votingPeriod < 1 || s.votingPeriod >= 2 ** 32) {
    bad('votingPeriod', s.votingPeriod, 'whole seconds, 1 or more')
  }
  if (!Number.isInteger(s.quorumPercent) || s.quorumPercent < 1 || s.quorumPercent > 100) {
    bad('quorumPercent', s.quorumPercent, 'a whole percentage from 1 to 100')
  }
  if (!Number.isInteger(s.timelockDelay) || s.timelockDelay < 0) bad('timelockDelay', s.timelockDelay, 'whole seconds')
  if (s.proposalThreshold < 0n || s.proposalThreshold > p.supply) {
    bad('proposalThreshold', s.proposalThreshold, `0 to the supply (${p.supply})`)
  }
}

/**
 * Deploys and wires a model's RoyaltyVault, ModelGovernorTimelock and ModelGovernor, then checks the wiring and
 * throws {@link ModelGovernanceUnsoundError} if anything is off. Does not touch the registry (see `fractionalizeModel`).
 *
 * @example
 * const { vault, governor, timelock } = await deployModelGovernance(wallet, {
 *   registry, modelId: 1n, name: 'digits shares', symbol: 'DIGITS', supply: parseEther('1000000'),
 *   tokens: [testUsd], sources: [paymentChannels, licenses], settings: DEVNET_GOVERNANCE,
 * })
 */
export async function deployModelGovernance(
  client: WriteClient,
  parameters: DeployModelGovernanceParameters,
): Promise<DeployModelGovernanceReturnType> {
  const settings: GovernanceSettings = {
    ...PRODUCTION_GOVERNANCE,
    proposalThreshold: parameters.supply / 100n,
    ...parameters.settings,
  }
  validate(parameters, settings)
  const me = client.account.address
  const holder = parameters.holder ?? me
  const hashes: Hash[] = []
  let gasUsed = 0n
  const note = (hash: Hash, receipt: TransactionReceipt) => {
    hashes.push(hash)
    gasUsed += receipt.gasUsed
  }
  const fromBlock = await getBlockNumber(client, { cacheTime: 0 })

  // Sends, waits, checks; `note` is left to the caller so `hashes` keep the sending order.
  const deploy = async (contract: string, send: () => Promise<Hash>) => {
    let hash: Hash
    try {
      hash = await send()
    } catch (error) {
      throw decodeContractError(error)
    }
    const receipt = await waitForTransactionReceipt(client, { hash })
    if (receipt.status !== 'success' || !receipt.contractAddress)
      throw new GovernanceDeploymentError({ contract, hash })
    return { address: getAddress(receipt.contractAddress), hash, receipt }
  }
  const base = { account: client.account, chain: client.chain } as const

  // The vault and the timelock do not need each other: sent back to back (numbered nonces), one wait for both.
  const nonce = await getTransactionCount(client, { address: me, blockTag: 'pending' })
  const [vaultDeployed, timelockDeployed] = await Promise.all([
    deploy('RoyaltyVault', () =>
      deployContract(client, {
        ...base,
        nonce,
        abi: royaltyVaultAbi,
        bytecode: royaltyVaultBytecode,
        args: [
          parameters.name,
          parameters.symbol,
          parameters.registry,
          parameters.modelId,
          [...(parameters.sources ?? [])],
          [...parameters.tokens],
          holder,
          parameters.supply,
        ],
      }),
    ),
    // The deployer is a temporary admin so the governor (deployed next, it needs the timelock's address) can be
    // made proposer; the admin role is renounced below and getModelGovernance checks that it was.
    deploy('ModelGovernorTimelock', () =>
      deployContract(client, {
        ...base,
        nonce: nonce + 1,
        abi: modelGovernorTimelockAbi,
        bytecode: modelGovernorTimelockBytecode,
        args: [BigInt(settings.timelockDelay), [], ['0x0000000000000000000000000000000000000000'], me],
      }),
    ),
  ])
  const vault = vaultDeployed.address
  const timelock = timelockDeployed.address
  const governorDeployed = await deploy('ModelGovernor', () =>
    deployContract(client, {
      ...base,
      abi: modelGovernorAbi,
      bytecode: modelGovernorBytecode,
      args: [
        parameters.governorName ?? `${parameters.name} governor`,
        vault,
        timelock,
        settings.votingDelay,
        settings.votingPeriod,
        settings.proposalThreshold,
        BigInt(settings.quorumPercent),
      ],
    }),
  )
  const governor = governorDeployed.address
  for (const { hash, receipt } of [vaultDeployed, timelockDeployed, governorDeployed]) note(hash, receipt)
  // The wiring, back to back: granting and renouncing do not depend on each other's outcome (the admin renounces
  // in the last of them, after the grants it made).
  const timelockCall = (functionName: string, role: `0x${string}`, account: Address): WriteCall => ({
    address: timelock,
    abi: modelGovernorTimelockAbi as Abi,
    functionName,
    args: [role, account],
  })
  const wiring = [
    timelockCall('grantRole', PROPOSER_ROLE, governor),
    timelockCall('grantRole', CANCELLER_ROLE, governor),
    timelockCall('renounceRole', DEFAULT_ADMIN_ROLE, me),
  ]
  if ((parameters.selfDelegate ?? true) && holder.toLowerCase() === me.toLowerCase()) {
    wiring.push({ address: vault, abi: royaltyVaultAbi as Abi, functionName: 'delegate', args: [me] })
  }
  for (const { hash, receipt } of await writeContractsAndWait(client, wiring)) note(hash, receipt)

  const governance = await getModelGovernance(client, { governor, fromBlock, modelId: parameters.modelId })
  if (!governance.sound) throw new ModelGovernanceUnsoundError({ governor, problems: governance.problems })
  return { vault, timelock, governor, hashes, gasUsed, governance, fromBlock }
}
