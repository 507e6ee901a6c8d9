/**
 * The Models view (the model market): every model registered on chain with its format, owner or fractional badge,
 * royalty, minimum price, licenses and royalties earned; the lineage graph (parent → derivative); and the selected
 * model's detail (`#/models/<id>`, the first model by default) with its holders and governance. Reads `/api/models`.
 */
import { usePoll } from '../../api.ts'
import { Summary } from '../../components/Summary.tsx'
import { Table } from '../../components/Table.tsx'
import { short } from '../../format.ts'
import type { ViewProps } from '../types.ts'
import { Lineage } from './Lineage.tsx'
import { ModelDetail } from './ModelDetail.tsx'
import { bps, type Model, type ModelsCatalog, money, sumByToken } from './models.ts'

/** The model the hash names (`#/models/3`), if any. */
const selectedId = () => /^#\/?models\/([^/?]+)/.exec(location.hash)?.[1]

export function ModelsView({ network }: ViewProps) {
  const polled = usePoll<ModelsCatalog>('/api/models')
  const testUsd = network.data?.contracts.testUsd
  const embedded = network.data?.chain.embedded ?? false
  // A node without the model market (an older node, or a chain without the registry) answers 404: an empty catalog.
  const absent = polled.status === 404 && !polled.data
  const known = polled.data !== undefined || absent
  const models = polled.data?.models ?? []
  const wanted = selectedId()
  const selected = models.find((m) => m.id === wanted) ?? models[0]
  const earned = (m: Model) => sumByToken([m.royalties.credited, m.royalties.mintFees])
  const total = sumByToken(models.map(earned))
  const note = absent
    ? 'This node serves no model catalog (no /api/models): no models to show.'
    : polled.data &&
      `Registry ${short(polled.data.registry)} · licenses ${short(polled.data.licenses)} · royalties settle in PaymentChannels ${short(polled.data.paymentChannels)}.`
  return (
    <>
      <Summary
        titleId="market-title"
        title="Model market"
        noteId="models-note"
        note={note}
        poll={polled}
        error={Boolean(polled.error) && !absent}
        figures={[
          { title: 'Models', id: 'model-count', value: known ? models.length : undefined },
          {
            title: 'Valid licenses',
            id: 'license-count',
            value: known ? models.reduce((n, m) => n + m.licenses.filter((l) => l.valid).length, 0) : undefined,
          },
          {
            title: 'Fractionalized',
            id: 'fractional-count',
            value: known ? models.filter((m) => m.fractional).length : undefined,
          },
          {
            title: 'Royalties earned',
            id: 'royalties-total',
            value: total.length ? total.map((t) => money(t.amount, t.symbol, t.token, testUsd)).join(' · ') : undefined,
          },
        ]}
      />
      <section aria-labelledby="catalog-title">
        <h2 id="catalog-title">Models</h2>
        <Table
          id="model-list"
          label="Models registered on chain"
          head={['Model', 'Id', 'Format', 'Owner', 'Royalty', 'Min price / request', 'Licenses', 'Royalties earned']}
          empty={
            polled.data || absent ? 'No models registered yet. Register one with `mycel model register`.' : undefined
          }
          rows={models.map((m) => (
            <tr key={m.id} data-model-id={m.id} aria-current={m.id === selected?.id ? 'true' : undefined}>
              <td>
                <a href={`#/models/${m.id}`}>{m.name}</a>
              </td>
              <td>{m.id}</td>
              <td>{m.format}</td>
              <td>
                {m.fractional ? (
                  <span class="tag tag-fractional" title={`shares ${m.fractional.symbol}, vault ${m.fractional.vault}`}>
                    fractional · {m.fractional.symbol}
                  </span>
                ) : (
                  <span class="mono" title={m.owner}>
                    {short(m.owner)}
                  </span>
                )}
              </td>
              <td>{m.terms ? bps(m.terms.royaltyBps) : 'no terms'}</td>
              <td>
                {m.terms ? money(m.terms.minPricePerRequest, m.terms.currencySymbol, m.terms.currency, testUsd) : '–'}
              </td>
              <td>
                {m.licenses.filter((l) => l.valid).length} / {m.licenses.length}
              </td>
              <td data-field="earned">
                {earned(m).length
                  ? earned(m)
                      .map((t) => money(t.amount, t.symbol, t.token, testUsd))
                      .join(' · ')
                  : '–'}
              </td>
            </tr>
          ))}
        />
      </section>
      <section aria-labelledby="lineage-title">
        <h2 id="lineage-title">Lineage</h2>
        <Lineage models={models} selected={selected?.id} />
      </section>
      {selected && (
        <section aria-labelledby="detail-title">
          <h2 id="detail-title">Model detail</h2>
          <ModelDetail model={selected} models={models} embedded={embedded} testUsd={testUsd} />
        </section>
      )}
    </>
  )
}
