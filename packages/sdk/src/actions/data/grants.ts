/**
 * Actions of access grants (`AccessGrants`, docs/data.md): buy a grant at the dataset's price (the allowance is
 * raised when short), give one away or revoke it as the owner, read grants, withdraw what grants paid.
 */
import { type Address, type Hex, parseEventLogs } from 'viem'
import { getContractEvents, readContract } from 'viem/actions'
import { accessGrantsAbi, datasetRegistryAbi } from '../../contracts.ts'
import { type GrantKind, grantKindIndex, grantKindOf, grantPrice } from '../../data/terms.ts'
import { decodeContractError, MissingEventError } from '../../errors/contract.ts'
import { ensureAllowance, type WriteClient, writeContractAndWait } from '../write.ts'
import { getDataset, type ReadClient } from './datasets.ts'

export type Grant = {
  grantId: bigint
  datasetId: bigint
  grantee: Address
  kind: GrantKind
  /** Unix seconds; 2^64 − 1 for no end. */
  expiresAt: bigint
  revoked: boolean
  /** Records (records grant) or queries (queries grant) it covers; 0 for the others. */
  units: number
  /** A records grant's keccak256 of its records (packed uint32s, increasing); zero for the others. */
  scope: Hex
  currency: Address
  price: bigint
  /** Whether it holds now on chain (not revoked, not expired). */
  valid: boolean
}

export const FOREVER = 2n ** 64n - 1n

type Scope = { records?: readonly number[]; queries?: number }

/**
 * Buys a grant of `kind` on a dataset for `grantee` (the caller by default) at the price of its current terms,
 * agreeing to those terms by hash; returns the grant's id and what was paid.
 */
export async function buyGrant(
  client: WriteClient,
  p: { datasetRegistry: Address; accessGrants: Address; datasetId: bigint; kind: GrantKind; grantee?: Address } & Scope,
) {
  const dataset = await getDataset(client, p)
  const records = p.records ?? []
  const price = grantPrice(dataset.terms, p.kind, { records: records.length, queries: p.queries ?? 0 })
  const agreed = await readContract(client, {
    address: p.datasetRegistry,
    abi: datasetRegistryAbi,
    functionName: 'termsHash',
    args: [p.datasetId],
  })
  if (price > 0n) await ensureAllowance(client, dataset.terms.currency, p.accessGrants, price)
  const { hash, receipt } = await writeContractAndWait(client, {
    address: p.accessGrants,
    abi: accessGrantsAbi,
    functionName: 'buy',
    args: [
      p.datasetId,
      grantKindIndex(p.kind),
      p.grantee ?? client.account.address,
      [...records],
      p.queries ?? 0,
      agreed,
    ],
  })
  const [issued] = parseEventLogs({ abi: accessGrantsAbi, eventName: 'GrantIssued', logs: receipt.logs })
  if (!issued) throw new MissingEventError({ eventName: 'GrantIssued', hash })
  return { grantId: issued.args.grantId, price: issued.args.grant.price, hash }
}

/** Gives a grant away as the dataset's owner, for `duration` seconds (0: no end). */
export async function issueGrant(
  client: WriteClient,
  p: { accessGrants: Address; datasetId: bigint; kind: GrantKind; grantee: Address; duration: bigint } & Scope,
) {
  const { hash, receipt } = await writeContractAndWait(client, {
    address: p.accessGrants,
    abi: accessGrantsAbi,
    functionName: 'issue',
    args: [p.datasetId, grantKindIndex(p.kind), p.grantee, [...(p.records ?? [])], p.queries ?? 0, p.duration],
  })
  const [issued] = parseEventLogs({ abi: accessGrantsAbi, eventName: 'GrantIssued', logs: receipt.logs })
  if (!issued) throw new MissingEventError({ eventName: 'GrantIssued', hash })
  return { grantId: issued.args.grantId, hash }
}

/** Revokes a grant at once (the dataset's owner only). */
export const revokeGrant = (client: WriteClient, p: { accessGrants: Address; grantId: bigint }) =>
  writeContractAndWait(client, {
    address: p.accessGrants,
    abi: accessGrantsAbi,
    functionName: 'revoke',
    args: [p.grantId],
  })

/** Withdraws everything grants credited to the caller in `token`. */
export const withdrawDataPayments = (client: WriteClient, p: { accessGrants: Address; token: Address }) =>
  writeContractAndWait(client, {
    address: p.accessGrants,
    abi: accessGrantsAbi,
    functionName: 'withdraw',
    args: [p.token],
  })

/** What `account` may withdraw in `token`. */
export const getDataOwed = (client: ReadClient, p: { accessGrants: Address; token: Address; account: Address }) =>
  readContract(client, {
    address: p.accessGrants,
    abi: accessGrantsAbi,
    functionName: 'owed',
    args: [p.token, p.account],
  })

/** One grant and whether it holds now (throws the contract's sentence for an unknown id). */
export async function getGrant(client: ReadClient, p: { accessGrants: Address; grantId: bigint }): Promise<Grant> {
  try {
    const [g, valid] = await Promise.all([
      readContract(client, {
        address: p.accessGrants,
        abi: accessGrantsAbi,
        functionName: 'getGrant',
        args: [p.grantId],
      }),
      readContract(client, {
        address: p.accessGrants,
        abi: accessGrantsAbi,
        functionName: 'isValid',
        args: [p.grantId],
      }),
    ])
    return {
      grantId: p.grantId,
      datasetId: g.datasetId,
      grantee: g.grantee,
      kind: grantKindOf(g.kind),
      expiresAt: g.expiresAt,
      revoked: g.revoked,
      units: g.units,
      scope: g.scope,
      currency: g.currency,
      price: g.price,
      valid,
    }
  } catch (error) {
    throw decodeContractError(error)
  }
}

/** The records a records grant names, from its `GrantIssued` event. */
export async function getGrantRecords(
  client: ReadClient,
  p: { accessGrants: Address; grantId: bigint; fromBlock?: bigint },
): Promise<number[]> {
  const [event] = await getContractEvents(client, {
    address: p.accessGrants,
    abi: accessGrantsAbi,
    eventName: 'GrantIssued',
    args: { grantId: p.grantId },
    fromBlock: p.fromBlock ?? 0n,
  })
  return event ? [...(event.args.records ?? [])] : []
}

/** Grants issued on a dataset, or to a grantee (or both), with whether each holds now; newest first. */
export async function listGrants(
  client: ReadClient,
  p: { accessGrants: Address; datasetId?: bigint; grantee?: Address; fromBlock?: bigint },
): Promise<Grant[]> {
  const events = await getContractEvents(client, {
    address: p.accessGrants,
    abi: accessGrantsAbi,
    eventName: 'GrantIssued',
    args: { datasetId: p.datasetId, grantee: p.grantee },
    fromBlock: p.fromBlock ?? 0n,
  })
  const ids = events.map((e) => e.args.grantId as bigint).reverse()
  return Promise.all(ids.map((grantId) => getGrant(client, { accessGrants: p.accessGrants, grantId })))
}
