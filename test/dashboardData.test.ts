/**
 * The Data and Provenance views' pure rules (no browser; the views themselves are checked in dashboard.test.ts): the
 * lineage graph's layout, with properties (no two boxes overlap, every edge joins two drawn boxes, columns follow the
 * kind order), what a pasted string is, verdicts in words, and a dataset's offers, certification, grants and jobs.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  certificationStatus,
  dataJobs,
  datasetName,
  expiry,
  type GrantKind,
  grantCounts,
  grantState,
  offers,
} from '../apps/web/ui/views/data/data.ts'
import {
  lineageGraphLayout,
  lineageGrid,
  lineageKinds,
  lookupKind,
  verdictText,
} from '../apps/web/ui/views/provenance/provenance.ts'

const kinds = [...lineageKinds, 'mystery'] as const
const rank = (kind: string) => {
  const i = (lineageKinds as readonly string[]).indexOf(kind)
  return i < 0 ? lineageKinds.length : i
}

/** Any graph the API could answer, malformed too: repeated ids, edges to nodes not in the answer, unknown kinds. */
const graphs = fc
  .array(fc.record({ id: fc.integer({ min: 0, max: 30 }), kind: fc.constantFrom(...kinds) }), { maxLength: 25 })
  .chain((nodes) =>
    fc.record({
      nodes: fc.constant(nodes.map((n) => ({ id: `${n.kind}:${n.id}`, kind: n.kind, label: `${n.kind} ${n.id}` }))),
      edges: fc.array(
        fc.record({
          from: fc.oneof(fc.constantFrom(...nodes.map((n) => `${n.kind}:${n.id}`), 'ghost:1'), fc.constant('x')),
          to: fc.oneof(fc.constantFrom(...nodes.map((n) => `${n.kind}:${n.id}`), 'ghost:2'), fc.constant('y')),
          relation: fc.constantFrom('certifies', 'trained in', 'produced', 'parent of', 'answered'),
        }),
        { maxLength: 40 },
      ),
    }),
  )

describe('the lineage graph’s layout', () => {
  it('never overlaps two boxes, draws only edges between drawn boxes, keeps the kind order (property)', () => {
    fc.assert(
      fc.property(graphs, (graph) => {
        const layout = lineageGraphLayout(graph)
        const ids = layout.nodes.map((n) => n.id)
        expect(new Set(ids).size).toBe(ids.length)
        expect(new Set(ids)).toEqual(new Set(graph.nodes.map((n) => n.id)))
        for (const [i, a] of layout.nodes.entries()) {
          expect(a.x).toBeGreaterThanOrEqual(0)
          expect(a.y).toBeGreaterThanOrEqual(0)
          expect(a.x + lineageGrid.width).toBeLessThanOrEqual(layout.width)
          expect(a.y + lineageGrid.height).toBeLessThanOrEqual(layout.height)
          for (const b of layout.nodes.slice(i + 1)) {
            const apart =
              a.x + lineageGrid.width <= b.x ||
              b.x + lineageGrid.width <= a.x ||
              a.y + lineageGrid.height <= b.y ||
              b.y + lineageGrid.height <= a.y
            expect(apart, `${a.id} and ${b.id} overlap`).toBe(true)
          }
          // Columns follow the kind order: same kind, same column; a later kind, a later column.
          for (const b of layout.nodes) {
            if (rank(a.kind) === rank(b.kind)) expect(a.column).toBe(b.column)
            if (rank(a.kind) < rank(b.kind)) expect(a.column).toBeLessThan(b.column)
          }
        }
        const drawn = new Set(ids)
        for (const e of layout.edges) expect(drawn.has(e.from) && drawn.has(e.to)).toBe(true)
        const kept = graph.edges.filter((e) => drawn.has(e.from) && drawn.has(e.to))
        expect(layout.edges.length).toBe(kept.length)
        // No empty column: as many columns as kinds present.
        expect(layout.columns).toBe(new Set(graph.nodes.map((n) => rank(n.kind))).size)
      }),
      { numRuns: 500 },
    )
  })

  it('lays a dataset → job → model → output chain straight across, the derivative under its parent', () => {
    const layout = lineageGraphLayout({
      nodes: [
        { id: 'output:0xa', kind: 'output', label: 'answer' },
        { id: 'model:3', kind: 'model', label: 'digits-1000' },
        { id: 'model:2', kind: 'model', label: 'model-2' },
        { id: 'job:1', kind: 'job', label: 'job 1' },
        { id: 'dataset:1', kind: 'dataset', label: 'mnist' },
        { id: 'certification:0x1', kind: 'certification', label: 'passed' },
      ],
      edges: [
        { from: 'certification:0x1', to: 'dataset:1', relation: 'certifies' },
        { from: 'dataset:1', to: 'job:1', relation: 'trained in' },
        { from: 'job:1', to: 'model:2', relation: 'produced' },
        { from: 'model:2', to: 'model:3', relation: 'parent of' },
        { from: 'model:3', to: 'output:0xa', relation: 'answered' },
      ],
    })
    expect(layout.nodes.map((n) => [n.id, n.column, n.row])).toEqual([
      ['certification:0x1', 0, 0],
      ['dataset:1', 1, 0],
      ['job:1', 2, 0],
      ['model:2', 3, 0],
      ['model:3', 3, 1],
      ['output:0xa', 4, 0],
    ])
    // Forward edges leave a box's right side; the parent edge within the model column bends out to the right.
    const parent = layout.edges.find((e) => e.relation === 'parent of')
    const model = layout.nodes.find((n) => n.id === 'model:2')
    expect(parent?.d.startsWith(`M${(model?.x ?? 0) + lineageGrid.width},`)).toBe(true)
    expect(parent?.labelX).toBeGreaterThan((model?.x ?? 0) + lineageGrid.width)
    expect(lineageGraphLayout({ nodes: [], edges: [] })).toMatchObject({ nodes: [], edges: [], columns: 0, rows: 0 })
  })
})

