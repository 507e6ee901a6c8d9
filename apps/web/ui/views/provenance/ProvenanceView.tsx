/**
 * The Provenance view (docs/provenance.md): receipts signed here and their batches anchored on chain; a lookup box
 * (an output's, a request's or a receipt's hash → its receipts with their verdicts; a CID → its lineage too); and the
 * lineage graph of a CID picked from the datasets and models this node knows. Reads `/api/provenance` (polled), and
 * `/api/provenance/<hash>` and `/api/lineage/<cid>` when asked; a node's JSON error is shown as its message.
 */
import { useEffect, useState } from 'preact/hooks'
import { getJson, usePoll } from '../../api.ts'
import { Summary } from '../../components/Summary.tsx'
import { Table } from '../../components/Table.tsx'
import { short } from '../../format.ts'
import type { DataOverview } from '../data/data.ts'
import { datasetName, shortCid } from '../data/data.ts'
import type { ModelsCatalog } from '../models/models.ts'
import type { ViewProps } from '../types.ts'
import { LineageGraph } from './LineageGraph.tsx'
import {
  type LineageGraph as Graph,
  type Lookup,
  lookupKind,
  type ProvenanceOverview,
  verdictText,
} from './provenance.ts'

type Answer<data> = { data: data } | { error: string; status?: number } | { loading: true }

const utc = (ms: number) =>
  Number.isFinite(ms) && Math.abs(ms) < 8.64e15
    ? `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`
    : '–'

export function ProvenanceView(_props: ViewProps) {
  const polled = usePoll<ProvenanceOverview>('/api/provenance')
  const data = usePoll<DataOverview>('/api/data', 5000)
  const models = usePoll<ModelsCatalog>('/api/models', 5000)
  const [text, setText] = useState('')
  const [lookup, setLookup] = useState<Answer<Lookup> | undefined>(undefined)
  const [cid, setCid] = useState<string | undefined>(undefined)
  const [lineage, setLineage] = useState<Answer<Graph> | undefined>(undefined)

  useEffect(() => {
    if (!cid) return
    let stale = false
    setLineage({ loading: true })
    void getJson<Graph>(`/api/lineage/${encodeURIComponent(cid)}`).then((a) => {
      if (!stale) setLineage(a)
    })
    return () => {
      stale = true
    }
  }, [cid])

  const submit = async (event: Event) => {
    event.preventDefault()
    const value = text.trim()
    const kind = lookupKind(value)
    if (kind === 'empty') return
    if (kind === 'cid') setCid(value)
    setLookup({ loading: true })
    setLookup(await getJson<Lookup>(`/api/provenance/${encodeURIComponent(value)}`))
  }

  const overview = polled.data
  const known = [
    ...(data.data?.datasets ?? []).map((d) => ({
      cid: d.cid,
      label: `dataset ${d.datasetId} · ${datasetName(d, data.data?.vault?.datasets)}`,
    })),
    ...(models.data?.models ?? []).map((m) => ({ cid: m.weightsCid, label: `model ${m.id} · ${m.name}` })),
  ].filter((k) => k.cid)
  return (
    <>
      <Summary
        titleId="provenance-title"
        title="Provenance"
        note={
          overview &&
          'Every AI answer served here carries a signed receipt; receipts are anchored on chain in Merkle batches.'
        }
        poll={polled}
        loaded={overview !== undefined}
        figures={[
          { title: 'Receipts', id: 'receipt-count', value: overview?.receipts },
          { title: 'Anchored', id: 'anchored-count', value: overview?.anchored },
          { title: 'Pending', id: 'pending-count', value: overview?.pending },
        ]}
      />
      <section aria-labelledby="batches-title">
        <h2 id="batches-title">Recent batches</h2>
        <Table
          id="batch-list"
          label="Receipt batches, newest first"
          head={['Root', 'Signer', 'Receipts', 'Batch CID', 'Anchor']}
          empty={overview ? 'No batch yet: answers served here are batched every few seconds.' : undefined}
          rows={(overview?.batches ?? []).map((b) => (
            <tr key={b.root} data-root={b.root}>
              <td class="mono" title={b.root}>
                {short(b.root)}
              </td>
              <td class="mono" title={b.signer}>
                {short(b.signer)}
              </td>
              <td>{b.count}</td>
              <td class="mono" title={b.cid}>
                {shortCid(b.cid)}
              </td>
              <td data-field="anchor" title={b.txHash ?? undefined}>
                {b.txHash ? (
                  <span>
                    block {b.block}
                    {b.anchoredAt ? ` · ${utc(b.anchoredAt)}` : ''}
                  </span>
                ) : (
                  <span class="tag grant-expired">pending</span>
                )}
              </td>
            </tr>
          ))}
        />
      </section>
      <section aria-labelledby="lookup-title">
        <h2 id="lookup-title">Look up</h2>
        <form class="governance lookup" id="lookup-form" onSubmit={submit}>
          <label>
            A hash (0x…: an output’s or request’s SHA-256, or a receipt’s digest) or a CID
            <input
              id="lookup-input"
              value={text}
              onInput={(e) => setText((e.target as HTMLInputElement).value)}
              placeholder="0x… or bafk…"
              spellcheck={false}
              autocomplete="off"
            />
          </label>
          <button type="submit">Look up</button>
        </form>
        <LookupResult answer={lookup} onModel={setCid} />
      </section>
      <section aria-labelledby="lineage-graph-heading">
        <h2 id="lineage-graph-heading">Lineage</h2>
        <p class="muted small">Where a dataset went and where a model came from: pick a CID.</p>
        {known.length > 0 ? (
          <ul class="cid-picks" id="known-cids">
            {known.map((k) => (
              <li key={`${k.label}-${k.cid}`}>
                <button type="button" data-cid={k.cid} aria-pressed={k.cid === cid} onClick={() => setCid(k.cid)}>
                  {k.label}
                </button>
              </li>
            ))}
          </ul>
        ) : (
          <p class="muted">{data.data || models.data ? 'No dataset or model known here yet.' : 'Loading…'}</p>
        )}
        <div id="lineage-result" aria-live="polite">
          {!cid ? null : !lineage || 'loading' in lineage ? (
            <p class="muted">Tracing {cid}…</p>
          ) : 'error' in lineage ? (
            <p class="error" role="alert">
              Lineage of {shortCid(cid)}: {lineage.error}
            </p>
          ) : (
            <LineageGraph graph={lineage.data} />
          )}
        </div>
      </section>
    </>
  )
}

