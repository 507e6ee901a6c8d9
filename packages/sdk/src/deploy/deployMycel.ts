/**
 * Deterministic, idempotent deployment of the mycel contracts. The model market (ModelRegistry, Licenses) comes
 * before PaymentChannels, whose constructor takes both addresses (royalties are split inside its claims).
 *
 * Each contract is created through the widely deployed CREATE2 factory (present on anvil by default and on most
 * EVM chains), so its address depends only on its init code and a salt: the same on every fresh devnet and on every
 * chain with the same constructor arguments. Before deploying, the predicted address is checked for code; a
 * contract already there is reused, so running the deployment twice changes nothing. On a chain without the factory
 * the contracts are created with plain CREATE from the deployer and the addresses depend on its nonce.
 */
import {
  type Client,
  concatHex,
  encodeDeployData,
  getContractAddress,
  type Hex,
  keccak256,
  padHex,
  stringToHex,
} from 'viem'
import {
  deployContract,
  getBlockNumber,
  getCode,
  readContract,
  sendTransaction,
  waitForTransactionReceipt,
} from 'viem/actions'
import { registerMycelSchemas } from '../actions/attestations/attestations.ts'
import { type WriteClient, writeContractAndWait } from '../actions/write.ts'
import {
  accessGrantsAbi,
  accessGrantsBytecode,
  computeToDataAbi,
  computeToDataBytecode,
  datasetRegistryAbi,
  datasetRegistryBytecode,
  easAbi,
  easBytecode,
  epochRefereeAbi,
  epochRefereeBytecode,
  epochsAbi,
  epochsBytecode,
  licensesAbi,
  licensesBytecode,
  type MycelAddresses,
  type MycelContractName,
  modelRegistryAbi,
  modelRegistryBytecode,
  mycelTokenAbi,
  mycelTokenBytecode,
  paymentChannelsAbi,
  paymentChannelsBytecode,
  provenanceAnchorsAbi,
  provenanceAnchorsBytecode,
  researchRoundsAbi,
  researchRoundsBytecode,
  schemaRegistryAbi,
  schemaRegistryBytecode,
  stakingAbi,
  stakingBytecode,
  subnetRegistryAbi,
  subnetRegistryBytecode,
  testUsdAbi,
  testUsdBytecode,
  trainingDisputesAbi,
  trainingDisputesBytecode,
  trainingJobsAbi,
  trainingJobsBytecode,
  trainingRefereeAbi,
  trainingRefereeBytecode,
  weightsAbi,
  weightsBytecode,
} from '../contracts.ts'
import { BaseError } from '../errors/base.ts'
import { TransactionRevertedError } from '../errors/contract.ts'

/** The deterministic CREATE2 deployment proxy (same address on every chain that has it). */
export const create2Factory = '0x4e59b44847b379578588920ca78fbf26c0b4956c' as const

export type DeployMycelParameters = {
  /** Receives the initial MYC supply and administers the token's minter role. */
  treasury: `0x${string}`
  /** Initial MYC supply in wei. */
  initialSupply: bigint
  /** Namespace for CREATE2 salts; different salts give independent deployments on one chain. */
  salt?: string
  /** PaymentChannels' close window in seconds (default one day; the contract allows 1 hour to 30 days). */
  challengePeriodSeconds?: bigint
  /** Staking's unstake cooldown in blocks (default {@link DEFAULT_STAKE_COOLDOWN_BLOCKS}). */
  stakeCooldownBlocks?: bigint
  /** MYC minted per block of an epoch, shared among subnets by stake (default {@link DEFAULT_EMISSION_PER_BLOCK}). */
  emissionPerBlock?: bigint
  /** MYC a proposer sets aside per epoch proposal; half goes to a successful challenger (default 100 MYC). */
  proposerBond?: bigint
  /** Blocks a proposal can be disputed (default {@link DEFAULT_CHALLENGE_BLOCKS}). */
  challengeBlocks?: bigint
  /** Also deploy TestUSD, a 6-decimals stablecoin stand-in minted by the treasury (devnets and tests only). */
  testStablecoin?: boolean
  /**
   * The chain's Ethereum Attestation Service when it has one (the addresses EAS publishes per chain): recorded as
   * they are. Without it, the real EAS and SchemaRegistry (their published bytecode) are deployed like the rest.
   */
  eas?: { eas: `0x${string}`; schemaRegistry: `0x${string}` }
  /** Called as each contract is found or deployed. */
  onProgress?: (event: {
    contract: keyof MycelAddresses
    address: `0x${string}`
    status: 'deployed' | 'existing'
  }) => void
}

