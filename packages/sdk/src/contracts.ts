/** Typed ABIs and bytecode of the mycel contracts, generated from the solc output by `npm run build:contracts`. */
export {
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
  modelGovernorAbi,
  modelGovernorBytecode,
  modelGovernorTimelockAbi,
  modelGovernorTimelockBytecode,
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
  royaltyVaultAbi,
  royaltyVaultBytecode,
  schemaRegistryAbi,
  schemaRegistryBytecode,
  stakingAbi,
  stakingBytecode,
  subnetRegistryAbi,
  subnetRegistryBytecode,
  testUSDAbi as testUsdAbi,
  testUSDBytecode as testUsdBytecode,
  trainingDisputesAbi,
  trainingDisputesBytecode,
  trainingJobsAbi,
  trainingJobsBytecode,
  trainingRefereeAbi,
  trainingRefereeBytecode,
  weightsAbi,
  weightsBytecode,
  yumaRefereeAbi,
  yumaRefereeBytecode,
} from './generated/contracts.ts'

/** The contracts every mycel deployment has. */
export const coreContracts = [
  'mycelToken',
  'subnetRegistry',
  'paymentChannels',
  'staking',
  'weights',
  'epochReferee',
  'epochs',
  'modelRegistry',
  'licenses',
  'trainingJobs',
  'trainingReferee',
  'trainingDisputes',
  'researchRounds',
  'datasetRegistry',
  'accessGrants',
  'computeToData',
  'schemaRegistry',
  'eas',
  'provenanceAnchors',
] as const
export type CoreContractName = (typeof coreContracts)[number]

/** Addresses of one deployment of the mycel contracts; `testUsd` exists on devnets only. */
export type MycelAddresses = Record<CoreContractName, `0x${string}`> & { testUsd?: `0x${string}` }
export type MycelContractName = keyof MycelAddresses

/** Neuron roles, numbered as in `SubnetRegistry.Role`. */
export const neuronRoles = ['miner', 'validator'] as const
export type NeuronRole = (typeof neuronRoles)[number]

/** Mirrors `SubnetRegistry.MAX_NEURONS_LIMIT` (a test checks it against the deployed contract). */
export const MAX_NEURONS_LIMIT = 256
