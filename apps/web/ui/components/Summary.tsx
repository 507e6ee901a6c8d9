/**
 * The head of a view: its title, a note (what is shown, or why nothing is: loading, waiting for a role, an error) and
 * the cards of figures at the top. A figure not known yet shows as "–".
 */
import type { ComponentChildren } from 'preact'
import type { Polled } from '../api.ts'
import { Card } from './Table.tsx'

export type Figure = { title: string; id: string; value?: ComponentChildren }

type SummaryProps = {
  /** The h2's id; the section is labelled by it. */
  titleId: string
  title: string
  /** The note once the data is in; until then the poll's waiting reason, its error or "Loading…". */
  note: ComponentChildren | undefined
  noteId?: string
  poll: Polled<unknown>
  /** Whether the note shows as an error (default: the poll failed). */
  error?: boolean
  /** Marks the section `data-loaded` (the dashboard tests wait for it). */
  loaded?: boolean
  sectionId?: string
  figures: Figure[]
}

export function Summary({ titleId, title, note, noteId, poll, error, loaded, sectionId, figures }: SummaryProps) {
  return (
    <section aria-labelledby={titleId} id={sectionId} data-loaded={loaded ? 'true' : undefined}>
      <h2 id={titleId}>{title}</h2>
      <p id={noteId} class={(error ?? Boolean(poll.error)) ? 'error' : 'muted'}>
        {note ?? poll.waiting ?? poll.error ?? 'Loading…'}
      </p>
      <div class="cards">
        {figures.map((f) => (
          <Card key={f.id} title={f.title} id={f.id}>
            {f.value ?? '–'}
          </Card>
        ))}
      </div>
    </section>
  )
}
