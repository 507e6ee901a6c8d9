/**
 * mycel's attestation schemas on the Ethereum Attestation Service (docs/data.md "Certification"): the certification
 * of a dataset (what a certifier checked and found) and the evaluation of a model (a metric on a held-out dataset).
 * Each is registered once per chain in EAS's SchemaRegistry without a resolver and revocable; its UID is EAS's
 * `keccak256(abi.encodePacked(schema, resolver, revocable))`, the same on every chain. Data is ABI-encoded as the
 * schema string says, exactly as EAS's SchemaEncoder does.
 */
import {
  type Address,
  decodeAbiParameters,
  encodeAbiParameters,
  encodePacked,
  type Hex,
  keccak256,
  parseAbiParameters,
  zeroAddress,
} from 'viem'

export const MYCEL_SCHEMAS = {
  datasetCertification:
    'uint256 datasetId,bytes32 recordsRoot,uint32 recordCount,uint32 duplicates,uint16 labelBalanceBps,uint32 piiFindings,bool schemaConforms,bool licensePresent,bool passed,string reportCid',
  modelEvaluation: 'uint256 modelId,string weightsCid,string metric,uint256 valueE6,uint32 examples,string datasetCid',
} as const
export type MycelSchemaName = keyof typeof MYCEL_SCHEMAS

/** EAS's schema UID. */
export const schemaUid = (schema: string, resolver: Address = zeroAddress, revocable = true): Hex =>
  keccak256(encodePacked(['string', 'address', 'bool'], [schema, resolver, revocable]))

export const mycelSchemaUids = {
  datasetCertification: schemaUid(MYCEL_SCHEMAS.datasetCertification),
  modelEvaluation: schemaUid(MYCEL_SCHEMAS.modelEvaluation),
} as const

/** What a certifier found in a dataset (docs/data.md "Certification"). */
export type DatasetCertification = {
  datasetId: bigint
  recordsRoot: Hex
  recordCount: number
  /** Records that repeat an earlier one byte for byte. */
  duplicates: number
  /** The smallest class's share of the records relative to an even split, in bps (10,000 = perfectly balanced). */
  labelBalanceBps: number
  /** Emails, phone numbers and keys found. */
  piiFindings: number
  schemaConforms: boolean
  licensePresent: boolean
  passed: boolean
  /** The full report in the content store. */
  reportCid: string
}

const certificationParams = parseAbiParameters(MYCEL_SCHEMAS.datasetCertification)

export const encodeDatasetCertification = (c: DatasetCertification): Hex =>
  encodeAbiParameters(certificationParams, [
    c.datasetId,
    c.recordsRoot,
    c.recordCount,
    c.duplicates,
    c.labelBalanceBps,
    c.piiFindings,
    c.schemaConforms,
    c.licensePresent,
    c.passed,
    c.reportCid,
  ])

export function decodeDatasetCertification(data: Hex): DatasetCertification {
  const [
    datasetId,
    recordsRoot,
    recordCount,
    duplicates,
    labelBalanceBps,
    piiFindings,
    schemaConforms,
    licensePresent,
    passed,
    reportCid,
  ] = decodeAbiParameters(certificationParams, data)
  return {
    datasetId,
    recordsRoot,
    recordCount,
    duplicates,
    labelBalanceBps,
    piiFindings,
    schemaConforms,
    licensePresent,
    passed,
    reportCid,
  }
}
