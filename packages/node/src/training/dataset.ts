/**
 * Training datasets in the content store: a file of records, one per example, each its binary32 features
 * little-endian then its label as a big-endian uint32 — exactly what the dataset's Merkle tree hashes
 * (@mycel/training commit.ts), so the file, its CID and the root a job names are checked against each other before a
 * provider bids or a verifier re-executes. The devnet's example dataset is the `mnist` package's training digits.
 */
import { heldOutSplit } from '@mycel/models/held-out'
import { type Dataset, type DatasetTree, datasetOf, datasetTree, exampleFeatures } from '@mycel/training'
import { CID } from 'multiformats/cid'
import type { ContentStore } from '../content/contentStore.ts'

/** The bytes of a dataset file. */
export function encodeDataset(data: Dataset, width: number): Uint8Array {
  const record = 4 * width + 4
  const out = Buffer.alloc(data.count * record)
  for (let i = 0; i < data.count; i++) {
    Buffer.from(exampleFeatures(data, i, width)).copy(out, i * record)
    out.writeUInt32BE(Number(data.labels[i] ?? 0), i * record + 4 * width)
  }
  return out
}

/** A dataset from its file's bytes; throws a sentence when the size does not fit the width. */
export function decodeDataset(bytes: Uint8Array, width: number): Dataset {
  const record = 4 * width + 4
  if (bytes.length === 0 || bytes.length % record !== 0) {
    throw new Error(
      `a dataset of width ${width} has records of ${record} bytes; ${bytes.length} bytes is not a whole number of them`,
    )
  }
  const count = bytes.length / record
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const inputs = new Float32Array(count * width)
  const labels = new Uint8Array(count)
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < width; j++) inputs[i * width + j] = buffer.readFloatLE(i * record + 4 * j)
    labels[i] = buffer.readUInt32BE(i * record + 4 * width)
  }
  return { inputs, labels, count }
}

export type LoadedDataset = { data: Dataset; tree: DatasetTree }

const cache = new Map<string, LoadedDataset>()

/** What a job says of its dataset: where it is, its width, its number of examples and its Merkle root. */
export type DatasetWant = { cid: string; width: number; count: number; root: string }

/**
 * The dataset `cid` from the content store (fetched from peers when missing), checked against the job: its width,
 * its number of examples and its Merkle root. Throws a sentence naming what differs.
 */
export async function loadDataset(store: ContentStore, job: DatasetWant): Promise<LoadedDataset> {
  return cachedDataset(job, async () => {
    await store.ensure(CID.parse(job.cid))
    const bytes = await store.get(job.cid)
    if (!bytes) throw new Error(`dataset ${job.cid} is not in the content store`)
    return bytes
  })
}

/**
 * The dataset `job` names, its bytes read by `read` the first time (a sealed dataset opened through a grant, or the
 * content store's file), checked against the job like {@link loadDataset} and kept for the next calls of `holder`.
 */
export async function cachedDataset(
  job: DatasetWant,
  read: () => Promise<Uint8Array>,
  /** Whose copy (a sealed dataset is kept per account that opened it under its own grant). */
  holder = '',
): Promise<LoadedDataset> {
  const key = `${holder}:${job.cid}:${job.width}:${job.root}`
  const cached = cache.get(key)
  if (cached) return cached
  const bytes = await read()
  const data = decodeDataset(bytes, job.width)
  if (data.count !== job.count)
    throw new Error(`dataset ${job.cid} has ${data.count} examples, the job says ${job.count}`)
  const tree = datasetTree(data, job.width)
  if (tree.root.toLowerCase() !== job.root.toLowerCase()) {
    throw new Error(`dataset ${job.cid} has Merkle root ${tree.root}, the job says ${job.root}`)
  }
  const loaded = { data, tree }
  cache.set(key, loaded)
  return loaded
}

/** The `mnist` package's training digits (the devnet's example dataset), 784 features each. */
export const mnistTrainingDigits = (): Dataset => datasetOf(heldOutSplit().train, 784)
