/**
 * @mycel/sdk: typed actions over the mycel contracts (viem), deployment, errors and validation helpers.
 * No I/O beyond the viem client passed in.
 */

export {
  attestDatasetCertification,
  type CertificationAttestation,
  getCertification,
  listCertifications,
  offchainRevocationTime,
  registerMycelSchemas,
  revokeAttestation,
  revokeOffchainAttestation,
} from './actions/attestations/attestations.ts'
export { claimVoucher } from './actions/channels/claimVoucher.ts'
export { claimVouchers } from './actions/channels/claimVouchers.ts'
export { closeChannelByPayee } from './actions/channels/closeChannelByPayee.ts'
export { depositToChannel } from './actions/channels/depositToChannel.ts'
export type { Channel } from './actions/channels/getChannel.ts'
export { getChannel } from './actions/channels/getChannel.ts'
export { getChannelCount } from './actions/channels/getChannelCount.ts'
export { getPendingSessionSigner } from './actions/channels/getPendingSessionSigner.ts'
export type { OpenChannelParameters } from './actions/channels/openChannel.ts'
export { openChannel } from './actions/channels/openChannel.ts'
export { requestClose } from './actions/channels/requestClose.ts'
export { setSessionSigner } from './actions/channels/setSessionSigner.ts'
export { withdrawChannel } from './actions/channels/withdrawChannel.ts'
export {
  acceptDataJob,
  approveDataJob,
  cancelDataJob,
  claimDataJob,
  type DataJobOrder,
  enrolComputeGrant,
  getDataJobOrder,
  getDataJobOwed,
  getEnrolledGrant,
  mayBidOnDataJob,
  postDataJob,
  withdrawDataJobRefund,
} from './actions/data/computeToData.ts'
export {
  type Dataset,
  type DatasetListing,
  getDataset,
  getDatasetTermsHash,
  listDatasets,
  registerDataset,
  setDatasetProvider,
  setDatasetTerms,
} from './actions/data/datasets.ts'
export {
  buyGrant,
  FOREVER,
  type Grant,
  getDataOwed,
  getGrant,
  getGrantRecords,
  issueGrant,
  listGrants,
  revokeGrant,
  withdrawDataPayments,
} from './actions/data/grants.ts'
export { claimMinerEmission } from './actions/epochs/claimMinerEmission.ts'
export { claimOwnerEmission } from './actions/epochs/claimOwnerEmission.ts'
export { claimValidatorEmission } from './actions/epochs/claimValidatorEmission.ts'
export { depositProposerBond } from './actions/epochs/depositProposerBond.ts'
export { disputeEpoch } from './actions/epochs/disputeEpoch.ts'
export { finalizeAndProposeEpoch } from './actions/epochs/finalizeAndProposeEpoch.ts'
export { finalizeEpoch } from './actions/epochs/finalizeEpoch.ts'
export { getEpochEmission } from './actions/epochs/getEpochEmission.ts'
export type { ProposedEpoch } from './actions/epochs/getEpochProposals.ts'
export { getEpochProposals } from './actions/epochs/getEpochProposals.ts'
export type { EpochRecord } from './actions/epochs/getEpochRecord.ts'
export { getEpochRecord } from './actions/epochs/getEpochRecord.ts'
export { getEpochSettings } from './actions/epochs/getEpochSettings.ts'
export { getNextEpoch } from './actions/epochs/getNextEpoch.ts'
export { getProposerBond } from './actions/epochs/getProposerBond.ts'
export { isEmissionClaimed } from './actions/epochs/isEmissionClaimed.ts'
export { proposeEpoch } from './actions/epochs/proposeEpoch.ts'
export type { EpochContracts } from './actions/epochs/readEpochState.ts'
export { readEpochState } from './actions/epochs/readEpochState.ts'
export type { CastVoteParameters, CastVoteReturnType } from './actions/governance/castVote.ts'
export { castVote } from './actions/governance/castVote.ts'
export type { CollectRoyaltiesParameters, CollectRoyaltiesReturnType } from './actions/governance/collectRoyalties.ts'
export { collectRoyalties } from './actions/governance/collectRoyalties.ts'
export type { DelegateVotesParameters } from './actions/governance/delegateVotes.ts'
export { delegateVotes } from './actions/governance/delegateVotes.ts'
export type {
  DeployModelGovernanceParameters,
  DeployModelGovernanceReturnType,
} from './actions/governance/deployModelGovernance.ts'
export { deployModelGovernance } from './actions/governance/deployModelGovernance.ts'
export { executeProposal } from './actions/governance/executeProposal.ts'
export type {
  FractionalizeModelParameters,
  FractionalizeModelReturnType,
} from './actions/governance/fractionalizeModel.ts'
export { fractionalizeModel } from './actions/governance/fractionalizeModel.ts'
export type { GetModelGovernanceParameters, ModelGovernance } from './actions/governance/getModelGovernance.ts'
export { getModelGovernance } from './actions/governance/getModelGovernance.ts'
export type { GetProposalParameters, Proposal } from './actions/governance/getProposal.ts'
export { getProposal } from './actions/governance/getProposal.ts'
export { getWithdrawable } from './actions/governance/getWithdrawable.ts'
export type { ProposeGovernanceParameters } from './actions/governance/proposeGovernance.ts'
export { proposeGovernance } from './actions/governance/proposeGovernance.ts'
export { queueProposal } from './actions/governance/queueProposal.ts'
export { withdrawRoyalties } from './actions/governance/withdrawRoyalties.ts'
export type { BuyLicenseParameters, BuyLicenseReturnType } from './actions/models/buyLicense.ts'
export { buyLicense, termsHashOf } from './actions/models/buyLicense.ts'
export type { License } from './actions/models/getLicense.ts'
export { getLicense } from './actions/models/getLicense.ts'
export type { Model } from './actions/models/getModel.ts'
export { getModel } from './actions/models/getModel.ts'
export type { RoyaltyRoute } from './actions/models/getRoyaltyRoute.ts'
export { getRoyaltyRoute } from './actions/models/getRoyaltyRoute.ts'
export { hasValidLicense } from './actions/models/hasValidLicense.ts'
export { listModels } from './actions/models/listModels.ts'
export type { RegisterModelParameters, RegisterModelReturnType } from './actions/models/registerModel.ts'
export { registerModel } from './actions/models/registerModel.ts'
export { releaseRoyalties } from './actions/models/releaseRoyalties.ts'
export { revokeLicense } from './actions/models/revokeLicense.ts'
export { royaltiesOf, royaltySourceAbi } from './actions/models/royaltiesOf.ts'
export { setModelTerms } from './actions/models/setModelTerms.ts'
export type {
  FindUnsettledChannelsParameters,
  SettleRoyaltiesReturnType,
  UnsettledRoyalties,
} from './actions/models/settleRoyalties.ts'
export { findUnsettledChannels, getUnsettledRoyalties, settleRoyalties } from './actions/models/settleRoyalties.ts'
export { deregisterNeuron } from './actions/neurons/deregisterNeuron.ts'
export type { GetNeuronAtReturnType } from './actions/neurons/getNeuronAt.ts'
export { getNeuronAt } from './actions/neurons/getNeuronAt.ts'
export type { Neuron } from './actions/neurons/getNeurons.ts'
export { getNeurons } from './actions/neurons/getNeurons.ts'
export { getUid } from './actions/neurons/getUid.ts'
export { hasValidatorPermit } from './actions/neurons/hasValidatorPermit.ts'
export type { RegisterNeuronParameters, RegisterNeuronReturnType } from './actions/neurons/registerNeuron.ts'
export { registerNeuron } from './actions/neurons/registerNeuron.ts'
export { updateEndpoint } from './actions/neurons/updateEndpoint.ts'
export { updateMetadata } from './actions/neurons/updateMetadata.ts'
export { getPendingRewards } from './actions/staking/getPendingRewards.ts'
export { getStake } from './actions/staking/getStake.ts'
export { getStakingToken } from './actions/staking/getStakingToken.ts'
export { stake } from './actions/staking/stake.ts'
export { unstake } from './actions/staking/unstake.ts'
export { withdrawStake } from './actions/staking/withdrawStake.ts'
export type { CreateSubnetParameters, CreateSubnetReturnType } from './actions/subnets/createSubnet.ts'
export { createSubnet } from './actions/subnets/createSubnet.ts'
export { getSubnet } from './actions/subnets/getSubnet.ts'
export { getSubnetEpochSettings } from './actions/subnets/getSubnetEpochSettings.ts'
export { getSubnetParams } from './actions/subnets/getSubnetParams.ts'
export type { Subnet } from './actions/subnets/getSubnets.ts'
export { getSubnets } from './actions/subnets/getSubnets.ts'
export { setSubnetParams } from './actions/subnets/setSubnetParams.ts'
export {
  challengeTraining,
  challengeTrainingModel,
  DISPUTE_PHASES,
  getDisputeSeen,
  getTrainingDispute,
  listTrainingDisputes,
  sendDisputeMove,
  type TrainingDispute,
  timeoutTrainingDispute,
} from './actions/training/disputes.ts'
export {
  acceptTrainingJob,
  addTrainingStake,
  assignTrainingJob,
  bidCommitment,
  cancelTrainingJob,
  commitTrainingBid,
  expireTrainingJob,
  getTrainingCheckpoints,
  getTrainingJob,
  getTrainingJobSpec,
  getTrainingProvider,
  JOB_STATES,
  type JobState,
  listTrainingJobs,
  postTrainingJob,
  registerTrainingProvider,
  revealTrainingBid,
  submitTrainingResult,
  type TrainingJob,
  type TrainingJobMarket,
  type TrainingJobSpec,
  type TrainingJobTerms,
  withdrawTrainingPayment,
} from './actions/training/jobs.ts'
export {
  claimResearchModel,
  claimResearchRefund,
  contributeToProposal,
  finalizeResearchRound,
  getResearchProposal,
  getResearchProposalParams,
  getResearchRound,
  launchResearchProposal,
  listResearchRounds,
  openResearchRound,
  proposeResearchJob,
  type ResearchProposal,
  type ResearchProposalParams,
  type ResearchRound,
  reclaimResearchFunds,
  reclaimResearchPool,
  withdrawResearchProposal,
} from './actions/training/rounds.ts'
export type {
  ClaimableEmission,
  GetClaimableEmissionsParameters,
} from './actions/wallet/getClaimableEmissions.ts'
export { getClaimableEmissions } from './actions/wallet/getClaimableEmissions.ts'
export { getTokenInfo } from './actions/wallet/getTokenInfo.ts'
export type {
  GetWalletOverviewParameters,
  WalletChannel,
  WalletOverview,
} from './actions/wallet/getWalletOverview.ts'
export { getWalletOverview } from './actions/wallet/getWalletOverview.ts'
export { commitWeights } from './actions/weights/commitWeights.ts'
export type { RevealedRow } from './actions/weights/getRevealedRows.ts'
export { getRevealedRows } from './actions/weights/getRevealedRows.ts'
export type { WeightsCommit } from './actions/weights/getWeightsCommit.ts'
export { getWeightsCommit } from './actions/weights/getWeightsCommit.ts'
export { revealWeights } from './actions/weights/revealWeights.ts'
export type { WriteCall, WriteClient } from './actions/write.ts'
export {
  ensureAllowance,
  gasWithMargin,
  MAX_TRANSACTION_GAS,
  MIN_GAS_MARGIN,
  writeContractAndWait,
  writeContractsAndWait,
} from './actions/write.ts'
export {
  type DatasetCertification,
  decodeDatasetCertification,
  encodeDatasetCertification,
  MYCEL_SCHEMAS,
  type MycelSchemaName,
  mycelSchemaUids,
  schemaUid,
} from './attestations/schemas.ts'
export type {
  PendingSessionKey,
  SessionKey,
  SessionKeyState,
  SessionKeysInForce,
  SessionVoucherVerdict,
} from './channels/sessionKey.ts'
export { checkSessionVoucher, sessionKeysInForce } from './channels/sessionKey.ts'
export type { ModelAmount, RoyaltyVoucher, SignedVoucher, Voucher, VoucherDomain } from './channels/voucher.ts'
export {
  hashVoucher,
  recoverVoucherSigner,
  royaltyVoucherTypes,
  signVoucher,
  voucherDomain,
  voucherTypedData,
  voucherTypes,
} from './channels/voucher.ts'
export { cidOfBytes } from './cid.ts'
export type { CoreContractName, MycelAddresses, MycelContractName, NeuronRole } from './contracts.ts'
export {
  accessGrantsAbi,
  accessGrantsBytecode,
  computeToDataAbi,
  computeToDataBytecode,
  coreContracts,
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
  MAX_NEURONS_LIMIT,
  modelGovernorAbi,
  modelGovernorBytecode,
  modelGovernorTimelockAbi,
  modelGovernorTimelockBytecode,
  modelRegistryAbi,
  modelRegistryBytecode,
  mycelTokenAbi,
  mycelTokenBytecode,
  neuronRoles,
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
  yumaRefereeAbi,
  yumaRefereeBytecode,
} from './contracts.ts'
export {
  DATA_ACTIONS,
  DATA_REQUEST_MAX_AGE,
  type DataAction,
  type DataRequest,
  dataRequestBody,
  dataRequestDomain,
  dataRequestTypes,
  recoverDataRequester,
  signDataRequest,
} from './data/request.ts'
export {
  type ContractDatasetTerms,
  type DatasetTerms,
  fromContractDatasetTerms,
  GRANT_KINDS,
  type GrantKind,
  grantKindIndex,
  grantKindOf,
  grantPrice,
  SOLD_KINDS,
  splitDataPayment,
  toContractDatasetTerms,
} from './data/terms.ts'
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
  buildEpoch,
  epochParams,
  epochStateOf,
  MAX_PRUNE_ORDER,
  maskedRow,
  selectValidators,
} from './epochs/buildEpoch.ts'
export type { SettledProposal } from './epochs/claims.ts'
export { CLAIM_ROLE, columnProof } from './epochs/claims.ts'
export type { DisputeCall, SettledEpoch } from './epochs/dispute.ts'
export { planDisputes, proposalMatches } from './epochs/dispute.ts'
export { emissionSplit, minerEmission, validatorEmission } from './epochs/emission.ts'
export { bigintJson, builtEpochFromJson, builtEpochToJson } from './epochs/json.ts'
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
export { previousOf } from './epochs/previous.ts'
export { BaseError } from './errors/base.ts'
export {
  ContractRevertError,
  decodeContractError,
  describeRevert,
  MissingEventError,
  TransactionRevertedError,
} from './errors/contract.ts'
export { deployedBytecodes } from './governance/artifacts.ts'
export type { GovernanceSettings } from './governance/defaults.ts'
export { DEVNET_GOVERNANCE, PRODUCTION_GOVERNANCE } from './governance/defaults.ts'
export {
  GovernanceDeploymentError,
  InvalidGovernanceParameterError,
  ModelGovernanceUnsoundError,
  ModelNotOwnedError,
} from './governance/errors.ts'
export type { ProposalAction, ProposalState, VoteChoice } from './governance/proposal.ts'
export {
  hashDescription,
  hashProposal,
  proposalArrays,
  proposalStates,
  timelockOperationId,
  timelockSalt,
  voteSupport,
} from './governance/proposal.ts'
export type { GovernanceFacts, RoleEvent } from './governance/verify.ts'
export {
  CANCELLER_ROLE,
  DEFAULT_ADMIN_ROLE,
  EXECUTOR_ROLE,
  governanceProblems,
  matchesArtifactCode,
  PROPOSER_ROLE,
  roleMembers,
} from './governance/verify.ts'
export type { RouteEntry } from './models/split.ts'
export {
  buildModelSplit,
  ModelAmountDecreasedError,
  ModelSplitAmountError,
  ModelSplitNotSortedError,
  ModelSplitOverAmountError,
  royaltyShares,
  splitIncreases,
  validateModelSplit,
} from './models/split.ts'
export type { ContractTerms, LicenseTerms } from './models/terms.ts'
export { InvalidTermsError, MAX_ROYALTY_BPS, parseLicenseTerms, toContractTerms } from './models/terms.ts'
export {
  DIGITAL_SOURCE_TYPES,
  type Receipt,
  type ReceiptDomain,
  type ReceiptKind,
  receiptDigest,
  receiptDomain,
  receiptTypes,
  type SignedReceipt,
  signReceipt,
  verifyReceiptSignature,
} from './provenance/receipt.ts'
export type { SubnetParams } from './subnets/params.ts'
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
  randomSalt,
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
