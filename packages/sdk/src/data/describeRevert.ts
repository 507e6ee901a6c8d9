/**
 * One readable sentence per custom error of the data market (DatasetRegistry, AccessGrants, ComputeToData), used by
 * `errors/contract.ts` so CLI and node users never read a selector.
 */
import { GRANT_KINDS } from './terms.ts'

const kindName = (value: unknown) => GRANT_KINDS[Number(value)] ?? `kind ${value}`

/** The sentence for a data-market error, or undefined for another contract's. */
export function describeDataRevert(errorName: string, args: readonly unknown[]): string | undefined {
  const [a, b, c] = args
  switch (errorName) {
    case 'DatasetRegistryUnknownDataset':
      return `Dataset ${a} does not exist. List datasets with \`mycel dataset list\`.`
    case 'DatasetRegistryNotOwner':
    case 'AccessGrantsNotDatasetOwner':
      return `${b} does not own dataset ${a}: only its owner may do this (use --key with the owner's account).`
    case 'DatasetRegistryInvalidString':
      return `The dataset's ${a} is ${b} bytes long: use 1 to ${c} bytes.`
    case 'DatasetRegistryNoRecords':
      return 'A dataset needs at least one record.'
    case 'DatasetRegistryZeroRoot':
      return 'The records root is zero: give the Merkle root over the records (`mycel dataset add` computes it).'
    case 'DatasetRegistryTooManyContributors':
      return `A dataset may name at most ${b} contributors; ${a} were given.`
    case 'DatasetRegistryBadShare':
      return `Contributor ${a} (${b}) has a share of ${c} bps: give a non-zero address and a share of 1 to 10,000 bps.`
    case 'DatasetRegistrySharesTooHigh':
      return `The contributors' shares total ${a} bps, above ${b}.`
    case 'DatasetRegistryNoCurrency':
      return 'The dataset terms need a currency (a non-zero ERC-20 address).'
    case 'DatasetRegistryBadOffers':
      return `Offers ${a} name a kind that cannot be sold: offer access, training, records or queries.`
    case 'AccessGrantsUnknownGrant':
      return `Grant ${a} does not exist. List grants with \`mycel dataset show <id>\`.`
    case 'AccessGrantsNotForSale':
      return `A ${kindName(a)} grant cannot be bought: the dataset's owner issues it (\`mycel dataset grant --kind compute\`).`
    case 'AccessGrantsNotOffered':
      return `Dataset ${a} does not sell ${kindName(b)} grants: see its terms with \`mycel dataset show ${a}\`.`
    case 'AccessGrantsZeroGrantee':
      return 'A grant needs a grantee (a non-zero address).'
    case 'AccessGrantsBadScope':
      return `A ${kindName(a)} grant names records only when it is a records grant and queries only when it is a queries grant (records: at least one; queries: at least 1).`
    case 'AccessGrantsTooManyRecords':
      return `A records grant names at most ${b} records; ${a} were given.`
    case 'AccessGrantsBadRecord':
      return `Record ${b} (position ${a}) is not valid: name records in increasing order, each below the dataset's ${c} records.`
    case 'AccessGrantsTermsChanged':
      return `The terms of dataset ${a} changed after you read them: read them again (\`mycel dataset show ${a}\`) and retry.`
    case 'AccessGrantsAlreadyRevoked':
      return `Grant ${a} is already revoked.`
    case 'AccessGrantsTransferShort':
      return `Token ${a} delivered ${c} of the ${b} paid (a fee-on-transfer token): such currencies are refused.`
    case 'AccessGrantsNothingOwed':
      return `${b} has nothing to withdraw in ${a}.`
    case 'ComputeToDataWrongDataset':
      return `The job's spec does not name dataset ${a}'s ${b}: train on its registered records (\`mycel dataset show ${a}\` gives the root and count).`
    case 'ComputeToDataBadGrant':
      return `Grant ${a} cannot be used here: ${b}.`
    case 'ComputeToDataGrantUsed':
      return `Training grant ${a} already runs job ${b}: a grant buys one trained model (post again only after that job is cancelled).`
    case 'ComputeToDataUnknownJob':
      return `Job ${a} was not posted on a dataset (compute-to-data); use \`mycel job\` for it.`
    case 'ComputeToDataNotBuyer':
      return `${b} did not post job ${a}: only its buyer may cancel or accept it.`
    case 'ComputeToDataNotDatasetOwner':
      return `${b} does not own the dataset job ${a} trains on: only its owner approves the spec (use --key with the owner's account).`
    case 'ComputeToDataNotGrantee':
      return `${b} does not hold compute grant ${a}: only its grantee enrols it.`
    case 'ComputeToDataNotFinished':
      return `Job ${a} is neither accepted nor cancelled yet: claim it once it is.`
    case 'ComputeToDataNothingToClaim':
      return `Job ${a} was claimed already (its model and refund went to its buyer).`
    case 'ComputeToDataNothingOwed':
      return `${b} has nothing to withdraw in ${a} from compute-to-data jobs.`
    case 'TrainingJobsBidderRefused':
      return `${b} may not bid on or challenge job ${a}: it trains on a dataset whose owner has not approved the job yet (\`mycel job approve ${a}\`) or has not given this account a compute grant (\`mycel dataset grant <id> --kind compute\`; the node enrols it).`
    // The Ethereum Attestation Service's own errors (certifications).
    case 'AccessDenied':
      return 'Only the attester of this attestation may revoke it: sign with the certifier that attested.'
    case 'AlreadyRevoked':
      return 'This attestation is already revoked.'
    case 'NotFound':
      return "There is no attestation with this UID on this chain's EAS."
    case 'InvalidSchema':
      return "The attestation's schema is not registered on this chain's EAS (mycel registers its schemas at deployment)."
    default:
      return undefined
  }
}
