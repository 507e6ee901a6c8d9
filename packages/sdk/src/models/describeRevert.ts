/**
 * One readable sentence per custom error of the model market (ModelRegistry, Licenses, and the model split of
 * PaymentChannels), used by `errors/contract.ts` so CLI and node users never read a selector.
 */

/** The sentence for a model-market error, or undefined for another contract's. */
export function describeMarketRevert(errorName: string, args: readonly unknown[]): string | undefined {
  const [a, b, c, d] = args
  switch (errorName) {
    case 'ModelRegistryUnknownModel':
      return `Model ${a} does not exist. List models with \`mycel model list\`.`
    case 'ModelRegistryNotOwner':
      return `${b} does not own model ${a}: only its owner (its timelock once fractionalized) may do this.`
    case 'ModelRegistryInvalidString':
      return `The model's ${a} is ${b} bytes long: use 1 to ${c} bytes.`
    case 'ModelRegistryTooManyParents':
      return `A model may have at most ${b} parents; ${a} were given.`
    case 'ModelRegistryDuplicateParent':
      return `Parent model ${a} is listed twice.`
    case 'ModelRegistryDerivativesNotAllowed':
      return `The terms of model ${a} do not allow derivatives.`
    case 'ModelRegistryParentLicenseRequired':
      return `${b} holds no valid license of parent model ${a}: buy one with \`mycel model license buy\` first.`
    case 'ModelRegistryLineageTooDeep':
      return `The lineage would hold ${a} models, above the bound of ${b} (the model and its ancestors).`
    case 'ModelRegistryRoyaltyTooHigh':
      return `The royalty route would total ${a} bps, above ${b}: lower the model's royaltyBps.`
    case 'ModelRegistryNoCurrency':
      return `The terms of model ${a} need a currency (a non-zero ERC-20 address).`
    case 'ModelRegistryAlreadyFractionalized':
      return `Model ${a} is already fractionalized (vault ${b}).`
    case 'LicensesModelWithoutTerms':
      return `Model ${a} has no license terms: it is served without a license.`
    case 'LicensesUnknownLicense':
      return `License ${a} does not exist.`
    case 'LicensesNotModelOwner':
      return `${b} does not own the model of license ${a}: only the model's owner may revoke it.`
    case 'LicensesNotHolder':
      return `${b} does not hold license ${a}.`
    case 'LicensesRevoked':
      return `License ${a} was revoked.`
    case 'LicensesExpired':
      return `License ${a} expired at unix time ${b}.`
    case 'LicensesTermsChanged':
      return `The terms of model ${a} changed after they were read (agreed ${b}, now ${c}): read them again, then buy.`
    case 'LicensesTransferShort':
      return `Token ${a} delivered ${c} of a ${b} fee (it charges a fee on transfer): licenses need a plain ERC-20.`
    case 'PaymentChannelsSplitNotSorted':
      return `The model split of the voucher for channel ${a} is not sorted at entry ${b}: ids must be strictly ascending.`
    case 'PaymentChannelsSplitZeroAmount':
      return `The model split of the voucher for channel ${a} pays model ${b} nothing: leave it out instead.`
    case 'PaymentChannelsSplitOverAmount':
      return `The model split of the voucher for channel ${a} adds up to ${b}, more than its cumulative amount ${c}.`
    case 'PaymentChannelsSplitOverClaim':
      return `The models' increases on channel ${a} add up to ${b}, more than the ${c} this claim pays.`
    case 'PaymentChannelsRoyaltiesOverClaim':
      return `This claim on channel ${a} pays ${c} more, but the royalty routes' rounded shares rise by ${b}: claim a later, larger voucher.`
    case 'PaymentChannelsModelAmountTooLow':
      return `The voucher for channel ${a} pays model ${b} a cumulative ${c}, lower than the ${d} already claimed.`
    case 'PaymentChannelsUnknownModel':
      return `The voucher for channel ${a} pays model ${b}, which does not exist.`
    case 'PaymentChannelsModelWithoutTerms':
      return `The voucher for channel ${a} names model ${b} in its split, but that model has no license terms.`
    case 'PaymentChannelsNoValidLicense':
      return `Payee ${c} holds no valid license of model ${b} (channel ${a}): buy one, or claim an earlier voucher.`
    case 'PaymentChannelsLicenseExpired':
      return `The payee's license ${c} of model ${b} ended (expired or revoked) at unix time ${d}, longer ago than claims accept it (one hour after an expiry, one challenge period after a revocation; channel ${a}): buy a new one, then claim.`
    case 'PaymentChannelsLicenseNotCommercial':
      return `The payee's license ${c} of model ${b} does not allow commercial use (channel ${a}).`
    default:
      return undefined
  }
}