export type DeployedContract = { address: `0x${string}`; codeHash: Hex; transactionHash?: Hex; blockNumber?: string }

export type DeployMycelReturnType = {
  method: 'create2' | 'create'
  addresses: MycelAddresses
  contracts: DeployedContracts
}

export type DeployedContracts = Record<Exclude<MycelContractName, 'testUsd'>, DeployedContract> & {
  testUsd?: DeployedContract
}

/** Staking's default unstake cooldown: 7,200 blocks (a day at 12 s blocks). */
export const DEFAULT_STAKE_COOLDOWN_BLOCKS = 7_200n

/** Epochs' defaults: 1 MYC per block, a 100 MYC proposer bond, a 300-block challenge window (an hour at 12 s). */
export const DEFAULT_EMISSION_PER_BLOCK = 10n ** 18n
export const DEFAULT_PROPOSER_BOND = 100n * 10n ** 18n
export const DEFAULT_CHALLENGE_BLOCKS = 300n

/** PaymentChannels' default close window: one day. */
export const DEFAULT_CHALLENGE_PERIOD = 86_400n

export class DeploymentFailedError extends BaseError {
  override name = 'DeploymentFailedError' as const
  constructor({ contract, address }: { contract: string; address: string }) {
    super(`Deploying ${contract} left no code at ${address}.`, { docsPath: 'deployment.md' })
  }
}

/**
 * Deploys the mycel contracts (or finds them already deployed) and returns their addresses.
 *
 * @example
 * const { addresses } = await deployMycel(walletClient, { treasury: account.address, initialSupply: parseEther('1000000') })
 */
