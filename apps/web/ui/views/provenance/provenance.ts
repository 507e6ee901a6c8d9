/**
 * The Provenance view's data: the shapes of `GET /api/provenance` (receipts signed here, batches and their anchors),
 * `GET /api/provenance/<hash>` (receipts with their verdicts) and `GET /api/lineage/<cid>` (the graph from
 * certifications and datasets through jobs and models to outputs), and the view's pure rules — what a pasted string
 * is, a verdict in words, and the lineage graph's layout. No rendering here, so the rules are tested without a browser.
 */
import { boxAt, type Grid, gridSize, placeInColumns } from '../../components/layered.ts'

export type Batch = {
  root: string
  signer: string
  count: number
  cid: string
  txHash: string | null
  block: number | null
  /** Milliseconds since 1970 when anchored (the node's clock), null while pending. */
  anchoredAt: number | null
}
export type ProvenanceOverview = { receipts: number; pending: number; anchored: number; batches: Batch[] }
export type Receipt = {
  kind: 'ai' | 'human'
  model: string
  request: string
  output: string
  time: number | string
  signer: string
  signature: string
}
export type Verdict = {
  ok: boolean
  digest: string
  anchored?: boolean
  reason?: string
  message?: string
  root?: string
  anchoredAt?: number
  anchorer?: string
}
export type ReceiptAnswer = {
  digest: string
  receipt: Receipt
  batch: { root: string; cid: string; proof: string[]; txHash: string | null; block: number | null } | null
  verdict: Verdict
}
export type Lookup = { hash: string; receipts: ReceiptAnswer[] }

export const lineageKinds = ['certification', 'dataset', 'job', 'model', 'output'] as const
export type LineageKind = (typeof lineageKinds)[number]
export type LineageGraphNode = {
  id: string
  kind: LineageKind | string
  label: string
  details?: Record<string, unknown>
}
export type LineageGraphEdge = { from: string; to: string; relation: string }
export type LineageGraph = {
  cid: string
  found: 'dataset' | 'model' | 'output' | null
  nodes: LineageGraphNode[]
  edges: LineageGraphEdge[]
}

/** What a pasted string is: a 32-byte hash (an output's, a request's or a receipt's), a CID, or neither. */
export function lookupKind(text: string): 'hash' | 'cid' | 'other' | 'empty' {
  const t = text.trim()
  if (t === '') return 'empty'
  if (/^0x[0-9a-fA-F]{64}$/.test(t)) return 'hash'
  if (/^Qm[1-9A-HJ-NP-Za-km-z]{44}$/.test(t) || /^b[a-z2-7]{20,}$/.test(t)) return 'cid'
  return 'other'
}

/** A receipt's verdict in words: `anchored`, `signed, pending` or the reason it fails. */
export function verdictText(v: Verdict): { text: string; tone: 'ok' | 'wait' | 'bad' } {
  if (v.ok && v.anchored) return { text: 'anchored', tone: 'ok' }
  if (v.ok) return { text: 'signed, pending', tone: 'wait' }
  return { text: `failed: ${v.reason ?? 'invalid'}`, tone: 'bad' }
}

export const lineageGrid: Grid = { width: 168, height: 46, gapX: 96, gapY: 24, pad: 12 }

/** A kind's rank in the graph's column order; kinds the view does not know come last. */
const rankOf = (kind: string) => {
  const i = (lineageKinds as readonly string[]).indexOf(kind)
  return i < 0 ? lineageKinds.length : i
}

export type LaidNode = LineageGraphNode & { column: number; row: number; x: number; y: number }
export type LaidEdge = LineageGraphEdge & {
  /** The SVG path from the source box to the target box. */
  d: string
  /** Where the relation's label goes (the curve's midpoint). */
  labelX: number
  labelY: number
}

