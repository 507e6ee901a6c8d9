/**
 * Queries a vault answers over its records (docs/data.md "The personal data vault"): aggregates only, never a record.
 * A query is JSON — `{ "select": "count" | "sum" | "mean" | "min" | "max" | "histogram", "field"?: name,
 * "where"?: { name: value, … } }` — over the records' top-level fields (a JSON-lines dataset's objects; a tensor
 * dataset's `label`). An answer over fewer than {@link MIN_GROUP} records is refused, and a histogram leaves out the
 * values held by fewer than that many (k-anonymity: a query cannot single one record out).
 */
import { z } from 'zod'
import type { DatasetFormat } from './records.ts'

/** The fewest records an answer (or a histogram bucket) may describe. */
export const MIN_GROUP = 5
/** The longest query text accepted. */
export const MAX_QUERY_BYTES = 4096

const scalar = z.union([z.string().max(256), z.number().finite(), z.boolean(), z.null()])
const fieldName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a field name: letters, digits and _, not starting with a digit')

export const dataQuery = z
  .object({
    select: z.enum(['count', 'sum', 'mean', 'min', 'max', 'histogram']),
    field: fieldName.optional(),
    where: z.record(fieldName, scalar).optional(),
  })
  .strict()
  .refine((q) => q.select === 'count' || q.field !== undefined, {
    message: 'sum, mean, min, max and histogram need a "field"',
    path: ['field'],
  })
  .refine((q) => q.where === undefined || Object.keys(q.where).length <= 8, {
    message: 'at most 8 conditions',
    path: ['where'],
  })
export type DataQuery = z.infer<typeof dataQuery>

export type QueryAnswer = {
  select: DataQuery['select']
  field?: string
  /** Records that matched `where`. */
  matched: number
  value?: number
  /** histogram: value → count, for values held by at least {@link MIN_GROUP} records. */
  buckets?: Record<string, number>
  /** histogram: records whose value was left out (held by fewer than {@link MIN_GROUP}). */
  suppressed?: number
}

/** A query's text parsed and checked; throws a sentence naming what is wrong. */
export function parseDataQuery(text: string): DataQuery {
  if (Buffer.byteLength(text) > MAX_QUERY_BYTES) throw new QueryError(`A query is at most ${MAX_QUERY_BYTES} bytes.`)
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw new QueryError(`The query is not JSON (${(error as Error).message}).`)
  }
  const parsed = dataQuery.safeParse(json)
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'query'}: ${i.message}`).join('; ')
    throw new QueryError(
      `The query is not valid (${problems}). Write {"select": "count"|"sum"|"mean"|"min"|"max"|"histogram", "field": name, "where": {name: value}}.`,
    )
  }
  return parsed.data
}

export class QueryError extends Error {
  override name = 'QueryError'
}

/** The fields of one record, as queries see them. */
export function recordFields(record: Uint8Array, format: DatasetFormat): Record<string, unknown> {
  if (format === 'tensor') {
    const view = new DataView(record.buffer, record.byteOffset, record.byteLength)
    return { label: view.getUint32(record.byteLength - 4, false) }
  }
  const value = JSON.parse(Buffer.from(record).toString('utf8')) as unknown
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {}
}

/** Answers `query` over `records`; throws {@link QueryError} when too few records match to answer. */
export function answerQuery(query: DataQuery, records: Iterable<Record<string, unknown>>): QueryAnswer {
  const where = Object.entries(query.where ?? {})
  const values: unknown[] = []
  let matched = 0
  for (const fields of records) {
    if (!where.every(([k, v]) => fields[k] === v)) continue
    matched++
    if (query.field !== undefined) values.push(fields[query.field])
  }
  if (matched < MIN_GROUP) {
    throw new QueryError(
      `The query matches fewer than ${MIN_GROUP} records: the vault answers only over groups of at least ${MIN_GROUP}, so no answer singles a record out. Widen "where".`,
    )
  }
  const base = { select: query.select, ...(query.field === undefined ? {} : { field: query.field }), matched }
  if (query.select === 'count') return { ...base, value: matched }
  if (query.select === 'histogram') {
    const counts = new Map<string, number>()
    for (const v of values) {
      const key = typeof v === 'string' ? v : JSON.stringify(v ?? null)
      counts.set(key, (counts.get(key) ?? 0) + 1)
    }
    const buckets: Record<string, number> = {}
    let suppressed = 0
    for (const [k, n] of [...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (n >= MIN_GROUP) buckets[k] = n
      else suppressed += n
    }
    return { ...base, buckets, suppressed }
  }
  const numbers = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v))
  if (numbers.length < MIN_GROUP) {
    throw new QueryError(
      `Fewer than ${MIN_GROUP} matched records hold a number in "${query.field}": nothing to ${query.select}.`,
    )
  }
  const sum = numbers.reduce((s, x) => s + x, 0)
  const value =
    query.select === 'sum'
      ? sum
      : query.select === 'mean'
        ? sum / numbers.length
        : query.select === 'min'
          ? numbers.reduce((m, x) => Math.min(m, x))
          : numbers.reduce((m, x) => Math.max(m, x))
  return { ...base, value }
}
