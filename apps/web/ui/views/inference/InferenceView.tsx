/**
 * The inference view (the paid market): this node's gateway and miner, the models and prices on offer, the payment
 * channels with both ends' books, and the latest paid requests. Reads `/api/payments`.
 */
import { type Payments, usePoll } from '../../api.ts'
import { Summary } from '../../components/Summary.tsx'
import { Table } from '../../components/Table.tsx'
import { big, short, tokenAmount } from '../../format.ts'
import type { ViewProps } from '../types.ts'
import { Channels } from './Channels.tsx'
import { mergeChannels } from './channels.ts'

export function InferenceView({ network }: ViewProps) {
  const polled = usePoll<Payments>('/api/payments')
  const testUsd = network.data?.contracts.testUsd
  const miner = polled.data?.miner ?? undefined
  const gateway = polled.data?.gateway ?? undefined
  const token = miner?.token ?? testUsd
  const amount = (units: string | null | undefined) => (units == null ? '–' : tokenAmount(units, token, testUsd))
  const channels = mergeChannels(gateway?.channels, miner?.channels, miner?.payee, amount)
  const models = (gateway?.miners ?? []).flatMap((m) => m.models.map((model) => ({ ...model, miner: m })))
  const recent = miner?.recentRequests ?? []
  const note = polled.data
    ? [
        gateway
          ? `Gateway: ${gateway.miners.length} miner(s) found on chain, ${amount(gateway.deposited)} deposited in channels, ${gateway.failedAttempts} failed attempt(s).`
          : '',
        miner ? `Miner ${short(miner.payee)} at ${miner.url}, offer ${miner.offerCid.slice(0, 14)}….` : '',
      ]
        .filter(Boolean)
        .join(' ')
    : undefined
  return (
    <>
      <Summary
        titleId="payments-title"
        sectionId="payments"
        title="Paid inference"
        noteId="payments-note"
        note={note}
        poll={polled}
        figures={[
          {
            title: 'Paid requests',
            id: 'paid-requests',
            value: miner ? miner.models.reduce((sum, m) => sum + m.paidRequests, 0) : gateway?.paidRequests,
          },
          { title: 'Channels', id: 'channel-count', value: polled.data && channels.length },
          {
            title: 'Owed to miner, unclaimed',
            id: 'pending-total',
            value: miner && amount(miner.channels.reduce((sum, c) => sum + big(c.pending), 0n).toString()),
          },
        ]}
      />
      <section aria-labelledby="models-title">
        <h2 id="models-title">Models and prices</h2>
        <Table
          id="models"
          label="Models and prices"
          head={['Model', 'Task', 'Miner', 'Endpoint', 'Per request', 'Per 1k units']}
          empty={polled.data ? 'No models found on chain yet.' : undefined}
          rows={models.map((m) => (
            <tr key={`${m.miner.payee}:${m.id}`} data-model={m.id}>
              <td>{m.id}</td>
              <td>{m.task}</td>
              <td class="mono" title={m.miner.payee}>
                {short(m.miner.payee)}
              </td>
              <td class="mono">{m.miner.endpoint}</td>
              <td>{amount(m.price.perRequest)}</td>
              <td>{amount(m.price.per1kUnits)}</td>
            </tr>
          ))}
        />
      </section>
      <section aria-labelledby="channels-title">
        <h2 id="channels-title">Channels</h2>
        <p class="muted">
          A channel has two ends that keep their own books: the gateway that pays and the miner that is paid. When this
          node runs both, a channel is shown once with both ends’ figures.
        </p>
        <Channels channels={channels} amount={amount} />
      </section>
      <section aria-labelledby="paid-title">
        <h2 id="paid-title">Recent paid requests</h2>
        <ol id="paid" class="events">
          {recent.length === 0 ? (
            <li class="muted">No paid requests yet. Try `npx mycel chat "Hello"`.</li>
          ) : (
            recent.map((r) => (
              <li key={`${r.channelId}:${r.cumulativeAmount}:${r.at}`}>
                <span class="muted">{new Date(r.at).toLocaleTimeString()} · </span>
                {r.model} on channel #{r.channelId}, {amount(r.price)} up front
              </li>
            ))
          )}
        </ol>
      </section>
    </>
  )
}
