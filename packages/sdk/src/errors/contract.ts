/**
 * Turns a revert from a mycel contract (a custom error decoded by viem) into a sentence that says what went wrong
 * and what to do about it. Used by the CLI and the node so a user never has to read a selector.
 */
import { ContractFunctionRevertedError, decodeErrorResult, formatUnits, BaseError as ViemBaseError } from 'viem'
import {
  accessGrantsAbi,
  datasetRegistryAbi,
  easAbi,
  epochsAbi,
  licensesAbi,
  modelGovernorAbi,
  modelGovernorTimelockAbi,
  modelRegistryAbi,
  mycelTokenAbi,
  paymentChannelsAbi,
  royaltyVaultAbi,
  stakingAbi,
  subnetRegistryAbi,
  trainingDisputesAbi,
  trainingJobsAbi,
  trainingRefereeAbi,
  weightsAbi,
} from '../contracts.ts'
import { describeDataRevert } from '../data/describeRevert.ts'
import { describeGovernanceRevert } from '../governance/describeRevert.ts'
import { describeMarketRevert } from '../models/describeRevert.ts'
import { describeTrainingRevert } from '../training/describeRevert.ts'
import { BaseError } from './base.ts'

/** Every custom error of the mycel contracts, so a revert bubbling up from another contract (e.g. the token during a
 * registration) is decoded too. */
const allErrorsAbi = [
  ...mycelTokenAbi,
  ...subnetRegistryAbi,
  ...paymentChannelsAbi,
  ...stakingAbi,
  ...weightsAbi,
  ...epochsAbi,
  ...modelRegistryAbi,
  ...licensesAbi,
  ...royaltyVaultAbi,
  ...modelGovernorAbi,
  ...modelGovernorTimelockAbi,
  ...trainingJobsAbi,
  ...trainingDisputesAbi,
  ...trainingRefereeAbi,
  ...datasetRegistryAbi,
  ...accessGrantsAbi,
  ...easAbi,
].filter((item) => item.type === 'error')

export type ContractRevertErrorType = ContractRevertError & { name: 'ContractRevertError' }

/** A mycel contract rejected a call with custom error `errorName(args)`. */
export class ContractRevertError extends BaseError {
  override name = 'ContractRevertError' as const
  readonly errorName: string
  readonly args: readonly unknown[]
  constructor({ errorName, args, cause }: { errorName: string; args: readonly unknown[]; cause: unknown }) {
    super(describeRevert(errorName, args), { details: `${errorName}(${args.map(String).join(', ')})`, cause })
    this.errorName = errorName
    this.args = args
  }
}

const myc = (value: unknown) => `${formatUnits(BigInt(value as bigint), 18)} MYC`
const claimRoles = ['owner', 'miner', 'validator']

/** One readable sentence per custom error the contracts can raise; unknown ones are named with their arguments. */
export function describeRevert(errorName: string, args: readonly unknown[]): string {
  return (
    describeRegistryOrChannels(errorName, args) ??
    describeIncentives(errorName, args) ??
    describeMarketRevert(errorName, args) ??
    describeGovernanceRevert(errorName, args) ??
    describeTrainingRevert(errorName, args) ??
    describeDataRevert(errorName, args) ??
    `The contract rejected the call with ${errorName}(${args.map(String).join(', ')}).`
  )
}