export async function deployMycel(
  client: WriteClient,
  parameters: DeployMycelParameters,
): Promise<DeployMycelReturnType> {
  const saltBase = parameters.salt ?? 'mycel.v1'
  const factoryCode = await getCode(client, { address: create2Factory })
  const method = factoryCode && factoryCode !== '0x' ? 'create2' : 'create'

  async function place(contract: MycelContractName, initCode: Hex): Promise<DeployedContract> {
    if (method === 'create') {
      const hash = await sendDeploy(client, initCode)
      const receipt = await waitForTransactionReceipt(client, { hash })
      if (receipt.status !== 'success' || !receipt.contractAddress) throw new TransactionRevertedError({ hash })
      return finish(contract, receipt.contractAddress, hash, receipt.blockNumber)
    }
    const salt = padHex(keccak256(stringToHex(`${saltBase}/${contract}`)), { size: 32 })
    const address = getContractAddress({ opcode: 'CREATE2', from: create2Factory, salt, bytecode: initCode })
    const existing = await getCode(client, { address })
    if (existing && existing !== '0x') {
      parameters.onProgress?.({ contract, address, status: 'existing' })
      const blockNumber = await findDeploymentBlock(client, address)
      return {
        address,
        codeHash: keccak256(existing),
        ...(blockNumber === undefined ? {} : { blockNumber: blockNumber.toString() }),
      }
    }
    const hash = await sendTransaction(client, {
      account: client.account,
      chain: client.chain,
      to: create2Factory,
      data: concatHex([salt, initCode]),
    })
    const receipt = await waitForTransactionReceipt(client, { hash })
    if (receipt.status !== 'success') throw new TransactionRevertedError({ hash })
    return finish(contract, address, hash, receipt.blockNumber)
  }

  /** A contract the chain already has (EAS at its published address): recorded after checking its code is there. */
  async function existing(contract: MycelContractName, address: `0x${string}`): Promise<DeployedContract> {
    const code = await getCode(client, { address })
    if (!code || code === '0x') throw new DeploymentFailedError({ contract, address })
    parameters.onProgress?.({ contract, address, status: 'existing' })
    return { address, codeHash: keccak256(code) }
  }

  async function finish(
    contract: MycelContractName,
    address: `0x${string}`,
    transactionHash: Hex,
    blockNumber: bigint,
  ): Promise<DeployedContract> {
    const code = await getCode(client, { address })
    if (!code || code === '0x') throw new DeploymentFailedError({ contract, address })
    parameters.onProgress?.({ contract, address, status: 'deployed' })
    return { address, codeHash: keccak256(code), transactionHash, blockNumber: blockNumber.toString() }
  }

  const mycelToken = await place(
    'mycelToken',
    encodeDeployData({
      abi: mycelTokenAbi,
      bytecode: mycelTokenBytecode,
      args: [parameters.treasury, parameters.initialSupply],
    }),
  )
  const subnetRegistry = await place(
    'subnetRegistry',
    encodeDeployData({
      abi: subnetRegistryAbi,
      bytecode: subnetRegistryBytecode,
      // The deploying account wires the Epochs contract into the registry once; it has no other power.
      args: [mycelToken.address, client.account.address],
    }),
  )
  const modelRegistry = await place(
    'modelRegistry',
    encodeDeployData({
      abi: modelRegistryAbi,
      bytecode: modelRegistryBytecode,
      // The deploying account wires Licenses into the registry once; it has no other power.
      args: [client.account.address],
    }),
  )
  const licenses = await place(
    'licenses',
    encodeDeployData({ abi: licensesAbi, bytecode: licensesBytecode, args: [modelRegistry.address] }),
  )
  await wireLicenses(client, modelRegistry.address, licenses.address)
  const paymentChannels = await place(
    'paymentChannels',
    encodeDeployData({
      abi: paymentChannelsAbi,
      bytecode: paymentChannelsBytecode,
      args: [parameters.challengePeriodSeconds ?? DEFAULT_CHALLENGE_PERIOD, modelRegistry.address, licenses.address],
    }),
  )
  const staking = await place(
    'staking',
    encodeDeployData({
      abi: stakingAbi,
      bytecode: stakingBytecode,
      args: [
        mycelToken.address,
        subnetRegistry.address,
        parameters.stakeCooldownBlocks ?? DEFAULT_STAKE_COOLDOWN_BLOCKS,
      ],
    }),
  )
  const weights = await place(
    'weights',
    encodeDeployData({ abi: weightsAbi, bytecode: weightsBytecode, args: [subnetRegistry.address] }),
  )
  const epochReferee = await place(
    'epochReferee',
    encodeDeployData({
      abi: epochRefereeAbi,
      bytecode: epochRefereeBytecode,
      args: [subnetRegistry.address, staking.address, weights.address],
    }),
  )
  const epochs = await place(
    'epochs',
    encodeDeployData({
      abi: epochsAbi,
      bytecode: epochsBytecode,
      args: [
        mycelToken.address,
        subnetRegistry.address,
        staking.address,
        epochReferee.address,
        parameters.emissionPerBlock ?? DEFAULT_EMISSION_PER_BLOCK,
        parameters.proposerBond ?? DEFAULT_PROPOSER_BOND,
        parameters.challengeBlocks ?? DEFAULT_CHALLENGE_BLOCKS,
      ],
    }),
  )
  await wireEpochs(client, parameters.treasury, mycelToken.address, subnetRegistry.address, epochs.address)
  const trainingJobs = await place(
    'trainingJobs',
    encodeDeployData({
      abi: trainingJobsAbi,
      bytecode: trainingJobsBytecode,
      // The deploying account wires the dispute game in once; it has no other power.
      args: [mycelToken.address, modelRegistry.address, client.account.address],
    }),
  )
  const trainingReferee = await place(
    'trainingReferee',
    encodeDeployData({ abi: trainingRefereeAbi, bytecode: trainingRefereeBytecode }),
  )
  const trainingDisputes = await place(
    'trainingDisputes',
    encodeDeployData({
      abi: trainingDisputesAbi,
      bytecode: trainingDisputesBytecode,
      args: [trainingJobs.address, trainingReferee.address],
    }),
  )
  await wireTrainingDisputes(client, trainingJobs.address, trainingDisputes.address)
  const researchRounds = await place(
    'researchRounds',
    encodeDeployData({
      abi: researchRoundsAbi,
      bytecode: researchRoundsBytecode,
      args: [trainingJobs.address, modelRegistry.address, mycelToken.address],
    }),
  )
  const datasetRegistry = await place(
    'datasetRegistry',
    encodeDeployData({ abi: datasetRegistryAbi, bytecode: datasetRegistryBytecode }),
  )
  const accessGrants = await place(
    'accessGrants',
    encodeDeployData({ abi: accessGrantsAbi, bytecode: accessGrantsBytecode, args: [datasetRegistry.address] }),
  )
  const computeToData = await place(
    'computeToData',
    encodeDeployData({
      abi: computeToDataAbi,
      bytecode: computeToDataBytecode,
      args: [trainingJobs.address, accessGrants.address, modelRegistry.address, mycelToken.address],
    }),
  )
  // The Ethereum Attestation Service: the chain's own when it has one, else deployed; then mycel's schemas.
  const schemaRegistry = parameters.eas
    ? await existing('schemaRegistry', parameters.eas.schemaRegistry)
    : await place('schemaRegistry', encodeDeployData({ abi: schemaRegistryAbi, bytecode: schemaRegistryBytecode }))
  const eas = parameters.eas
    ? await existing('eas', parameters.eas.eas)
    : await place('eas', encodeDeployData({ abi: easAbi, bytecode: easBytecode, args: [schemaRegistry.address] }))
  await registerMycelSchemas(client, { schemaRegistry: schemaRegistry.address })
  const provenanceAnchors = await place(
    'provenanceAnchors',
    encodeDeployData({ abi: provenanceAnchorsAbi, bytecode: provenanceAnchorsBytecode }),
  )
  const contracts: DeployedContracts = {
    mycelToken,
    subnetRegistry,
    paymentChannels,
    staking,
    weights,
    epochReferee,
    epochs,
    modelRegistry,
    licenses,
    trainingJobs,
    trainingReferee,
    trainingDisputes,
    researchRounds,
    datasetRegistry,
    accessGrants,
    computeToData,
    schemaRegistry,
    eas,
    provenanceAnchors,
  }
  if (parameters.testStablecoin) {
    contracts.testUsd = await place(
      'testUsd',
      encodeDeployData({ abi: testUsdAbi, bytecode: testUsdBytecode, args: [parameters.treasury] }),
    )
  }
  const addresses: MycelAddresses = {
    mycelToken: mycelToken.address,
    subnetRegistry: subnetRegistry.address,
    paymentChannels: paymentChannels.address,
    staking: staking.address,
    weights: weights.address,
    epochReferee: epochReferee.address,
    epochs: epochs.address,
    modelRegistry: modelRegistry.address,
    licenses: licenses.address,
    trainingJobs: trainingJobs.address,
    trainingReferee: trainingReferee.address,
    trainingDisputes: trainingDisputes.address,
    researchRounds: researchRounds.address,
    datasetRegistry: datasetRegistry.address,
    accessGrants: accessGrants.address,
    computeToData: computeToData.address,
    schemaRegistry: schemaRegistry.address,
    eas: eas.address,
    provenanceAnchors: provenanceAnchors.address,
    ...(contracts.testUsd ? { testUsd: contracts.testUsd.address } : {}),
  }
  return { method, addresses, contracts }
}

