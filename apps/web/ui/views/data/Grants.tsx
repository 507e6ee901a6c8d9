/**
 * The Data view's lists: each dataset's grants (kind, grantee, expiry, valid, expired or revoked) and the vault's log
 * of the requests it answered (a key, records or a query: served or refused, and the reason it gave).
 */
import { Table } from '../../components/Table.tsx'
import { short } from '../../format.ts'
import { type DataOverview, type Dataset, datasetName, expiry, grantState, type HeldKey, logTime } from './data.ts'

export function DatasetGrants({
  datasets,
  held,
  loaded,
}: {
  datasets: Dataset[]
  held: HeldKey[] | undefined
  loaded: boolean
}) {
  if (!loaded) return <p class="muted">Loading…</p>
  if (datasets.length === 0) return <p class="muted">No dataset, so no grants.</p>
  return (
    <div class="channels grant-lists" id="grant-lists">
      {datasets.map((d) => (
        <article key={d.datasetId} class="channel" data-grants-of={d.datasetId}>
          <h4>
            Dataset {d.datasetId} <span class="muted small">{datasetName(d, held)}</span>
          </h4>
          <Table
            label={`Grants on dataset ${d.datasetId}`}
            head={['Grant', 'Kind', 'Grantee', 'Expires', 'State']}
            empty="No grant yet: buy one with `mycel dataset grant <id>`."
            rows={d.grants.map((g) => {
              const state = grantState(g)
              return (
                <tr key={g.grantId} data-grant-id={g.grantId}>
                  <td>{g.grantId}</td>
                  <td>
                    {g.kind}
                    {g.units > 0 ? ` (${g.units})` : ''}
                  </td>
                  <td class="mono" title={g.grantee}>
                    {short(g.grantee)}
                  </td>
                  <td>{expiry(g.expiresAt)}</td>
                  <td data-field="state">
                    <span class={`tag grant-${state}`}>{state}</span>
                  </td>
                </tr>
              )
            })}
          />
        </article>
      ))}
    </div>
  )
}

export function VaultLog({ data }: { data: DataOverview | undefined }) {
  if (!data) return <p class="muted">Loading…</p>
  if (!data.vault) return <p class="muted">This node runs no vault (set vault: on): it serves no keys and logs none.</p>
  return (
    <Table
      id="vault-log"
      label="Requests this vault answered, newest first"
      head={['At', 'Dataset', 'Grant', 'Action', 'Requester', 'Answer', 'Reason']}
      empty="No request yet: grantees ask with `mycel dataset fetch | records | query`."
      rows={data.releases.map((r) => (
        <tr key={r.id} data-release-id={r.id}>
          <td>{logTime(r.at)}</td>
          <td>{r.datasetId}</td>
          <td>{r.grantId}</td>
          <td>{r.action}</td>
          <td class="mono" title={r.requester}>
            {short(r.requester)}
          </td>
          <td data-field="answer">
            <span class={`tag ${r.released ? 'grant-valid' : 'grant-revoked'}`}>
              {r.released ? 'served' : 'refused'}
            </span>
          </td>
          <td class="wrap reason">{r.reason}</td>
        </tr>
      ))}
    />
  )
}
