/**
 * Sealing datasets (data/encryption.ts) and their records (data/records.ts, data/schema.ts), without a chain: AES-256-
 * GCM round trips, any changed or missing byte refused by the tag (property), the wrong key refused, keys wrapped to a
 * secp256k1 public key opening only with its private key, JSON-lines and tensor records split and rooted — a tensor
 * dataset's records root equal to the root the training market names — and bad records and schemas named.
 */
import { datasetOf, datasetTree } from '@mycel/training'
import fc from 'fast-check'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import {
  DatasetCiphertextError,
  decryptDataset,
  encryptDataset,
  newDatasetKey,
  unwrapKey,
  wrapKey,
} from '../src/data/encryption.ts'
import { DatasetRecordsError, readRecords, recordHash, splitRecords } from '../src/data/records.ts'
import { DatasetSchemaError, inferDatasetSchema, parseDatasetSchema, SCHEMA_VERSION } from '../src/data/schema.ts'
import { encodeDataset } from '../src/training/dataset.ts'

const text = (s: string) => new TextEncoder().encode(s)

describe('AES-256-GCM sealing', () => {
  it('opens what it sealed, with a fresh nonce each time', () => {
    const key = newDatasetKey()
    const plain = text('{"a":1}\n{"a":2}\n')
    const one = encryptDataset(plain, key)
    const two = encryptDataset(plain, key)
    expect(one.equals(two)).toBe(false)
    expect(decryptDataset(one, key).toString()).toBe('{"a":1}\n{"a":2}\n')
    expect(decryptDataset(encryptDataset(new Uint8Array(0), key), key).length).toBe(0)
  })

  it('refuses any changed byte, any truncation and the wrong key (property)', () => {
    const key = newDatasetKey()
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 300 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (plain, at, flip) => {
          const sealed = encryptDataset(plain, key)
          const changed = Buffer.from(sealed)
          const index = at % changed.length
          changed[index] = (changed[index] as number) ^ flip
          expect(() => decryptDataset(changed, key)).toThrow(DatasetCiphertextError)
          expect(() => decryptDataset(sealed.subarray(0, sealed.length - 1 - (at % 8)), key)).toThrow(
            DatasetCiphertextError,
          )
          expect(() => decryptDataset(sealed, newDatasetKey())).toThrow(/authentication tag/)
        },
      ),
      { numRuns: 300 },
    )
  })

  it('names a file that is not a sealed dataset', () => {
    expect(() => decryptDataset(text('{"plain":"json"}'), newDatasetKey())).toThrow(/not an encrypted mycel dataset/)
  })

  it('wraps a key to a public key; only its private key opens it', async () => {
    const owner = generatePrivateKey()
    const other = generatePrivateKey()
    const publicKey = privateKeyToAccount(owner).publicKey
    const key = newDatasetKey()
    const wrapped = wrapKey(publicKey, key)
    expect(unwrapKey(owner, wrapped).equals(key)).toBe(true)
    expect(() => unwrapKey(other, wrapped)).toThrow(/does not open with this account/)
  })
})

describe('records and their root', () => {
  it('splits JSON lines (CRLF, blank lines) and roots keccak256 of each', () => {
    const records = splitRecords(text('{"a":1}\r\n\n  \n[2]\n"three"'), { format: 'jsonl' })
    expect(records.map((r) => new TextDecoder().decode(r))).toEqual(['{"a":1}', '[2]', '"three"'])
    const { count, root } = readRecords(text('{"a":1}\n[2]\n"three"\n'), { format: 'jsonl' })
    expect(count).toBe(3)
    expect(root).toBe(readRecords(text('{"a":1}\r\n[2]\r\n"three"'), { format: 'jsonl' }).root)
    expect(root).not.toBe(readRecords(text('{"a":2}\n[2]\n"three"\n'), { format: 'jsonl' }).root)
    expect(recordHash(text('[2]'))).toMatch(/^0x[0-9a-f]{64}$/)
  })

  it('names the line that is not JSON, and refuses a file without records', () => {
    expect(() => splitRecords(text('{"a":1}\n{oops}\n'), { format: 'jsonl' })).toThrow(/Line 2 is not valid JSON/)
    expect(() => splitRecords(text('\n\n'), { format: 'jsonl' })).toThrow(DatasetRecordsError)
  })

  it("roots a tensor dataset exactly as the training market's datasetRoot", () => {
    const samples = Array.from({ length: 37 }, (_, i) => ({
      pixels: Float32Array.from({ length: 5 }, (_, j) => Math.fround((i * 7 + j) / 13)),
      label: i % 3,
    }))
    const data = datasetOf(samples, 5)
    const { count, root } = readRecords(encodeDataset(data, 5), { format: 'tensor', width: 5 })
    expect(count).toBe(37)
    expect(root).toBe(datasetTree(data, 5).root)
    expect(() => splitRecords(new Uint8Array(25), { format: 'tensor', width: 5 })).toThrow(/not a whole number/)
  })
})

describe('schema documents', () => {
  it('infers one from the first record and parses its own output', () => {
    const schema = inferDatasetSchema({ format: 'jsonl' }, text('{"text":"hi","label":"ham","n":3}'), {
      label: 'label',
    })
    expect(schema.record).toEqual({
      type: 'object',
      properties: { text: { type: 'string' }, label: { type: 'string' }, n: { type: 'number' } },
      required: ['text', 'label', 'n'],
    })
    expect(parseDatasetSchema(JSON.parse(JSON.stringify(schema)))).toEqual(schema)
  })

  it('names what is wrong in a bad one', () => {
    expect(() => parseDatasetSchema({ schema: SCHEMA_VERSION, format: 'tensor' })).toThrow(/width/)
    expect(() => parseDatasetSchema({ schema: 'v0', format: 'jsonl' })).toThrow(DatasetSchemaError)
    expect(() => parseDatasetSchema({ schema: SCHEMA_VERSION, format: 'csv' })).toThrow(/format/)
    expect(() => parseDatasetSchema({ schema: SCHEMA_VERSION, format: 'jsonl', extra: 1 })).toThrow(/extra/)
  })
})
