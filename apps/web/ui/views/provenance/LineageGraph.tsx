/**
 * The lineage graph of one CID (`/api/lineage/<cid>`): certifications, datasets, jobs, models and outputs in columns
 * left to right, one box per node, one curve per edge labelled with its relation, downstream. Plain SVG scaled to its
 * panel by its viewBox, like the Models view's lineage. Each box is a button (keyboard too) that shows the node's
 * details under the graph.
 */
import { useState } from 'preact/hooks'
import { shortCid } from '../data/data.ts'
import { detailRows, type LineageGraph as Graph, lineageGrid as grid, lineageGraphLayout } from './provenance.ts'

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text)

export function LineageGraph({ graph }: { graph: Graph }) {
  const [selected, setSelected] = useState<string | undefined>(undefined)
  const layout = lineageGraphLayout(graph)
  if (layout.nodes.length === 0)
    return <p class="muted">Nothing is known of {graph.cid} here: no dataset, model or output names it.</p>
  const labels = new Map(layout.nodes.map((n) => [n.id, n.label]))
  const summary = layout.edges.length
    ? layout.edges.map((e) => `${labels.get(e.from)} ${e.relation} ${labels.get(e.to)}`).join('; ')
    : 'a single node'
  const shown = layout.nodes.find((n) => n.id === selected)
  return (
    <figure class="lineage" id="lineage-graph" data-found={graph.found ?? 'none'}>
      {/* Scaled to the panel, but never below a readable size: on a phone the graph scrolls inside its panel. */}
      <div class="scroll">
        <svg
          viewBox={`0 0 ${layout.width} ${layout.height}`}
          style={{ maxWidth: `${layout.width}px`, minWidth: `${Math.min(layout.width, 560)}px` }}
          aria-labelledby="lineage-graph-title"
        >
          <title id="lineage-graph-title">{`Lineage of ${graph.cid}: ${summary}`}</title>
          <defs>
            <marker
              id="graph-arrow"
              viewBox="0 0 10 10"
              refX="10"
              refY="5"
              markerWidth="7"
              markerHeight="7"
              orient="auto"
            >
              <path d="M0,0 L10,5 L0,10 z" class="lineage-arrow" />
            </marker>
          </defs>
          {layout.edges.map((e) => (
            <g key={`${e.from}-${e.to}`} data-edge={`${e.from}>${e.to}`} data-relation={e.relation}>
              <path class="lineage-edge" d={e.d} marker-end="url(#graph-arrow)">
                <title>{`${labels.get(e.from)} ${e.relation} ${labels.get(e.to)}`}</title>
              </path>
              <text x={e.labelX} y={e.labelY - 4} text-anchor="middle" class="lineage-relation">
                {e.relation}
              </text>
            </g>
          ))}
          {layout.nodes.map((n) => (
            // biome-ignore lint/a11y/useSemanticElements: an SVG group cannot be a <button>; role and key handling make it one
            <g
              key={n.id}
              data-node={n.id}
              data-kind={n.kind}
              role="button"
              tabIndex={0}
              aria-label={`${n.kind} ${n.label}`}
              aria-pressed={n.id === selected}
              class="lineage-box"
              onClick={() => setSelected(n.id === selected ? undefined : n.id)}
              onKeyDown={(event) => {
                if (event.key === 'Enter' || event.key === ' ') {
                  event.preventDefault()
                  setSelected(n.id === selected ? undefined : n.id)
                }
              }}
            >
              <title>{`${n.kind}: ${n.label}`}</title>
              <rect
                x={n.x}
                y={n.y}
                width={grid.width}
                height={grid.height}
                rx="6"
                class={`lineage-node kind-${n.kind}${n.id === selected ? ' selected' : ''}`}
              />
              <text x={n.x + 10} y={n.y + 17} class="lineage-kind">
                {n.kind}
              </text>
              <text x={n.x + 10} y={n.y + 35} class="lineage-label">
                {clip(n.label, 21)}
              </text>
            </g>
          ))}
        </svg>
      </div>
      <figcaption class="muted">
        {graph.found ? `${shortCid(graph.cid)} is a ${graph.found}. ` : ''}
        {layout.nodes.length} nodes, {layout.edges.length} edges, downstream left to right. Select a box for its
        details.
      </figcaption>
      {shown && (
        <dl class="terms node-details" id="lineage-node-details">
          <div>
            <dt>{shown.kind}</dt>
            <dd class="wrap">{shown.label}</dd>
          </div>
          {detailRows(shown.details).map(([k, v]) => (
            <div key={k}>
              <dt>{k}</dt>
              <dd class="wrap mono">{v}</dd>
            </div>
          ))}
        </dl>
      )}
    </figure>
  )
}