/** Wires the dispute game into TrainingJobs (the only caller of its dispute hooks), once. */
async function wireTrainingDisputes(client: WriteClient, jobs: `0x${string}`, disputes: `0x${string}`): Promise<void> {
  const wired = await readContract(client, { address: jobs, abi: trainingJobsAbi, functionName: 'disputes' })
  if (wired.toLowerCase() === disputes.toLowerCase()) return
  await writeContractAndWait(client, {
    address: jobs,
    abi: trainingJobsAbi,
    functionName: 'setDisputes',
    args: [disputes],
  })
}

/** Wires Licenses into the ModelRegistry (asked for parents' licenses when a derivative registers), once. */
async function wireLicenses(client: WriteClient, registry: `0x${string}`, licenses: `0x${string}`): Promise<void> {
  const wired = await readContract(client, { address: registry, abi: modelRegistryAbi, functionName: 'licenses' })
  if (wired.toLowerCase() === licenses.toLowerCase()) return
  await writeContractAndWait(client, {
    address: registry,
    abi: modelRegistryAbi,
    functionName: 'setLicenses',
    args: [licenses],
  })
}

const MINTER_ROLE = keccak256(stringToHex('MINTER_ROLE'))

/**
 * Wires Epochs in: the registry takes it as the writer of permits and prune orders (the deploying account may do
 * this once), and the token lets it mint emissions (only the treasury, the token's admin, can grant that; when the
 * deployer is not the treasury, the treasury grants `MINTER_ROLE` to the Epochs address itself).
 */