function describeRegistryOrChannels(errorName: string, args: readonly unknown[]): string | undefined {
  const [a, b, c, d] = args
  switch (errorName) {
    case 'SubnetRegistryUnknownSubnet':
      return `Subnet ${a} does not exist. List subnets with \`mycel subnet list\`.`
    case 'SubnetRegistrySubnetFull':
      return `Subnet ${a} is full (${b} of ${b} neurons). Pick another subnet or wait for a slot to free up.`
    case 'SubnetRegistryAlreadyRegistered':
      return `Hotkey ${b} is already registered in subnet ${a} as uid ${c}. Use \`mycel neuron update\` to change its endpoint.`
    case 'SubnetRegistryNotRegistered':
      return `Hotkey ${b} is not registered in subnet ${a}.`
    case 'SubnetRegistryInvalidEndpoint':
      return `Endpoint ${JSON.stringify(a)} is not valid: give an http:// or https:// URL of 10 to 256 visible ASCII characters, e.g. http://127.0.0.1:9000.`
    case 'SubnetRegistryInvalidLabel':
      return `Name or task type ${JSON.stringify(a)} is not valid: use 1 to 32 bytes.`
    case 'SubnetRegistryInvalidCid':
      return `CID ${JSON.stringify(a)} is not valid: use a CID string of at most 128 characters.`
    case 'SubnetRegistryInvalidMaxNeurons':
      return `Max neurons ${a} is out of range: use 1 to ${b}.`
    case 'SubnetRegistryCostAboveMax':
      return `Registering in subnet ${a} now costs ${myc(b)}, above the ${myc(c)} you accepted (another registration landed first and raised it): check \`mycel subnet show --netuid ${a}\` and register again.`
    case 'SubnetRegistryInvalidPageSize':
      return `Page size ${a} is out of range: use 1 to ${b}.`
    case 'SubnetRegistryInvalidParam':
      return `Subnet parameter ${a} = ${b} is out of bounds: use ${c} to ${d} (see \`mycel subnet params --help\`).`
    case 'SubnetRegistryNotOwner':
      return `Only the owner of subnet ${a} (${b}) may change it.`
    case 'SubnetRegistryNotAdmin':
      return `${a} is not the registry's admin.`
    case 'SubnetRegistryZeroToken':
      return 'The token address must be non-zero.'
    case 'SubnetRegistryEpochsAlreadySet':
      return `The registry's Epochs contract is already set (${a}).`
    case 'SubnetRegistryNotEpochs':
      return `${a} is not the Epochs contract: only it applies an epoch's results.`
    case 'SubnetRegistryPruneOrderTooLong':
      return `A prune order of ${a} uids is longer than an epoch may record.`
    case 'PaymentChannelsUnknownChannel':
      return `Channel ${a} does not exist or was closed.`
    case 'PaymentChannelsZeroAddress':
      return 'Payee and token must be non-zero addresses.'
    case 'PaymentChannelsZeroAmount':
      return 'The amount must be greater than zero.'
    case 'PaymentChannelsAmountTooLarge':
      return `Amount ${a} is too large: a channel holds below 2^96 units of its token.`
    case 'PaymentChannelsNotPayer':
      return `${b} is not the payer of channel ${a}.`
    case 'PaymentChannelsNotPayee':
      return `${b} is not the payee of channel ${a}.`
    case 'PaymentChannelsClosing':
      return `Channel ${a} is closing (window ends at unix time ${b}): it takes no deposits or signer changes.`
    case 'PaymentChannelsNotClosing':
      return `Channel ${a} has no close request: request a close first, then withdraw after the window.`
    case 'PaymentChannelsChallengeWindowOpen':
      return `Channel ${a} can be withdrawn only after its challenge window ends at unix time ${b}.`
    case 'PaymentChannelsChallengeWindowOver':
      return `Channel ${a}'s challenge window ended at unix time ${b}: its vouchers can no longer be claimed.`
    case 'PaymentChannelsInvalidSigner':
      return `The voucher for channel ${a} is signed by ${b}, which is neither its payer nor its session signer.`
    case 'PaymentChannelsVoucherTooLow':
      return `The voucher for channel ${a} carries ${b}, not more than the ${c} already claimed.`
    case 'PaymentChannelsTransferShort':
      return `Token ${a} delivered ${c} of a ${b} deposit (it charges a fee on transfer or rebases): payment channels need a plain ERC-20.`
    case 'PaymentChannelsVoucherOverDeposit':
      return `The voucher for channel ${a} carries ${b}, more than the channel's deposit of ${c}.`
    case 'PaymentChannelsSessionCapExceeded':
      return `The voucher for channel ${a} carries ${b}, above its session signer's cap of ${c}.`
    case 'PaymentChannelsInvalidChallengePeriod':
      return `Challenge period ${a} s is out of range: use 3600 to 2592000 seconds.`
    case 'PaymentChannelsEmptyBatch':
      return 'The claim batch is empty.'
    case 'ERC20InsufficientAllowance':
      return `Allowance too low: ${a} may spend ${myc(b)} but ${myc(c)} is needed. Approve the registry first.`
    case 'ERC20InsufficientBalance':
      return `Balance too low: ${a} holds ${myc(b)} but ${myc(c)} is needed.`
    case 'AccessControlUnauthorizedAccount':
      return `Account ${a} lacks role ${b} for this action.`
    default:
      return undefined
  }
}

