/**
 * A grantee asking a personal vault for records or for a query's answer (docs/data.md "The personal data vault"):
 * sign the request with the grantee's account, post it to the dataset's provider, open the answer (ECIES-encrypted to
 * that account), and — for records — check every record against the records root registered on chain with its Merkle
 * proof. Nothing is returned unless all of it holds.
 */
import {
  type DataAction,
  dataRequestBody,
  dataRequestDomain,
  getDataset,
  getGrant,
  type MycelAddresses,
  signDataRequest,
} from '@mycel/sdk'
import { verifyItem } from '@mycel/training'
import type { Client, Hex } from 'viem'
import type { LocalAccount } from 'viem/accounts'
import { NodeError } from '../common/errors.ts'
import { DatasetCiphertextError, unwrapKey } from './encryption.ts'
import type { QueryAnswer } from './query.ts'
import { recordHash } from './records.ts'

/** What a vault answers: the payload (JSON) encrypted (ECIES) to the grantee (vault/serve.ts). */
export type SealedAnswer = { grantId: string; datasetId: string; recordsRoot: Hex; sealed: Hex }

/** The records payload, once opened by the grantee. */
export type RecordsPayload = { records: { index: number; data: string; proof: Hex[] }[] }

type Asker = {
  client: Client
  chainId: number
  addresses: Pick<MycelAddresses, 'accessGrants' | 'datasetRegistry'>
  grantId: bigint
  account: LocalAccount
  privateKey: Hex
  fetch?: typeof fetch
}

/** Signs `fields` as a request of `action` and posts it to the grant's dataset's provider; the opened answer. */
async function ask<answer>(
  p: Asker,
  action: DataAction,
  signedBody: Hex,
  path: string,
  fields: Record<string, unknown>,
): Promise<{ answer: answer; recordsRoot: Hex; datasetId: bigint }> {
  const grant = await getGrant(p.client, { accessGrants: p.addresses.accessGrants, grantId: p.grantId })
  const dataset = await getDataset(p.client, {
    datasetRegistry: p.addresses.datasetRegistry,
    datasetId: grant.datasetId,
  })
  const issuedAt = BigInt(Math.floor(Date.now() / 1000))
  const signature = await signDataRequest(p.account, dataRequestDomain(p.chainId, p.addresses.accessGrants), {
    grantId: p.grantId,
    action,
    body: signedBody,
    issuedAt,
  })
  const url = `${dataset.provider.replace(/\/+$/, '')}${path}`
  let response: Response
  try {
    response = await (p.fetch ?? fetch)(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grantId: p.grantId.toString(), issuedAt: Number(issuedAt), ...fields, signature }),
      signal: AbortSignal.timeout(30_000),
    })
  } catch (error) {
    throw new NodeError(
      'PROVIDER_UNREACHABLE',
      `The dataset's provider ${dataset.provider} did not answer (${(error as Error).message}); try later or ask its owner.`,
      { exitCode: 1 },
    )
  }
  const body = (await response.json().catch(() => undefined)) as
    | (Partial<SealedAnswer> & { error?: { code?: string; message?: string } })
    | undefined
  if (!response.ok || !body?.sealed) {
    throw new NodeError(
      body?.error?.code ?? 'REQUEST_REFUSED',
      `The provider refused the request (${response.status}): ${body?.error?.message ?? 'no reason given'}`,
      { exitCode: 1 },
    )
  }
  const opened = unwrapKey(p.privateKey, Buffer.from(body.sealed.slice(2), 'hex'))
  return {
    answer: JSON.parse(opened.toString('utf8')) as answer,
    recordsRoot: dataset.recordsRoot,
    datasetId: grant.datasetId,
  }
}

/**
 * Records `records` of the grant's dataset (a records grant's own list when omitted — give `granted`, its whole
 * list, when asking some of them), each checked against the dataset's registered records root.
 */
export async function requestRecords(
  p: Asker & { records: number[]; granted?: number[] },
): Promise<{ datasetId: bigint; records: { index: number; bytes: Buffer }[] }> {
  const { answer, recordsRoot, datasetId } = await ask<RecordsPayload>(
    p,
    'records',
    dataRequestBody(JSON.stringify(p.records)),
    '/api/data/records',
    { records: p.records, ...(p.granted ? { granted: p.granted } : {}) },
  )
  const records = answer.records.map((r) => {
    const bytes = Buffer.from(r.data, 'base64')
    if (!verifyItem(recordsRoot, r.index, recordHash(bytes), r.proof)) {
      throw new DatasetCiphertextError(
        `Record ${r.index} does not prove against dataset ${datasetId}'s records root ${recordsRoot}: the vault served other records than it registered.`,
      )
    }
    return { index: r.index, bytes }
  })
  const asked = p.records.join(',')
  if (records.map((r) => r.index).join(',') !== asked) {
    throw new NodeError('RECORDS_MISSING', `The vault answered records other than the ones asked (${asked}).`, {
      exitCode: 1,
    })
  }
  return { datasetId, records }
}

/** The vault's answer to `query` (JSON text, data/query.ts), spending one query of the grant. */
export async function requestQuery(p: Asker & { query: string }): Promise<{ datasetId: bigint; answer: QueryAnswer }> {
  const { answer, datasetId } = await ask<QueryAnswer>(p, 'query', dataRequestBody(p.query), '/api/data/query', {
    query: p.query,
  })
  return { datasetId, answer }
}
