/**
 * The certifier's checks of a dataset (docs/data.md "Certification"), on its plaintext records: schema conformance
 * (each JSON record against the schema's JSON Schema with Ajv, draft 2020-12; tensor records against the width and
 * the number of classes), the record count against the chain, byte-for-byte duplicates, the balance of the labels, a
 * licence present, and a scan for personal data and secrets (emails, phone numbers, private keys and API tokens).
 * The report names what it found (record indexes, masked excerpts) and whether the dataset passed the thresholds.
 */
import { createHash } from 'node:crypto'
import ajv2020 from 'ajv/dist/2020.js'
import { CID } from 'multiformats/cid'
import type { Hex } from 'viem'
import { splitRecords } from '../data/records.ts'
import { type DatasetSchema, layoutOf } from '../data/schema.ts'

/** What passing takes. */
export const THRESHOLDS = {
  /** Duplicated records at most this share of the records, in bps. */
  maxDuplicatesBps: 100,
  /** The rarest class at least this share of an even split, in bps (labelled datasets). */
  minLabelBalanceBps: 1_000,
  maxPiiFindings: 0,
} as const

/** Ajv's draft-2020-12 class (a CommonJS default export). */
const Ajv2020 = ajv2020.default

const PII: { kind: string; pattern: RegExp }[] = [
  { kind: 'email', pattern: /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g },
  { kind: 'phone', pattern: /(?<![\w.])\+?\d{1,3}[\s.-]?\(?\d{2,4}\)?[\s.-]\d{3,4}[\s.-]\d{3,4}(?![\w.])/g },
  { kind: 'private key', pattern: /-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----/g },
  { kind: 'private key', pattern: /(?:private|secret|key)\W{0,20}(?:0x)?[0-9a-fA-F]{64}\b/gi },
  {
    kind: 'API token',
    pattern: /\b(?:AKIA[0-9A-Z]{16}|ghp_[A-Za-z0-9]{36}|sk-[A-Za-z0-9]{20,}|xox[bap]-[A-Za-z0-9-]{10,})\b/g,
  },
]

export type CertificationReport = {
  report: 'mycel.certification-report/1'
  datasetId: string
  recordsRoot: Hex
  format: DatasetSchema['format']
  recordCount: { found: number; registered: number; matches: boolean }
  schema: { conforms: boolean; failed: number; failures: { record: number; message: string }[] }
  duplicates: { count: number; records: number[] }
  labels: { field: string; classes: Record<string, number>; balanceBps: number } | null
  license: { value: string; present: boolean; kind: 'spdx' | 'cid' | 'none' }
  pii: { count: number; findings: { record: number; kind: string; excerpt: string }[] }
  thresholds: typeof THRESHOLDS
  passed: boolean
  reasons: string[]
}

const mask = (text: string) => (text.length <= 4 ? '****' : `${text.slice(0, 2)}…${text.slice(-2)}`)

function licenseOf(value: string): CertificationReport['license'] {
  const v = value.trim()
  if (v === '' || /^(NONE|NOASSERTION|UNLICENSED)$/i.test(v)) return { value, present: false, kind: 'none' }
  try {
    CID.parse(v)
    return { value, present: true, kind: 'cid' }
  } catch {
    // An SPDX id or expression: letters, digits, dots, dashes and pluses, joined by AND / OR / WITH.
    const spdx = /^[A-Za-z0-9.+-]+(?:\s+(?:AND|OR|WITH)\s+[A-Za-z0-9.+-]+)*$/.test(v)
    return { value, present: spdx, kind: spdx ? 'spdx' : 'none' }
  }
}

