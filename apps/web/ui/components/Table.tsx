/**
 * A table inside a horizontally scrolling box: wide tables scroll inside the page rather than widen it on a phone.
 * `rows` are already rendered `<tr>`s; an empty table shows `empty` instead.
 */
import type { ComponentChildren } from 'preact'

type TableProps = { id?: string; head: string[]; rows: ComponentChildren[]; empty?: ComponentChildren; label?: string }

export function Table({ id, head, rows, empty, label }: TableProps) {
  if (rows.length === 0 && empty !== undefined) return <p class="muted">{empty}</p>
  return (
    <section class="scroll" aria-label={label}>
      <table id={id}>
        <thead>
          <tr>
            {head.map((h) => (
              <th key={h} scope="col">
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{rows}</tbody>
      </table>
    </section>
  )
}

/** A labelled figure: the cards at the top of a view. */
export function Card({ title, id, children }: { title: string; id?: string; children: ComponentChildren }) {
  return (
    <div class="card">
      <h3>{title}</h3>
      <p id={id}>{children}</p>
    </div>
  )
}
