/**
 * The vault's query language (data/query.ts), property-tested: over random records and random queries an answer
 * always counts exactly the records its `where` matches, is never given over fewer than MIN_GROUP of them, a histogram
 * never shows a value held by fewer than MIN_GROUP records and accounts for every matched record, and a sum / mean /
 * min / max is the one computed directly. Bad queries are refused by a sentence, never a crash.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { answerQuery, MIN_GROUP, parseDataQuery, QueryError, recordFields } from '../src/data/query.ts'

const record = fc.record({
  label: fc.constantFrom('spam', 'ham', 'other'),
  age: fc.oneof(fc.integer({ min: 0, max: 99 }), fc.constant(null)),
  ok: fc.boolean(),
})
const query = fc.record(
  {
    select: fc.constantFrom('count', 'sum', 'mean', 'min', 'max', 'histogram'),
    field: fc.constantFrom('label', 'age', 'ok', 'missing'),
    where: fc.dictionary(fc.constantFrom('label', 'ok'), fc.oneof(fc.constantFrom('spam', 'ham'), fc.boolean()), {
      maxKeys: 2,
    }),
  },
  { requiredKeys: ['select', 'field'] },
)

describe('vault queries', () => {
  it('answer exactly, never over fewer than MIN_GROUP records, never showing a small bucket', () => {
    fc.assert(
      fc.property(fc.array(record, { maxLength: 60 }), query, (records, q) => {
        const parsed = parseDataQuery(JSON.stringify(q))
        const where = Object.entries(q.where ?? {})
        const matching = records.filter((r) => where.every(([k, v]) => (r as Record<string, unknown>)[k] === v))
        const numbers = matching
          .map((r) => (r as Record<string, unknown>)[q.field])
          .filter((v): v is number => typeof v === 'number')
        let answer: ReturnType<typeof answerQuery>
        try {
          answer = answerQuery(parsed, records)
        } catch (error) {
          expect(error).toBeInstanceOf(QueryError)
          const tooFew = matching.length < MIN_GROUP
          const noNumbers = !['count', 'histogram'].includes(q.select) && numbers.length < MIN_GROUP
          expect(tooFew || noNumbers).toBe(true)
          return
        }
        expect(matching.length).toBeGreaterThanOrEqual(MIN_GROUP)
        expect(answer.matched).toBe(matching.length)
        if (q.select === 'count') expect(answer.value).toBe(matching.length)
        if (q.select === 'histogram') {
          const shown = Object.values(answer.buckets ?? {})
          for (const n of shown) expect(n).toBeGreaterThanOrEqual(MIN_GROUP)
          expect(shown.reduce((s, n) => s + n, 0) + (answer.suppressed ?? 0)).toBe(matching.length)
        }
        if (['sum', 'mean', 'min', 'max'].includes(q.select)) {
          const sum = numbers.reduce((s, x) => s + x, 0)
          const expected = {
            sum,
            mean: sum / numbers.length,
            min: Math.min(...numbers),
            max: Math.max(...numbers),
          }[q.select as 'sum' | 'mean' | 'min' | 'max']
          expect(answer.value).toBeCloseTo(expected, 9)
        }
      }),
      { numRuns: 2_000 },
    )
  })

  it('refuses bad queries by a sentence', () => {
    for (const [text, says] of [
      ['not json', 'not JSON'],
      ['{"select":"drop"}', 'select'],
      ['{"select":"sum"}', 'need a "field"'],
      ['{"select":"count","where":{"1bad":1}}', 'where.1bad'],
      ['{"select":"count","extra":1}', 'Unrecognized key'],
      [JSON.stringify({ select: 'count', field: 'x'.repeat(5000) }), 'at most 4096 bytes'],
    ] as const) {
      expect(() => parseDataQuery(text), text).toThrow(QueryError)
      expect(() => parseDataQuery(text), text).toThrow(says)
    }
  })

  it('reads a tensor record’s label and a JSON record’s fields', () => {
    const tensor = new Uint8Array(12)
    new DataView(tensor.buffer).setUint32(8, 7, false)
    expect(recordFields(tensor, 'tensor')).toEqual({ label: 7 })
    expect(recordFields(Buffer.from('{"a":1}'), 'jsonl')).toEqual({ a: 1 })
    expect(recordFields(Buffer.from('[1,2]'), 'jsonl')).toEqual({})
  })
})
