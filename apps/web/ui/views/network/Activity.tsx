/**
 * "Recent activity": the chain's latest events, newest first. Runs of routine events (epochs applied) fold into one
 * line that opens to list them, and a switch hides them altogether.
 */
import { useState } from 'preact/hooks'
import { type ChainEvent, usePoll } from '../../api.ts'
import { describeEvent, groupActivity } from './events.ts'

const LIMIT = 200

function EventLine({ event }: { event: ChainEvent }) {
  return (
    <>
      <span class="muted">block {event.blockNumber} · </span>
      {describeEvent(event)}
    </>
  )
}

export function Activity() {
  const polled = usePoll<{ events: ChainEvent[] }>(`/api/events?limit=${LIMIT}`)
  const [showRoutine, setShowRoutine] = useState(true)
  const items = groupActivity(polled.data?.events ?? []).filter((i) => showRoutine || i.kind === 'event')
  const routine = (polled.data?.events ?? []).length - items.filter((i) => i.kind === 'event').length
  return (
    <section aria-labelledby="events-title">
      <h2 id="events-title">Recent activity</h2>
      <label class="muted switch">
        <input
          type="checkbox"
          id="show-routine"
          checked={showRoutine}
          onChange={(e) => setShowRoutine((e.target as HTMLInputElement).checked)}
        />{' '}
        show routine events (epochs applied){routine > 0 ? `, ${routine} in the last ${LIMIT} events` : ''}
      </label>
      {polled.error && <p class="error">Could not load events: {polled.error}</p>}
      <ol id="events" class="events">
        {polled.data && items.length === 0 && <li class="muted">Nothing yet.</li>}
        {items.map((item) =>
          item.kind === 'event' ? (
            <li key={`${item.event.blockNumber}:${item.event.logIndex}`} class="notable" data-event={item.event.name}>
              <EventLine event={item.event} />
            </li>
          ) : (
            <li key={`r${item.to}:${item.events.length}`} class="routine" data-event={item.name}>
              <details>
                <summary>
                  <span class="muted">
                    blocks {item.from}–{item.to} ·{' '}
                  </span>
                  {item.events.length} epoch{item.events.length === 1 ? '' : 's'} applied (subnet{' '}
                  {item.subnets.join(', ')})
                </summary>
                <ol>
                  {item.events.map((e) => (
                    <li key={`${e.blockNumber}:${e.logIndex}`}>
                      <EventLine event={e} />
                    </li>
                  ))}
                </ol>
              </details>
            </li>
          ),
        )}
      </ol>
    </section>
  )
}
