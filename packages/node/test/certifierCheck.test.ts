/**
 * The certifier's checks (certifier/check.ts) on real records: a clean labelled dataset passes; each fault the issue
 * names is found and named — records that break the schema (Ajv), a count other than the chain's, duplicates, a
 * skewed label balance, no licence, and personal data or secrets (emails, phone numbers, private keys, API tokens),
 * reported masked — and a tensor dataset is checked against its width and classes.
 */
import { describe, expect, it } from 'vitest'
import { checkDataset } from '../src/certifier/check.ts'
import { readRecords } from '../src/data/records.ts'
import { type DatasetSchema, inferDatasetSchema } from '../src/data/schema.ts'
import { encodeDataset } from '../src/training/dataset.ts'

const lines = (records: unknown[]) => Buffer.from(`${records.map((r) => JSON.stringify(r)).join('\n')}\n`)
const clean = Array.from({ length: 100 }, (_, i) => ({
  text: `message ${i} about the weather`,
  label: i % 2 ? 'ham' : 'spam',
}))

function check(records: unknown[], over: { license?: string; recordCount?: number; schema?: DatasetSchema } = {}) {
  const bytes = lines(records)
  const { count, root, records: split } = readRecords(bytes, { format: 'jsonl' })
  const schema = over.schema ?? inferDatasetSchema({ format: 'jsonl' }, split[0] as Uint8Array)
  return checkDataset({
    datasetId: 1n,
    bytes,
    schema,
    license: over.license ?? 'CC-BY-4.0',
    recordCount: over.recordCount ?? count,
    recordsRoot: root,
  })
}

describe('certifier checks', () => {
  it('passes a clean, balanced, licensed dataset', () => {
    const report = check(clean)
    expect(report.passed).toBe(true)
    expect(report.reasons).toEqual([])
    expect(report.labels).toMatchObject({ field: 'label', classes: { ham: 50, spam: 50 }, balanceBps: 10_000 })
    expect(report.license).toEqual({ value: 'CC-BY-4.0', present: true, kind: 'spdx' })
  })

  it('finds records that break the schema, and a count other than the chain says', () => {
    const report = check([...clean, { text: 5, label: 'ham' }, { label: 'spam' }], { recordCount: 100 })
    expect(report.schema).toMatchObject({ conforms: false, failed: 2 })
    expect(report.schema.failures[0]).toMatchObject({ record: 100, message: '/text must be string' })
    expect(report.recordCount).toEqual({ found: 102, registered: 100, matches: false })
    expect(report.passed).toBe(false)
    expect(report.reasons.join('; ')).toMatch(/102 records, the chain says 100.*2 records do not conform/)
  })

  it('counts duplicates and a skewed label balance', () => {
    const skewed = [
      ...clean.slice(0, 97).map((r, i) => ({ ...r, label: i < 96 ? 'ham' : 'spam' })),
      ...Array(3).fill({ text: 'repeated', label: 'spam' }),
    ]
    const report = check(skewed)
    expect(report.duplicates).toEqual({ count: 2, records: [98, 99] })
    expect(report.labels?.balanceBps).toBeLessThan(1_000)
    expect(report.reasons.join('; ')).toMatch(/2 duplicated records.*rarest label/)
  })

  it('refuses a missing licence', () => {
    for (const license of ['NOASSERTION', 'none', 'some words here'])
      expect(check(clean, { license }).license.present, license).toBe(false)
    expect(check(clean, { license: 'bafkreiblusiefxbnmoxycqdcnzaewxlqcdoeiolzf4lxymkf2hx4eojyuq' }).license.kind).toBe(
      'cid',
    )
    expect(check(clean, { license: 'MIT OR Apache-2.0' }).license.present).toBe(true)
  })

  it('finds personal data and secrets, masked in the report', () => {
    const leaky = [
      ...clean.slice(0, 95),
      { text: 'write to alice.smith@example.org today', label: 'ham' },
      { text: 'call me at +44 20 7946 0958', label: 'spam' },
      { text: 'my private key: 0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318', label: 'ham' },
      { text: 'token ghp_abcdefghijklmnopqrstuvwxyz0123456789 leaked', label: 'spam' },
      { text: '-----BEGIN RSA PRIVATE KEY----- MIIE', label: 'ham' },
    ]
    const report = check(leaky)
    expect(report.pii.findings.map((f) => [f.record, f.kind])).toEqual([
      [95, 'email'],
      [96, 'phone'],
      [97, 'private key'],
      [98, 'API token'],
      [99, 'private key'],
    ])
    expect(JSON.stringify(report)).not.toMatch(/alice\.smith|7946|4c0883a6|abcdefghij/)
    expect(report.passed).toBe(false)
    // Hashes, version numbers and dates are not personal data.
    const innocent = check([
      ...clean.slice(0, 97),
      { text: 'root 0x83b9c7c5baaed17546f3da9a2e517d3682c84f5e6f614ca0b49c73c3afc28035', label: 'ham' },
      { text: 'release 1.20.3 on 2026-12-06', label: 'spam' },
      { text: 'costs 12.50 for 3 items', label: 'ham' },
    ])
    expect(innocent.pii.count).toBe(0)
  })

  it('checks tensor records against their classes', () => {
    const data = {
      inputs: new Float32Array(6 * 2).fill(0.5),
      labels: Uint8Array.from([0, 1, 2, 0, 1, 7]),
      count: 6,
    }
    const bytes = encodeDataset(data, 2)
    const { root } = readRecords(bytes, { format: 'tensor', width: 2 })
    const report = checkDataset({
      datasetId: 2n,
      bytes,
      schema: { schema: 'mycel.dataset-schema/1', format: 'tensor', width: 2, label: 'label', classes: 3 },
      license: 'CC0-1.0',
      recordCount: 6,
      recordsRoot: root,
    })
    expect(report.schema.failures).toEqual([{ record: 5, message: 'label 7 ≥ 3 classes' }])
    expect(report.pii.count).toBe(0)
  })
})