/**
 * The lineage graph's layout: one column per kind present, in the order certification, dataset, job, model, output
 * (unknown kinds last); within a column, nodes ordered by the mean row of their neighbours in earlier columns (so a
 * chain reads straight across), the rest after them in the answer's order. Nodes repeated in the answer count once;
 * edges to a node not in the answer are dropped. Edges run from a box's right side to the next's left; an edge within
 * a column (a parent model) bends out to the right and back.
 */
export function lineageGraphLayout(graph: Pick<LineageGraph, 'nodes' | 'edges'>, grid: Grid = lineageGrid) {
  const unique = [...new Map(graph.nodes.map((n) => [n.id, n])).values()]
  const ids = new Set(unique.map((n) => n.id))
  const edges = graph.edges.filter((e) => ids.has(e.from) && ids.has(e.to))
  const ranks = [...new Set(unique.map((n) => rankOf(n.kind)))].sort((a, b) => a - b)
  const columnOf = (n: LineageGraphNode) => ranks.indexOf(rankOf(n.kind))
  const neighbours = new Map<string, string[]>()
  for (const e of edges) {
    neighbours.set(e.from, [...(neighbours.get(e.from) ?? []), e.to])
    neighbours.set(e.to, [...(neighbours.get(e.to) ?? []), e.from])
  }
  const row = new Map<string, number>()
  const ordered: LineageGraphNode[] = []
  for (let column = 0; column < ranks.length; column++) {
    const inColumn = unique
      .map((n, index) => ({ n, index }))
      .filter(({ n }) => columnOf(n) === column)
      .map(({ n, index }) => {
        const rows = (neighbours.get(n.id) ?? []).flatMap((id) => (row.has(id) ? [row.get(id) as number] : []))
        const key = rows.length ? rows.reduce((a, b) => a + b, 0) / rows.length : Number.POSITIVE_INFINITY
        return { n, index, key }
      })
      .sort((a, b) => a.key - b.key || a.index - b.index)
    for (const [i, { n }] of inColumn.entries()) {
      row.set(n.id, i)
      ordered.push(n)
    }
  }
  const placed = placeInColumns(ordered, columnOf)
  const nodes: LaidNode[] = placed.nodes.map((n) => ({ ...n, ...boxAt(grid, n.column, n.row) }))
  const at = new Map(nodes.map((n) => [n.id, n]))
  const laidEdges: LaidEdge[] = edges.flatMap((e) => {
    const from = at.get(e.from)
    const to = at.get(e.to)
    if (!from || !to) return []
    const y1 = from.y + grid.height / 2
    const y2 = to.y + grid.height / 2
    if (from.column === to.column) {
      const x = from.x + grid.width
      const bend = grid.gapX * 0.6
      return [
        {
          ...e,
          d: `M${x},${y1} C${x + bend},${y1} ${x + bend},${y2} ${x + 2},${y2}`,
          labelX: x + bend * 0.75,
          labelY: (y1 + y2) / 2,
        },
      ]
    }
    const forward = to.column > from.column
    const x1 = forward ? from.x + grid.width : from.x
    const x2 = forward ? to.x - 2 : to.x + grid.width + 2
    const mid = (x1 + x2) / 2
    return [{ ...e, d: `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`, labelX: mid, labelY: (y1 + y2) / 2 }]
  })
  const size = gridSize(grid, placed.columns, placed.rows)
  // An edge within the last column bends past the last box: room for it.
  const bendsOut = laidEdges.some(
    (e) => at.get(e.from)?.column === placed.columns - 1 && at.get(e.to)?.column === placed.columns - 1,
  )
  return {
    nodes,
    edges: laidEdges,
    columns: placed.columns,
    rows: placed.rows,
    width: size.width + (bendsOut ? grid.gapX * 0.6 : 0),
    height: size.height,
  }
}

/** A node's details as label/value pairs for people (nested values as compact JSON). */
export function detailRows(details: Record<string, unknown> | undefined): [string, string][] {
  return Object.entries(details ?? {}).map(([k, v]) => [
    k,
    typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v),
  ])
}
