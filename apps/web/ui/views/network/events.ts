/**
 * The chain's events as sentences, and the activity list's grouping: routine events (an epoch applied each tempo)
 * are folded into one line per run, so the registrations and new subnets a person looks for stay in view.
 */
import type { ChainEvent, EventArgs } from '../../api.ts'
import { short } from '../../format.ts'

/** Events the chain emits on a schedule rather than on someone's action. */
export const routineEvents = new Set(['EpochApplied'])

const text = (value: EventArgs[string]) => String(value ?? '–')
const hex = (value: EventArgs[string]) => (typeof value === 'string' && value.length > 12 ? short(value) : text(value))

const sentences: Record<string, (a: EventArgs) => string> = {
  SubnetCreated: (a) => `subnet #${text(a.netuid)} "${text(a.name)}" created by ${hex(a.owner)}`,
  SubnetParamsUpdated: (a) => `parameters of subnet #${text(a.netuid)} updated`,
  NeuronRegistered: (a) => `${hex(a.hotkey)} registered in subnet #${text(a.netuid)} as uid ${text(a.uid)}`,
  NeuronEndpointUpdated: (a) => `uid ${text(a.uid)} of subnet #${text(a.netuid)} moved to ${text(a.endpoint)}`,
  NeuronMetadataUpdated: (a) =>
    `uid ${text(a.uid)} of subnet #${text(a.netuid)} published metadata ${text(a.metadataCid).slice(0, 14)}…`,
  NeuronDeregistered: (a) => `uid ${text(a.uid)} left subnet #${text(a.netuid)}`,
  NeuronPruned: (a) => `uid ${text(a.uid)} of subnet #${text(a.netuid)} was pruned`,
  EpochApplied: (a) => `epoch applied in subnet #${text(a.netuid)} at snapshot block ${text(a.snapshotBlock)}`,
  EpochsSet: () => 'the Epochs contract was set',
}

export const describeEvent = (e: ChainEvent) => (sentences[e.name] ?? (() => e.name))(e.args ?? {})

export type ActivityItem =
  | { kind: 'event'; event: ChainEvent }
  | { kind: 'routine'; name: string; events: ChainEvent[]; subnets: string[]; from: number; to: number }

/** Newest first, as the API returns them: each run of consecutive routine events of one name becomes one item. */
export function groupActivity(events: ChainEvent[]): ActivityItem[] {
  const items: ActivityItem[] = []
  for (const event of events) {
    const last = items.at(-1)
    if (!routineEvents.has(event.name)) {
      items.push({ kind: 'event', event })
    } else if (last?.kind === 'routine' && last.name === event.name) {
      last.events.push(event)
      last.from = event.blockNumber
      const netuid = `#${text(event.args?.netuid)}`
      if (!last.subnets.includes(netuid)) last.subnets.push(netuid)
      last.subnets.sort()
    } else {
      items.push({
        kind: 'routine',
        name: event.name,
        events: [event],
        subnets: [`#${text(event.args?.netuid)}`],
        from: event.blockNumber,
        to: event.blockNumber,
      })
    }
  }
  return items
}