describe('the Provenance view’s rules', () => {
  it('tells a hash from a CID from anything else, and writes verdicts in words', () => {
    expect(lookupKind(` 0x${'ab'.repeat(32)} `)).toBe('hash')
    expect(lookupKind('bafkreidh2pmoy56npvliwfby45gm4dvxsv7maghcvwcuri7ffgyn6osnte')).toBe('cid')
    expect(lookupKind('QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG')).toBe('cid')
    expect(lookupKind('0x1234')).toBe('other')
    expect(lookupKind('  ')).toBe('empty')
    expect(verdictText({ ok: true, anchored: true, digest: '0x' })).toEqual({ text: 'anchored', tone: 'ok' })
    expect(verdictText({ ok: true, anchored: false, digest: '0x', reason: 'PENDING' })).toEqual({
      text: 'signed, pending',
      tone: 'wait',
    })
    expect(verdictText({ ok: false, digest: '0x', reason: 'BAD_SIGNATURE' })).toEqual({
      text: 'failed: BAD_SIGNATURE',
      tone: 'bad',
    })
  })
})

describe('the Data view’s rules', () => {
  const testUsd = '0x389482944D44D124FAFAd54bF7F6190cC29aB63C'
  const terms = {
    currency: testUsd,
    offers: ['access', 'records'] as GrantKind[],
    grantDuration: 0,
    accessPrice: '1000000',
    trainingPrice: '0',
    recordPrice: '10000',
    queryPrice: '0',
  }
  const certification = (passed: boolean, revoked: boolean) => ({
    uid: '0x1',
    attester: '0x2',
    time: '1',
    revoked,
    onchain: true,
    certification: { passed, recordCount: 1, piiFindings: 0, reportCid: 'b' },
  })

  it('writes offers with their prices, the certification status, and grant states and counts', () => {
    expect(offers(terms, testUsd)).toBe('access 1.00 tUSD · records 0.01 tUSD / record')
    expect(offers({ ...terms, currency: '0xdead' }, testUsd)).toBe(
      'access 1000000 units · records 10000 units / record',
    )
    expect(offers({ ...terms, offers: [] }, testUsd)).toBe('not for sale')
    expect(offers(undefined, testUsd)).toBe('not for sale')
    const status = (certified: boolean, ...cs: ReturnType<typeof certification>[]) =>
      certificationStatus({ certified, certifications: cs })
    expect(status(true, certification(true, false), certification(true, true))).toBe('certified')
    expect(status(false, certification(true, true))).toBe('revoked')
    expect(status(false, certification(false, false))).toBe('failed')
    expect(status(false)).toBe('none')
    expect([grantState({ revoked: true, valid: false }), grantState({ revoked: false, valid: false })]).toEqual([
      'revoked',
      'expired',
    ])
    expect(grantCounts([{ valid: true }, { valid: false }, { valid: true }])).toEqual({ valid: 2, total: 3 })
    expect(expiry((2n ** 64n - 1n).toString())).toBe('never')
    expect(expiry('1799126527')).toBe('2027-01-05 05:22 UTC')
    expect(expiry('nonsense')).toBe('–')
    const held = [
      {
        cid: 'bafkreidh2pmoy56npvliwfby45gm4dvxsv7maghcvwcuri7ffgyn6osnte',
        name: 'notes.jsonl',
        format: 'jsonl',
        recordCount: 1,
      },
    ]
    expect(datasetName({ cid: held[0]?.cid ?? '' }, held)).toBe('notes.jsonl')
    expect(datasetName({ cid: 'bafkreiaaaaaaaaaaaaaaaaaaaaaaaaaaazzzzz' }, held)).toBe('bafkre…zzzzz')
  })

  it('marks the jobs the ComputeToData contract bought, whatever the address case, and names their dataset', () => {
    const c2d = '0x58A691396A02DD5fC22EdED3d7628C6CAb996952'
    const job = (id: string, buyer: string, datasetCid?: string) => ({
      id,
      status: 'accepted',
      buyer,
      provider: '0x1',
      modelId: '0',
      ...(datasetCid ? { datasetCid } : {}),
    })
    const jobs = dataJobs(
      [job('1', '0xf39F', 'bafyx'), job('2', c2d.toLowerCase(), 'bafyd'), job('3', '0xf39F')],
      c2d,
      [{ cid: 'bafyd', datasetId: '7' }],
    )
    expect(jobs.map((j) => [j.id, j.computeToData, j.dataset])).toEqual([
      ['1', false, undefined],
      ['2', true, '7'],
    ])
  })
})
