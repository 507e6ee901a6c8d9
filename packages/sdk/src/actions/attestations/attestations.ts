/**
 * Actions on the Ethereum Attestation Service (the real EAS and SchemaRegistry contracts, docs/data.md
 * "Certification"): register mycel's schemas once per chain, attest a dataset's certification on chain, revoke an
 * attestation, read one (decoded, with whether it still holds), and list the certifications of a dataset.
 */
import { type Address, type Client, type Hex, parseEventLogs, zeroAddress, zeroHash } from 'viem'
import { getContractEvents, readContract } from 'viem/actions'
import {
  type DatasetCertification,
  decodeDatasetCertification,
  encodeDatasetCertification,
  MYCEL_SCHEMAS,
  type MycelSchemaName,
  mycelSchemaUids,
} from '../../attestations/schemas.ts'
import { easAbi, schemaRegistryAbi } from '../../contracts.ts'
import { MissingEventError } from '../../errors/contract.ts'
import { type WriteClient, writeContractAndWait } from '../write.ts'

/** Registers each mycel schema not yet in the registry; returns the names registered now. */
export async function registerMycelSchemas(client: WriteClient, p: { schemaRegistry: Address }) {
  const registered: MycelSchemaName[] = []
  for (const name of Object.keys(MYCEL_SCHEMAS) as MycelSchemaName[]) {
    const record = await readContract(client, {
      address: p.schemaRegistry,
      abi: schemaRegistryAbi,
      functionName: 'getSchema',
      args: [mycelSchemaUids[name]],
    })
    if (record.uid !== zeroHash) continue
    await writeContractAndWait(client, {
      address: p.schemaRegistry,
      abi: schemaRegistryAbi,
      functionName: 'register',
      args: [MYCEL_SCHEMAS[name], zeroAddress, true],
    })
    registered.push(name)
  }
  return registered
}

/** Attests a dataset certification on chain as the caller (the certifier); returns its UID. */
export async function attestDatasetCertification(
  client: WriteClient,
  p: { eas: Address; certification: DatasetCertification; recipient?: Address },
) {
  const { hash, receipt } = await writeContractAndWait(client, {
    address: p.eas,
    abi: easAbi,
    functionName: 'attest',
    args: [
      {
        schema: mycelSchemaUids.datasetCertification,
        data: {
          recipient: p.recipient ?? zeroAddress,
          expirationTime: 0n,
          revocable: true,
          refUID: zeroHash,
          data: encodeDatasetCertification(p.certification),
          value: 0n,
        },
      },
    ],
  })
  const [attested] = parseEventLogs({ abi: easAbi, eventName: 'Attested', logs: receipt.logs })
  if (!attested) throw new MissingEventError({ eventName: 'Attested', hash })
  return { uid: attested.args.uid, hash, gasUsed: receipt.gasUsed }
}

/** Revokes an attestation of one of mycel's schemas (its attester only). */
export const revokeAttestation = (client: WriteClient, p: { eas: Address; uid: Hex; schema?: MycelSchemaName }) =>
  writeContractAndWait(client, {
    address: p.eas,
    abi: easAbi,
    functionName: 'revoke',
    args: [{ schema: mycelSchemaUids[p.schema ?? 'datasetCertification'], data: { uid: p.uid, value: 0n } }],
  })

export type CertificationAttestation = {
  uid: Hex
  attester: Address
  time: bigint
  revoked: boolean
  revocationTime: bigint
  certification: DatasetCertification
}

/** One certification attestation, decoded; undefined when the UID is not a dataset certification on this EAS. */
export async function getCertification(
  client: Client,
  p: { eas: Address; uid: Hex },
): Promise<CertificationAttestation | undefined> {
  const a = await readContract(client, { address: p.eas, abi: easAbi, functionName: 'getAttestation', args: [p.uid] })
  if (a.uid === zeroHash || a.schema !== mycelSchemaUids.datasetCertification) return undefined
  return {
    uid: a.uid,
    attester: a.attester,
    time: a.time,
    revoked: a.revocationTime !== 0n,
    revocationTime: a.revocationTime,
    certification: decodeDatasetCertification(a.data),
  }
}

/** Every certification attested on this EAS (of one dataset when given), newest first. */
export async function listCertifications(
  client: Client,
  p: { eas: Address; datasetId?: bigint; fromBlock?: bigint },
): Promise<CertificationAttestation[]> {
  const events = await getContractEvents(client, {
    address: p.eas,
    abi: easAbi,
    eventName: 'Attested',
    args: { schemaUID: mycelSchemaUids.datasetCertification },
    fromBlock: p.fromBlock ?? 0n,
  })
  const all = await Promise.all(
    events.reverse().map((e) => getCertification(client, { eas: p.eas, uid: e.args.uid as Hex })),
  )
  return all.filter(
    (a): a is CertificationAttestation =>
      a !== undefined && (p.datasetId === undefined || a.certification.datasetId === p.datasetId),
  )
}

/** Revokes an offchain attestation on chain (EAS records the time, per revoker and UID): its signer only counts. */
export const revokeOffchainAttestation = (client: WriteClient, p: { eas: Address; uid: Hex }) =>
  writeContractAndWait(client, { address: p.eas, abi: easAbi, functionName: 'revokeOffchain', args: [p.uid] })

/** When `revoker` revoked the offchain attestation `uid` (0n: never). */
export const offchainRevocationTime = (client: Client, p: { eas: Address; revoker: Address; uid: Hex }) =>
  readContract(client, {
    address: p.eas,
    abi: easAbi,
    functionName: 'getRevokeOffchain',
    args: [p.revoker, p.uid],
  })
