/**
 * The lineage graph: one box per model, one arrow per (parent → derivative), generations left to right. Plain SVG
 * (the graph is a handful of boxes; a graph library would outweigh it), scaled to its panel by its viewBox. Each box
 * is a link to the model's detail, reachable by keyboard; the selected model is highlighted.
 */
import { boxAt, gridSize } from '../../components/layered.ts'
import { lineageLayout, type Model } from './models.ts'

const box = { width: 150, height: 40, gapX: 70, gapY: 22, pad: 12 }

export function Lineage({ models, selected }: { models: Model[]; selected: string | undefined }) {
  const { nodes, edges, columns, rows } = lineageLayout(models)
  if (nodes.length === 0) return <p class="muted">No models registered yet.</p>
  const at = new Map(nodes.map((n) => [n.id, boxAt(box, n.column, n.row)]))
  const { width, height } = gridSize(box, columns, rows)
  const names = new Map(nodes.map((n) => [n.id, n.name]))
  const summary = edges.length
    ? edges.map((e) => `${names.get(e.from)} → ${names.get(e.to)}`).join(', ')
    : 'no derivatives yet'
  return (
    <figure class="lineage">
      <svg
        id="lineage"
        viewBox={`0 0 ${width} ${height}`}
        style={{ maxWidth: `${width}px` }}
        aria-labelledby="lineage-svg-title"
      >
        <title id="lineage-svg-title">{`Lineage: ${summary}`}</title>
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto">
            <path d="M0,0 L10,5 L0,10 z" class="lineage-arrow" />
          </marker>
        </defs>
        {edges.map((e) => {
          const from = at.get(e.from)
          const to = at.get(e.to)
          if (!from || !to) return null
          const x1 = from.x + box.width
          const y1 = from.y + box.height / 2
          const x2 = to.x - 2
          const y2 = to.y + box.height / 2
          const mid = (x1 + x2) / 2
          return (
            <path
              key={`${e.from}-${e.to}`}
              data-edge={`${e.from}-${e.to}`}
              class="lineage-edge"
              d={`M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`}
              marker-end="url(#arrow)"
            >
              <title>{`${names.get(e.from)} → ${names.get(e.to)} (derivative)`}</title>
            </path>
          )
        })}
        {nodes.map((n) => {
          const p = at.get(n.id)
          if (!p) return null
          return (
            <a key={n.id} href={`#/models/${n.id}`} data-node={n.id} aria-label={`Model ${n.name}, id ${n.id}`}>
              <rect
                x={p.x}
                y={p.y}
                width={box.width}
                height={box.height}
                rx="6"
                class={n.id === selected ? 'lineage-node selected' : 'lineage-node'}
              />
              <text x={p.x + box.width / 2} y={p.y + box.height / 2 + 5} text-anchor="middle" class="lineage-label">
                {n.name.length > 18 ? `${n.name.slice(0, 17)}…` : n.name} #{n.id}
              </text>
            </a>
          )
        })}
      </svg>
      <figcaption class="muted">Parent → derivative: {summary}.</figcaption>
    </figure>
  )
}
