/**
 * The Data view (the data market, docs/data.md): every dataset on chain with its records, format, licence, offers and
 * prices, certification (revoked ones shown as revoked), provider and grants, filterable to certified datasets; each
 * dataset's grants; the vault's log of requests (keys, records, queries: served or refused, and why); and the
 * training jobs that ran on data, compute-to-data ones marked. Reads `/api/data` and `/api/training`.
 */
import { useState } from 'preact/hooks'
import { usePoll } from '../../api.ts'
import { Summary } from '../../components/Summary.tsx'
import { Table } from '../../components/Table.tsx'
import { short } from '../../format.ts'
import type { ViewProps } from '../types.ts'
import {
  certificationStatus,
  certificationText,
  type DataOverview,
  dataJobs,
  datasetName,
  grantCounts,
  offers,
  type TrainingJob,
  who,
} from './data.ts'
import { DatasetGrants, VaultLog } from './Grants.tsx'

export function DataMarketView({ network }: ViewProps) {
  const [certifiedOnly, setCertifiedOnly] = useState(false)
  const polled = usePoll<DataOverview>(certifiedOnly ? '/api/data?certified=true' : '/api/data')
  const training = usePoll<{ jobs: TrainingJob[] }>('/api/training', 4000)
  const contracts = network.data?.contracts
  const testUsd = contracts?.testUsd
  const data = polled.data
  const datasets = data?.datasets ?? []
  const held = data?.vault?.datasets
  const releases = data?.releases ?? []
  const jobs = dataJobs(training.data?.jobs ?? [], contracts?.computeToData, datasets)
  const note =
    data &&
    (data.vault
      ? `${data.total} dataset${data.total === '1' ? '' : 's'} registered on chain · this node’s vault holds the keys of ${data.vault.datasets.length}.`
      : `${data.total} dataset${data.total === '1' ? '' : 's'} registered on chain · this node runs no vault.`)
  return (
    <>
      <Summary
        titleId="data-title"
        title="Data market"
        noteId="data-note"
        note={note}
        poll={polled}
        loaded={data !== undefined}
        figures={[
          { title: 'Datasets', id: 'dataset-count', value: data?.total },
          {
            title: 'Certified',
            id: 'certified-count',
            value: data && (certifiedOnly ? datasets.length : datasets.filter((d) => d.certified).length),
          },
          {
            title: 'Valid grants',
            id: 'grant-count',
            value: data && datasets.reduce((n, d) => n + grantCounts(d.grants).valid, 0),
          },
          {
            title: 'Requests served',
            id: 'served-count',
            value: data && `${releases.filter((r) => r.released).length} / ${releases.length}`,
          },
        ]}
      />
      <section aria-labelledby="datasets-title">
        <h2 id="datasets-title">Datasets</h2>
        <label class="switch">
          <input
            type="checkbox"
            id="certified-only"
            checked={certifiedOnly}
            onChange={(e) => setCertifiedOnly((e.target as HTMLInputElement).checked)}
          />{' '}
          Certified only
        </label>
        <Table
          id="dataset-list"
          label="Datasets registered on chain"
          head={['Id', 'Dataset', 'Records', 'Format', 'Licence', 'Offers', 'Certified', 'Provider', 'Grants']}
          empty={
            data
              ? certifiedOnly
                ? 'No certified dataset yet. Certify one with `mycel dataset certify <id>`.'
                : 'No dataset registered yet. Add one with `mycel dataset add <file>`.'
              : undefined
          }
          rows={datasets.map((d) => {
            const status = certificationStatus(d)
            const grants = grantCounts(d.grants)
            const format = held?.find((k) => k.cid === d.cid)?.format
            return (
              <tr key={d.datasetId} data-dataset-id={d.datasetId}>
                <td>{d.datasetId}</td>
                <td class="mono" title={d.cid}>
                  {datasetName(d, held)}
                </td>
                <td>{d.recordCount}</td>
                <td>{format ?? '–'}</td>
                <td>{d.license || '–'}</td>
                <td data-field="offers">{offers(d.terms, testUsd)}</td>
                <td data-field="certified">
                  <span class={`tag cert-${status}`}>{certificationText[status]}</span>
                </td>
                <td class="mono" title={d.provider}>
                  {d.heldHere ? 'this node' : d.provider.replace(/^https?:\/\//, '') || '–'}
                </td>
                <td data-field="grants">
                  {grants.valid} / {grants.total}
                </td>
              </tr>
            )
          })}
        />
      </section>
      <section aria-labelledby="grants-title">
        <h2 id="grants-title">Grants</h2>
        <DatasetGrants datasets={datasets} held={held} loaded={data !== undefined} />
      </section>
      <section aria-labelledby="vault-log-title">
        <h2 id="vault-log-title">Vault log</h2>
        <VaultLog data={data} />
      </section>
      <section aria-labelledby="data-jobs-title">
        <h2 id="data-jobs-title">Training on data</h2>
        <p class="muted small">
          Jobs that train on a dataset; compute-to-data jobs are bought by the ComputeToData contract for a buyer who
          never sees the records.
        </p>
        <Table
          id="data-job-list"
          label="Training jobs on datasets"
          head={['Job', 'Status', 'Dataset', 'Buyer', 'Provider', 'Model']}
          empty={training.data ? 'No training job on a dataset yet.' : (training.error ?? undefined)}
          rows={jobs.map((j) => (
            <tr key={j.id} data-job-id={j.id} data-compute-to-data={j.computeToData ? 'true' : undefined}>
              <td>{j.id}</td>
              <td>
                <span class={`tag tag-${j.status}`}>{j.status}</span>
              </td>
              <td class="mono" title={j.datasetCid}>
                {j.dataset ? `dataset ${j.dataset}` : j.datasetCid ? datasetName({ cid: j.datasetCid }, held) : '–'}
              </td>
              <td>
                {j.computeToData ? (
                  <span class="tag tag-c2d" title={j.buyer}>
                    compute-to-data
                  </span>
                ) : (
                  <span class="mono" title={j.buyer}>
                    {who(j.buyer, contracts)}
                  </span>
                )}
              </td>
              <td class="mono" title={j.provider}>
                {short(j.provider)}
              </td>
              <td>{j.modelId && j.modelId !== '0' ? <a href={`#/models/${j.modelId}`}>model {j.modelId}</a> : '–'}</td>
            </tr>
          ))}
        />
      </section>
    </>
  )
}