/** Staking, weights and epochs. */
function describeIncentives(errorName: string, args: readonly unknown[]): string | undefined {
  const [a, b, c, d, e] = args
  switch (errorName) {
    case 'StakingHotkeyNotRegistered':
      return `Hotkey ${b} is not registered in subnet ${a} (or subnet ${a} does not exist), so it cannot take stake. Register it with \`mycel neuron register --netuid ${a} --endpoint <url>\` signed by that hotkey, or stake on a registered one (\`mycel stake list --netuid ${a}\`); \`mycel subnet list\` lists the subnets.`
    case 'StakingInsufficientStake':
      return `${c} has ${myc(e)} staked on ${b} in subnet ${a}, less than the ${myc(d)} asked for.`
    case 'StakingNothingUnlocked':
      return `Nothing unstaked has unlocked yet: the next unlock is at block ${a}.`
    case 'StakingNotEpochs':
      return `Only the Epochs contract pays dividends into Staking; ${a} is not it (epoch claims pay validators: \`mycel epoch claim\`).`
    case 'StakingSnapshotNotPast':
      return `A payment's snapshot block must have ended: block ${a} is not before the current block ${b}.`
    case 'StakingStakeTooLarge':
      return `That would put ${myc(c)} on hotkey ${b} in subnet ${a}, above the most one hotkey may hold (${myc(d)}).`
    case 'StakingTakeTooHigh':
      return `A take of ${a} basis points is too high: at most ${b}.`
    case 'StakingZeroAmount':
      return 'The amount must be greater than zero.'
    case 'StakingZeroAddress':
      return 'The token and registry addresses must be non-zero.'
    case 'StakingOverflow':
      return 'The stake total would overflow.'
    case 'WeightsNotRegistered':
      return `Hotkey ${b} is not registered in subnet ${a}: register it as a validator first (\`mycel neuron register --netuid ${a} --role validator …\`).`
    case 'WeightsNoValidatorPermit':
      return `uid ${b} of subnet ${a} holds no validator permit: permits go to the largest stakes at each epoch; stake more (\`mycel stake add\`) and wait for the next epoch.`
    case 'WeightsRateLimited':
      return `${b} committed weights in subnet ${a} too recently: it may commit again from block ${c}.`
    case 'WeightsZeroCommit':
      return 'The weights commit must not be the zero hash.'
    case 'WeightsNoCommit':
      return `${b} has no weights commit to reveal in subnet ${a}: commit first.`
    case 'WeightsRevealTooEarly':
      return `Too early to reveal at block ${a}: the reveal opens at block ${b}.`
    case 'WeightsCommitExpired':
      return `The weights commit expired at block ${b} (now ${a}): commit again.`
    case 'WeightsLengthMismatch':
      return `The weights have ${a} entries but the subnet has ${b} neurons.`
    case 'WeightsHashMismatch':
      return `The revealed weights and salt hash to ${a}, not to the committed ${b}.`
    case 'WeightsAllZero':
      return 'The weights are all zero: give at least one miner a positive weight.'
    case 'EpochsTooEarly':
      return `Epoch ${b} of subnet ${a} can be proposed only after its snapshot block ${c}.`
    case 'EpochsAlreadyProposed':
      return `Epoch ${b} of subnet ${a} was already proposed.`
    case 'EpochsInsufficientBond':
      return `${a} has ${myc(b)} of proposer bond but ${myc(c)} is needed: deposit a bond first.`
    case 'EpochsProposalThroughContract':
      return `${a} cannot propose an epoch: a proposal must be sent by the transaction's own sender, an account without code, so that nodes can read it from the transaction to check it.`
    case 'EpochsMalformedProposal':
      return `The epoch proposal is malformed: ${a}.`
    case 'EpochsStaleProposal':
      return 'The epoch proposal is stale: the subnet changed after its snapshot was read; build it again.'
    case 'EpochsNotProposed':
      return `Epoch ${b} of subnet ${a} has no proposal.`
    case 'EpochsChallengeWindowOpen':
      return `Epoch ${b} of subnet ${a} can be challenged until block ${c}; it can be finalized after that.`
    case 'EpochsChallengeWindowClosed':
      return `The challenge window of epoch ${b} of subnet ${a} is closed.`
    case 'EpochsNotFinal':
      return `Epoch ${b} of subnet ${a} is not final yet; its shares can be claimed once it is.`
    case 'EpochsHeaderMismatch':
      return 'The epoch header does not match the proposed one.'
    case 'EpochsInputsMismatch':
      return "The epoch inputs do not match the proposal's."
    case 'EpochsBadProof':
      return "The proof does not match the proposal's root."
    case 'EpochsProposalCorrect':
      return `The dispute failed: the proposal's ${a} at index ${b} is correct.`
    case 'EpochsAlreadyClaimed':
      return `The ${claimRoles[Number(c)] ?? `role ${c}`} share of uid ${d} in epoch ${b} of subnet ${a} was already claimed.`
    case 'EpochsNothingToClaim':
      return 'There is nothing to claim.'
    default:
      return undefined
  }
}

