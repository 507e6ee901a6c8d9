/**
 * @mycel/sdk: typed actions over the mycel contracts (viem), deployment, errors and validation helpers.
 * No I/O beyond the viem client passed in.
 */

export type { Channel, OpenChannelParameters } from './actions/channels/channels.ts'
export {
  claimVoucher,
  claimVouchers,
  closeChannelByPayee,
  depositToChannel,
  getChannel,
  openChannel,
  requestClose,
  setSessionSigner,
  withdrawChannel,
} from './actions/channels/channels.ts'
export type { EpochContracts, EpochRecord, ProposedEpoch, SettledProposal } from './actions/epochs/epochs.ts'
export {
  CLAIM_ROLE,
  claimMinerEmission,
  claimOwnerEmission,
  claimValidatorEmission,
  columnProof,
  depositProposerBond,
  finalizeAndProposeEpoch,
  finalizeEpoch,
  getEpochEmission,
  getEpochProposals,
  getEpochRecord,
  getEpochSettings,
  getNextEpoch,
  getPendingRewards,
  getProposerBond,
  isEmissionClaimed,
  previousOf,
  proposeEpoch,
  readEpochState,
} from './actions/epochs/epochs.ts'
export { deregisterNeuron } from './actions/neurons/deregisterNeuron.ts'
export type { Neuron } from './actions/neurons/getNeurons.ts'
export { getNeurons } from './actions/neurons/getNeurons.ts'
export type { RegisterNeuronParameters, RegisterNeuronReturnType } from './actions/neurons/registerNeuron.ts'
export { registerNeuron } from './actions/neurons/registerNeuron.ts'
export { updateEndpoint } from './actions/neurons/updateEndpoint.ts'
export { updateMetadata } from './actions/neurons/updateMetadata.ts'
export type { SubnetParams } from './actions/staking/staking.ts'
export {
  getStake,
  getSubnetParams,
  setSubnetParams,
  stake,
  unstake,
  withdrawStake,
} from './actions/staking/staking.ts'
export type { CreateSubnetParameters, CreateSubnetReturnType } from './actions/subnets/createSubnet.ts'
export { createSubnet } from './actions/subnets/createSubnet.ts'
export type { Subnet } from './actions/subnets/getSubnets.ts'
export { getSubnets } from './actions/subnets/getSubnets.ts'
export type {
  ClaimableEmission,
  GetClaimableEmissionsParameters,
} from './actions/wallet/getClaimableEmissions.ts'
export { getClaimableEmissions } from './actions/wallet/getClaimableEmissions.ts'
export type {
  GetWalletOverviewParameters,
  WalletChannel,
  WalletOverview,
} from './actions/wallet/getWalletOverview.ts'
export { getWalletOverview } from './actions/wallet/getWalletOverview.ts'
export type { RevealedRow, WeightsCommit } from './actions/weights/weights.ts'
export {
  commitWeights,
  getRevealedRows,
  getWeightsCommit,
  randomSalt,
  revealWeights,
} from './actions/weights/weights.ts'
export type { WriteClient } from './actions/write.ts'
export { ensureAllowance, writeContractAndWait } from './actions/write.ts'
export type { SignedVoucher, Voucher, VoucherDomain } from './channels/voucher.ts'
export { hashVoucher, recoverVoucherSigner, signVoucher, voucherDomain, voucherTypes } from './channels/voucher.ts'
export { cidOfBytes } from './cid.ts'
export type { CoreContractName, MycelAddresses, MycelContractName, NeuronRole } from './contracts.ts'
export {
  coreContracts,
  epochRefereeAbi,
  epochRefereeBytecode,
  epochsAbi,
  epochsBytecode,
  MAX_NEURONS_LIMIT,
  mycelTokenAbi,
  mycelTokenBytecode,
  neuronRoles,
  paymentChannelsAbi,
  paymentChannelsBytecode,
  stakingAbi,
  stakingBytecode,
  subnetRegistryAbi,
  subnetRegistryBytecode,
  testUsdAbi,
  testUsdBytecode,
  weightsAbi,
  weightsBytecode,
  yumaRefereeAbi,
  yumaRefereeBytecode,
} from './contracts.ts'
export type {
  DeployedContract,
  DeployedContracts,
  DeployMycelParameters,
  DeployMycelReturnType,
} from './deploy/deployMycel.ts'
export {
  create2Factory,
  DEFAULT_CHALLENGE_BLOCKS,
  DEFAULT_CHALLENGE_PERIOD,
  DEFAULT_EMISSION_PER_BLOCK,
  DEFAULT_PROPOSER_BOND,
  DEFAULT_STAKE_COOLDOWN_BLOCKS,
  DeploymentFailedError,
  deployMycel,
  findDeploymentBlock,
} from './deploy/deployMycel.ts'
export type {
  BuiltEpoch,
  EpochHeader,
  EpochParams,
  EpochProposal,
  EpochSlot,
  EpochState,
  PreviousEpoch,
} from './epochs/buildEpoch.ts'
export {
  bigintJson,
  buildEpoch,
  builtEpochFromJson,
  builtEpochToJson,
  emissionSplit,
  epochParams,
  epochStateOf,
  MAX_PRUNE_ORDER,
  maskedRow,
  minerEmission,
  selectValidators,
  validatorEmission,
} from './epochs/buildEpoch.ts'
export type { DisputeCall, SettledEpoch } from './epochs/dispute.ts'
export { planDisputes, proposalMatches } from './epochs/dispute.ts'
export {
  bondsColumnHash,
  columnLeaf,
  merkleTree,
  packColumns,
  packInputs,
  packQ,
  packUids,
  unpackColumns,
  unpackInputs,
  unpackQ,
  unpackUids,
} from './epochs/packing.ts'
export { BaseError } from './errors/base.ts'
export {
  ContractRevertError,
  decodeContractError,
  describeRevert,
  MissingEventError,
  TransactionRevertedError,
} from './errors/contract.ts'
export { InvalidCidError, parseCid } from './validation/cid.ts'
export { isValidEndpoint, MAX_ENDPOINT_LENGTH, MIN_ENDPOINT_LENGTH } from './validation/endpoint.ts'
export type { ValidatorRequest, ValidatorRequestCode } from './validators/requestAuth.ts'
export {
  createNonceMemory,
  DEFAULT_REQUEST_WINDOW_SECONDS,
  signValidatorRequest,
  VALIDATOR_HEADER,
  ValidatorRequestError,
  verifyValidatorRequest,
} from './validators/requestAuth.ts'
export {
  decodeWeights,
  encodeWeights,
  InvalidWeightsError,
  toChainWeights,
  weightsCommitHash,
  weightsRowHash,
} from './weights/weights.ts'
export type { LiquidAlpha, YumaInput, YumaParams, YumaResult, YumaVersion } from './yuma/epoch.ts'
export {
  assertYumaInput,
  liquidAlphaOf,
  MAX_YUMA_MINERS,
  MAX_YUMA_VALIDATORS,
  normalize,
  normalizeStake,
  weightedMedian,
  YumaInputError,
  yumaEpoch,
} from './yuma/epoch.ts'
export {
  divQ32,
  E_INV_Q32,
  E_SIXTEENTHS_Q32,
  expNegQ32,
  fromQ32,
  idiv,
  mulQ32,
  ONE,
  sigmoidQ32,
  toQ32,
} from './yuma/fixedPoint.ts'
export type { YumaJsonResult } from './yuma/json.ts'
export { parseYumaJson, quantizeWeights, runYumaJson, yumaJsonDefaults, yumaResultToJson } from './yuma/json.ts'
