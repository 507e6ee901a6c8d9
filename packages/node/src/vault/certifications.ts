/**
 * Offchain certifications handed to a dataset's provider (`POST /api/data/certifications`, docs/data.md
 * "Certification"): EAS's shareable package `{ sig, signer }`. Kept only when it is a mycel dataset certification,
 * its signature verifies with EAS's own SDK for this chain's EAS, and it names a dataset on chain with the records
 * root registered for it. Listed beside the on-chain ones with whether EAS records a revocation.
 */
import {
  type CertificationAttestation,
  type DatasetCertification,
  decodeDatasetCertification,
  getDataset,
  type MycelAddresses,
  mycelSchemaUids,
  offchainRevocationTime,
} from '@mycel/sdk'
import type { Address, Client, Hex } from 'viem'
import { z } from 'zod'
import { offchainFromJson, verifyOffchainAttestation } from '../data/easOffchain.ts'
import type { Db } from '../db/database.ts'
import { putOffchainCertification, readOffchainCertifications } from '../db/stores/vault.ts'
import { badDataRequest, notHere } from './errors.ts'

const shareable = z.object({
  sig: z
    .object({
      uid: z.string().regex(/^0x[0-9a-fA-F]{64}$/),
      message: z.object({ schema: z.string(), data: z.string().regex(/^0x[0-9a-fA-F]*$/) }).passthrough(),
    })
    .passthrough(),
  signer: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
})

export type CertificationContext = {
  client: Client
  chainId: number
  addresses: Pick<MycelAddresses, 'datasetRegistry' | 'eas'>
  db: Db
}

export async function acceptCertification(ctx: CertificationContext, body: unknown) {
  const parsed = shareable.safeParse(body)
  if (!parsed.success)
    throw badDataRequest('Send EAS\'s shareable package of an offchain attestation: {"sig": {…}, "signer": "0x…"}.')
  const { sig, signer } = parsed.data
  if (sig.message.schema.toLowerCase() !== mycelSchemaUids.datasetCertification.toLowerCase())
    throw badDataRequest(
      `Schema ${sig.message.schema} is not mycel's dataset certification (${mycelSchemaUids.datasetCertification}).`,
    )
  let certification: DatasetCertification
  try {
    certification = decodeDatasetCertification(sig.message.data as Hex)
  } catch {
    throw badDataRequest("The attestation's data does not decode as a dataset certification.")
  }
  const attestation = offchainFromJson(sig)
  const valid = await verifyOffchainAttestation({
    client: ctx.client,
    eas: ctx.addresses.eas,
    chainId: ctx.chainId,
    attester: signer as Address,
    attestation,
  })
  if (!valid)
    throw badDataRequest(
      `The attestation's signature does not verify for ${signer} on chain ${ctx.chainId}'s EAS (${ctx.addresses.eas}).`,
    )
  const dataset = await getDataset(ctx.client, {
    datasetRegistry: ctx.addresses.datasetRegistry,
    datasetId: certification.datasetId,
  }).catch(() => {
    throw notHere('UNKNOWN_DATASET', `There is no dataset ${certification.datasetId} on chain ${ctx.chainId}.`)
  })
  if (dataset.recordsRoot.toLowerCase() !== certification.recordsRoot.toLowerCase())
    throw badDataRequest(
      `The certification is of records root ${certification.recordsRoot}, but dataset ${certification.datasetId} has ${dataset.recordsRoot}.`,
    )
  const kept = putOffchainCertification(ctx.db, ctx.chainId, {
    uid: sig.uid,
    datasetId: certification.datasetId.toString(),
    signer,
    package: JSON.stringify(body),
  })
  return { uid: sig.uid, datasetId: certification.datasetId, kept }
}

/** The offchain certifications kept here, decoded, with EAS's record of their revocation. */
export async function offchainCertifications(ctx: CertificationContext): Promise<CertificationAttestation[]> {
  const rows = readOffchainCertifications(ctx.db, ctx.chainId)
  return Promise.all(
    rows.map(async (row) => {
      const { sig } = JSON.parse(row.package) as { sig: { message: { data: Hex; time: string } } }
      const revocationTime = await offchainRevocationTime(ctx.client, {
        eas: ctx.addresses.eas,
        revoker: row.signer as Address,
        uid: row.uid as Hex,
      })
      return {
        uid: row.uid as Hex,
        attester: row.signer as Address,
        time: BigInt(sig.message.time),
        revoked: revocationTime !== 0n,
        revocationTime,
        certification: decodeDatasetCertification(sig.message.data),
      }
    }),
  )
}