async function wireEpochs(
  client: WriteClient,
  treasury: `0x${string}`,
  token: `0x${string}`,
  registry: `0x${string}`,
  epochs: `0x${string}`,
): Promise<void> {
  const wired = await readContract(client, { address: registry, abi: subnetRegistryAbi, functionName: 'epochs' })
  if (wired.toLowerCase() !== epochs.toLowerCase()) {
    await writeContractAndWait(client, {
      address: registry,
      abi: subnetRegistryAbi,
      functionName: 'setEpochs',
      args: [epochs],
    })
  }
  if (client.account.address.toLowerCase() !== treasury.toLowerCase()) return
  const minter = await readContract(client, {
    address: token,
    abi: mycelTokenAbi,
    functionName: 'hasRole',
    args: [MINTER_ROLE, epochs],
  })
  if (!minter) {
    await writeContractAndWait(client, {
      address: token,
      abi: mycelTokenAbi,
      functionName: 'grantRole',
      args: [MINTER_ROLE, epochs],
    })
  }
}

async function sendDeploy(client: WriteClient, initCode: Hex): Promise<Hex> {
  // deployContract takes abi + bytecode + args; the init code already has the encoded arguments appended.
  return deployContract(client, { account: client.account, chain: client.chain, abi: [], bytecode: initCode })
}

/**
 * The first block at which `address` has code, by binary search over historical `eth_getCode` (about log2(head)
 * calls). Undefined when the RPC cannot serve historical state (a pruned, non-archive node): callers then index
 * from genesis.
 */
export async function findDeploymentBlock(client: Client, address: `0x${string}`): Promise<bigint | undefined> {
  try {
    const hasCode = async (blockNumber: bigint) => {
      const code = await getCode(client, { address, blockNumber })
      return code !== undefined && code !== '0x'
    }
    let high = await getBlockNumber(client, { cacheTime: 0 })
    if (!(await hasCode(high))) return undefined
    let low = 0n
    while (low < high) {
      const mid = (low + high) / 2n
      if (await hasCode(mid)) high = mid
      else low = mid + 1n
    }
    return low
  } catch {
    return undefined
  }
}