function LookupResult({ answer, onModel }: { answer: Answer<Lookup> | undefined; onModel: (cid: string) => void }) {
  if (!answer) return null
  if ('loading' in answer) return <p class="muted">Looking up…</p>
  if ('error' in answer)
    return (
      <p class="error" id="lookup-error" role="alert">
        {answer.error}
      </p>
    )
  return (
    <Table
      id="lookup-receipts"
      label={`Receipts naming ${answer.data.hash}`}
      head={['Kind', 'Model', 'Output', 'Signed', 'Signer', 'Batch', 'Verdict']}
      rows={answer.data.receipts.map((r) => {
        const verdict = verdictText(r.verdict)
        return (
          <tr key={r.digest} data-digest={r.digest}>
            <td>{r.receipt.kind}</td>
            <td>
              {lookupKind(r.receipt.model) === 'cid' ? (
                <button
                  type="button"
                  class="link mono"
                  title={`Lineage of ${r.receipt.model}`}
                  onClick={() => onModel(r.receipt.model)}
                >
                  {shortCid(r.receipt.model)}
                </button>
              ) : (
                r.receipt.model
              )}
            </td>
            <td class="mono" title={r.receipt.output}>
              {short(r.receipt.output)}
            </td>
            <td>{utc(Number(r.receipt.time) * 1000)}</td>
            <td class="mono" title={r.receipt.signer}>
              {short(r.receipt.signer)}
            </td>
            <td class="mono" title={r.batch?.root}>
              {r.batch ? (r.batch.block !== null ? `block ${r.batch.block}` : short(r.batch.root)) : '–'}
            </td>
            <td data-field="verdict" title={r.verdict.message}>
              <span class={`tag verdict-${verdict.tone}`}>{verdict.text}</span>
            </td>
          </tr>
        )
      })}
    />
  )
}