/**
 * If `error` is (or wraps) a decoded custom-error revert, returns a {@link ContractRevertError}; otherwise returns
 * `error` unchanged.
 */
export function decodeContractError(error: unknown): unknown {
  if (!(error instanceof ViemBaseError)) return error
  const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError)
  if (!(reverted instanceof ContractFunctionRevertedError)) return error
  if (reverted.data?.errorName) {
    return new ContractRevertError({ errorName: reverted.data.errorName, args: reverted.data.args ?? [], cause: error })
  }
  if (reverted.raw) {
    try {
      const decoded = decodeErrorResult({ abi: allErrorsAbi, data: reverted.raw })
      return new ContractRevertError({ errorName: decoded.errorName, args: decoded.args ?? [], cause: error })
    } catch {
      // Not one of ours: keep viem's error.
    }
  }
  return error
}

/** A transaction was mined but failed (out of gas, or a revert the simulation did not foresee). */
export class TransactionRevertedError extends BaseError {
  override name = 'TransactionRevertedError' as const
  readonly hash: `0x${string}`
  constructor({ hash }: { hash: `0x${string}` }) {
    super(`Transaction ${hash} was mined but reverted.`)
    this.hash = hash
  }
}

/** A successful transaction lacked the event its action promises: the address is not the contract expected. */
export class MissingEventError extends BaseError {
  override name = 'MissingEventError' as const
  readonly eventName: string
  readonly hash: `0x${string}`
  constructor({ eventName, hash }: { eventName: string; hash: `0x${string}` }) {
    super(`Transaction ${hash} emitted no ${eventName} event. Is the contract address right?`)
    this.eventName = eventName
    this.hash = hash
  }
}
