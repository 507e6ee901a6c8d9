/**
 * A dataset's records and its records root (docs/data.md "Records"). Two formats:
 * - `jsonl`: one JSON value per non-empty line (files, notes, labelled examples as JSON); a record is the line's
 *   UTF-8 bytes without its line ending;
 * - `tensor`: the training market's file (node/training/dataset.ts): fixed-size records of `width` binary32 features
 *   little-endian then a big-endian uint32 label.
 * The records root is the Merkle root (the training engine's item tree, merkle.ts) over keccak256 of each record's
 * bytes, so a tensor dataset's root is exactly the `datasetRoot` a training job names, and one record can be proven
 * against the root registered on chain.
 */
import { itemTree } from '@mycel/training'
import { keccak_256 } from '@noble/hashes/sha3'
import { bytesToHex, type Hex } from 'viem'
import { NodeError } from '../common/errors.ts'
import { loadNative } from '../common/nativeCrypto.ts'

export const DATASET_FORMATS = ['jsonl', 'tensor'] as const
export type DatasetFormat = (typeof DATASET_FORMATS)[number]

/** What a dataset file's records are: JSON lines, or tensor records of `width` features. */
export type RecordLayout = { format: 'jsonl' } | { format: 'tensor'; width: number }

/** The file does not hold records of the layout named (a bad line, a size that does not divide). */
export class DatasetRecordsError extends NodeError {
  constructor(message: string) {
    super('DATASET_RECORDS_INVALID', message, { exitCode: 2 })
  }
}

/** The records of a dataset file, as views into `bytes` (no copies). */
export function splitRecords(bytes: Uint8Array, layout: RecordLayout): Uint8Array[] {
  if (layout.format === 'tensor') {
    const size = 4 * layout.width + 4
    if (!Number.isInteger(layout.width) || layout.width < 1)
      throw new DatasetRecordsError(`A tensor dataset needs a width of at least 1 feature, got ${layout.width}.`)
    if (bytes.length === 0 || bytes.length % size !== 0) {
      throw new DatasetRecordsError(
        `A tensor dataset of width ${layout.width} has records of ${size} bytes; ${bytes.length} bytes is not a whole number of them. Check --width.`,
      )
    }
    const out: Uint8Array[] = []
    for (let at = 0; at < bytes.length; at += size) out.push(bytes.subarray(at, at + size))
    return out
  }
  const out: Uint8Array[] = []
  const decoder = new TextDecoder('utf-8', { fatal: true })
  let start = 0
  let line = 1
  for (let i = 0; i <= bytes.length; i++) {
    if (i < bytes.length && bytes[i] !== 0x0a) continue
    let end = i
    if (end > start && bytes[end - 1] === 0x0d) end--
    const record = bytes.subarray(start, end)
    if (record.some((b) => b !== 0x20 && b !== 0x09)) {
      let text: string
      try {
        text = decoder.decode(record)
        JSON.parse(text)
      } catch (error) {
        throw new DatasetRecordsError(
          `Line ${line} is not valid JSON (${(error as Error).message.split('\n')[0]}): a jsonl dataset holds one JSON value per line.`,
        )
      }
      out.push(record)
    }
    start = i + 1
    line++
  }
  if (out.length === 0) throw new DatasetRecordsError('The dataset holds no records (no non-empty line).')
  return out
}

/**
 * keccak256 of one record's bytes: its item in the records tree. Native when the binding loads (sealing the seeded
 * MNIST digits hashed 25 MB in JavaScript on the main thread: 1.7 s of every fresh start's CPU), @noble's otherwise.
 */
export const recordHash = (record: Uint8Array): Hex => bytesToHex((loadNative()?.keccak ?? keccak_256)(record))

/** The records tree: its root (what DatasetRegistry holds) and proofs of single records. */
export function recordsTree(records: readonly Uint8Array[]) {
  return itemTree(records.map(recordHash))
}

/** Records, their count and root of a dataset file. */
export function readRecords(bytes: Uint8Array, layout: RecordLayout) {
  const records = splitRecords(bytes, layout)
  const tree = recordsTree(records)
  return { records, count: records.length, root: tree.root, tree }
}
