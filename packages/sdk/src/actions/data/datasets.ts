/**
 * Actions of the dataset registry (`DatasetRegistry`, docs/data.md): register a dataset, read one or a page of
 * them, change its terms or its provider URL. Writes simulate first, so a refusal comes back as the contract's named
 * error in a sentence (errors/contract.ts).
 */
import { type Address, type Client, type Hex, parseEventLogs } from 'viem'
import { readContract } from 'viem/actions'
import { datasetRegistryAbi } from '../../contracts.ts'
import { type DatasetTerms, fromContractDatasetTerms, toContractDatasetTerms } from '../../data/terms.ts'
import { decodeContractError, MissingEventError } from '../../errors/contract.ts'
import { type WriteClient, writeContractAndWait } from '../write.ts'

/** Any viem client: reads need no account. */
export type ReadClient = Client

export type DatasetListing = {
  cid: string
  schemaCid: string
  recordsRoot: Hex
  recordCount: number
  license: string
  provider: string
}

export type Dataset = DatasetListing & {
  datasetId: bigint
  owner: Address
  registeredAt: bigint
  terms: DatasetTerms
  contributors: { payee: Address; bps: number }[]
}

/** Registers a dataset owned by the caller; returns its id. */
export async function registerDataset(
  client: WriteClient,
  p: {
    datasetRegistry: Address
    listing: DatasetListing
    terms: DatasetTerms
    contributors?: readonly { payee: Address; bps: number }[]
  },
) {
  const { hash, receipt } = await writeContractAndWait(client, {
    address: p.datasetRegistry,
    abi: datasetRegistryAbi,
    functionName: 'register',
    args: [p.listing, toContractDatasetTerms(p.terms), p.contributors ?? []],
  })
  const [registered] = parseEventLogs({ abi: datasetRegistryAbi, eventName: 'DatasetRegistered', logs: receipt.logs })
  if (!registered) throw new MissingEventError({ eventName: 'DatasetRegistered', hash })
  return { datasetId: registered.args.datasetId, hash }
}

/** Replaces a dataset's terms (its owner only). */
export const setDatasetTerms = (
  client: WriteClient,
  p: { datasetRegistry: Address; datasetId: bigint; terms: DatasetTerms },
) =>
  writeContractAndWait(client, {
    address: p.datasetRegistry,
    abi: datasetRegistryAbi,
    functionName: 'setTerms',
    args: [p.datasetId, toContractDatasetTerms(p.terms)],
  })

/** Moves a dataset's provider (the node that releases its key) to `provider` (its owner only). */
export const setDatasetProvider = (
  client: WriteClient,
  p: { datasetRegistry: Address; datasetId: bigint; provider: string },
) =>
  writeContractAndWait(client, {
    address: p.datasetRegistry,
    abi: datasetRegistryAbi,
    functionName: 'setProvider',
    args: [p.datasetId, p.provider],
  })

/** One dataset with its owner, terms and contributors (throws the contract's sentence for an unknown id). */
export async function getDataset(
  client: ReadClient,
  p: { datasetRegistry: Address; datasetId: bigint },
): Promise<Dataset> {
  const read = <F extends 'getDataset' | 'termsOf' | 'sharesOf' | 'ownerOf'>(functionName: F) =>
    readContract(client, {
      address: p.datasetRegistry,
      abi: datasetRegistryAbi,
      functionName,
      args: [p.datasetId],
    } as never)
  try {
    // The listing first: a dataset that does not exist is then always named by the registry's own error, never by
    // whichever parallel read failed first (ownerOf's ERC721NonexistentToken said nothing of datasets).
    const d = (await read('getDataset')) as DatasetListing & { registeredAt: bigint; contributorsBps: number }
    const [terms, shares, owner] = (await Promise.all([read('termsOf'), read('sharesOf'), read('ownerOf')])) as [
      Parameters<typeof fromContractDatasetTerms>[0],
      { payee: Address; bps: number }[],
      Address,
    ]
    return {
      datasetId: p.datasetId,
      owner,
      cid: d.cid,
      schemaCid: d.schemaCid,
      recordsRoot: d.recordsRoot,
      recordCount: d.recordCount,
      license: d.license,
      provider: d.provider,
      registeredAt: d.registeredAt,
      terms: fromContractDatasetTerms(terms),
      contributors: shares.map((s) => ({ payee: s.payee, bps: s.bps })),
    }
  } catch (error) {
    throw decodeContractError(error)
  }
}

/** The terms hash a purchase agrees to (`DatasetRegistry.termsHash`). */
export const getDatasetTermsHash = (client: ReadClient, p: { datasetRegistry: Address; datasetId: bigint }) =>
  readContract(client, {
    address: p.datasetRegistry,
    abi: datasetRegistryAbi,
    functionName: 'termsHash',
    args: [p.datasetId],
  })

/** The newest datasets first, at most `limit` of them, and how many exist. */
export async function listDatasets(
  client: ReadClient,
  p: { datasetRegistry: Address; limit?: number },
): Promise<{ total: bigint; datasets: Dataset[] }> {
  const total = await readContract(client, {
    address: p.datasetRegistry,
    abi: datasetRegistryAbi,
    functionName: 'datasetCount',
  })
  const ids: bigint[] = []
  for (let id = total; id >= 1n && ids.length < (p.limit ?? 100); id--) ids.push(id)
  const datasets = await Promise.all(
    ids.map((datasetId) => getDataset(client, { datasetRegistry: p.datasetRegistry, datasetId })),
  )
  return { total, datasets }
}