/** Runs every check on the plaintext `bytes` of dataset `datasetId`. */
export function checkDataset(p: {
  datasetId: bigint
  bytes: Uint8Array
  schema: DatasetSchema
  license: string
  recordCount: number
  recordsRoot: Hex
}): CertificationReport {
  const records = splitRecords(p.bytes, layoutOf(p.schema))
  const decoder = new TextDecoder()
  const failures: CertificationReport['schema']['failures'] = []
  let failed = 0
  const classes = new Map<string, number>()
  const labelField = p.schema.format === 'tensor' ? 'label' : p.schema.label
  const fail = (record: number, message: string) => {
    failed++
    if (failures.length < 20) failures.push({ record, message })
  }
  const pii: CertificationReport['pii']['findings'] = []
  let piiCount = 0
  if (p.schema.format === 'tensor') {
    const width = p.schema.width as number
    records.forEach((r, i) => {
      const label = Buffer.from(r.buffer, r.byteOffset, r.byteLength).readUInt32BE(4 * width)
      if (p.schema.classes !== undefined && label >= p.schema.classes)
        fail(i, `label ${label} ≥ ${p.schema.classes} classes`)
      classes.set(String(label), (classes.get(String(label)) ?? 0) + 1)
    })
  } else {
    const validate = p.schema.record
      ? new Ajv2020({ allErrors: false, strict: false }).compile(p.schema.record)
      : undefined
    records.forEach((r, i) => {
      const text = decoder.decode(r)
      const value = JSON.parse(text) as unknown
      if (validate && !validate(value)) {
        const e = validate.errors?.[0]
        fail(i, `${e?.instancePath || '(record)'} ${e?.message ?? 'does not match the schema'}`)
      }
      if (labelField !== undefined) {
        const label = (value as Record<string, unknown> | null)?.[labelField]
        if (label === undefined) fail(i, `no label field "${labelField}"`)
        else classes.set(String(label), (classes.get(String(label)) ?? 0) + 1)
      }
      for (const { kind, pattern } of PII) {
        for (const match of text.matchAll(pattern)) {
          piiCount++
          if (pii.length < 50) pii.push({ record: i, kind, excerpt: mask(match[0]) })
        }
      }
    })
  }
  const seen = new Set<string>()
  const duplicates: number[] = []
  records.forEach((r, i) => {
    const h = createHash('sha256').update(r).digest('base64')
    if (seen.has(h)) duplicates.push(i)
    else seen.add(h)
  })
  let labels: CertificationReport['labels'] = null
  if (labelField !== undefined && classes.size > 0) {
    const k = Math.max(p.schema.classes ?? 0, classes.size)
    const counts = [...classes.values()]
    const min = counts.length < k ? 0 : Math.min(...counts)
    labels = {
      field: labelField,
      classes: Object.fromEntries(
        [...classes.entries()].sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true })),
      ),
      balanceBps: Math.min(10_000, Math.floor((min * k * 10_000) / records.length)),
    }
  }
  const license = licenseOf(p.license)
  const reasons: string[] = []
  if (records.length !== p.recordCount) reasons.push(`${records.length} records, the chain says ${p.recordCount}`)
  if (failed > 0) reasons.push(`${failed} records do not conform to the schema`)
  if (!license.present) reasons.push(`no licence (${JSON.stringify(p.license)})`)
  if (piiCount > THRESHOLDS.maxPiiFindings) reasons.push(`${piiCount} personal data or secret findings`)
  if (duplicates.length * 10_000 > THRESHOLDS.maxDuplicatesBps * records.length)
    reasons.push(`${duplicates.length} duplicated records`)
  if (labels && labels.balanceBps < THRESHOLDS.minLabelBalanceBps)
    reasons.push(`the rarest label has ${labels.balanceBps / 100} % of an even share`)
  return {
    report: 'mycel.certification-report/1',
    datasetId: p.datasetId.toString(),
    recordsRoot: p.recordsRoot,
    format: p.schema.format,
    recordCount: { found: records.length, registered: p.recordCount, matches: records.length === p.recordCount },
    schema: { conforms: failed === 0, failed, failures },
    duplicates: { count: duplicates.length, records: duplicates.slice(0, 50) },
    labels,
    license,
    pii: { count: piiCount, findings: pii },
    thresholds: THRESHOLDS,
    passed: reasons.length === 0,
    reasons,
  }
}
