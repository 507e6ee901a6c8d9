/**
 * The Training view (verifiable training, docs/training.md): the compute market's jobs with their auction, the
 * trainer's progress, the checkpoints posted and the model registered; the disputes as they happen (phase, segment,
 * the element reached); research rounds (quadratic funding: each proposal's contributions, QF score, match and the
 * job it became); and the node's trainer and verifier — its bids and the verifier's checks. Reads
 * `/api/training` every two seconds.
 */
import { usePoll } from '../../api.ts'
import { Summary } from '../../components/Summary.tsx'
import { Table } from '../../components/Table.tsx'
import { short, tokenAmount } from '../../format.ts'
import type { ViewProps } from '../types.ts'

type Job = {
  id: string
  status: string
  round: number
  provider: string
  price: string
  buyer: string
  market: { budget: string; bond: string; token: string }
  result: { weightsCid: string; modelRoot: string; postedAt: number }
  checkpoints: number
  modelId: string
  windowEnd: number
}
type Dispute = {
  id: string
  jobId: string
  challenger: string
  phaseName: string
  step: string
  lo: string
  hi: string
  level: number
  element: number
}
type Proposal = {
  id: string
  proposer: string
  raised: string
  score: string
  matched: string
  jobId: string
  withdrawn: boolean
}
type Round = {
  id: string
  sponsor: string
  token: string
  pool: string
  contributeEnd: number
  finalized: boolean
  proposals: Proposal[]
}
type Overview = {
  jobs: Job[]
  disputes: Dispute[]
  rounds?: Round[]
  trainer?: {
    account: string
    training: { jobId: string; step: number; steps: number; loss: number }[]
    bids: { jobId: string; round: number; price: string; revealed: boolean }[]
  }
  verifier?: { account: string; checked: { jobId: string; round: number; segments: number[]; verdict: string }[] }
}

const none = '0x0000000000000000000000000000000000000000'

export function TrainingView({ network }: ViewProps) {
  const testUsd = network.data?.contracts.testUsd
  const polled = usePoll<Overview>('/api/training')
  const data = polled.data
  const jobs = data?.jobs ?? []
  const progress = new Map((data?.trainer?.training ?? []).map((t) => [t.jobId, t]))
  return (
    <>
      <Summary
        titleId="training-title"
        title="Compute market"
        note={
          data &&
          'Jobs bought at a sealed-bid auction, trained by the engine bit for bit, checked by verifiers; a dispute narrows down to one operation the contract recomputes.'
        }
        poll={polled}
        figures={[
          { title: 'Jobs', id: 'job-count', value: data && jobs.length },
          {
            title: 'Accepted',
            id: 'accepted-count',
            value: data && jobs.filter((j) => j.status === 'accepted').length,
          },
          { title: 'Disputes', id: 'dispute-count', value: data?.disputes.length },
          { title: 'Training now', id: 'training-now', value: data && (data.trainer?.training.length ?? 0) },
        ]}
      />
      <section aria-labelledby="jobs-title">
        <h2 id="jobs-title">Jobs</h2>
        <Table
          id="job-list"
          label="Training jobs"
          head={['Job', 'Status', 'Round', 'Provider', 'Price / budget', 'Progress', 'Checkpoints', 'Model']}
          empty={data ? 'No training job yet. Post one with `mycel job submit --spec <file>`.' : undefined}
          rows={jobs.map((j) => {
            const p = progress.get(j.id)
            return (
              <tr key={j.id} data-job-id={j.id}>
                <td>{j.id}</td>
                <td>
                  <span class={`tag tag-${j.status}`}>{j.status}</span>
                </td>
                <td>{j.round}</td>
                <td class="mono" title={j.provider}>
                  {j.provider === none ? '–' : short(j.provider)}
                </td>
                <td>
                  {tokenAmount(j.price, j.market.token, testUsd)} /{' '}
                  {tokenAmount(j.market.budget, j.market.token, testUsd)}
                </td>
                <td data-field="progress">
                  {p ? `${p.step} / ${p.steps} steps · loss ${Number.isFinite(p.loss) ? p.loss.toFixed(4) : '–'}` : '–'}
                </td>
                <td>{j.checkpoints || '–'}</td>
                <td>{j.modelId !== '0' ? <a href={`#/models/${j.modelId}`}>model {j.modelId}</a> : '–'}</td>
              </tr>
            )
          })}
        />
      </section>
      <section aria-labelledby="disputes-title">
        <h2 id="disputes-title">Disputes</h2>
        <Table
          id="dispute-list"
          label="Training disputes"
          head={['Dispute', 'Job', 'Challenger', 'Phase', 'Step', 'Segment', 'Element']}
          empty={data ? 'No dispute: every result so far was accepted or is in its window unchallenged.' : undefined}
          rows={(data?.disputes ?? []).map((d) => (
            <tr key={d.id} data-dispute-id={d.id}>
              <td>{d.id}</td>
              <td>{d.jobId}</td>
              <td class="mono" title={d.challenger}>
                {short(d.challenger)}
              </td>
              <td>{d.phaseName}</td>
              <td>{d.step}</td>
              <td>
                {d.lo}…{d.hi}
              </td>
              <td>{d.element}</td>
            </tr>
          ))}
        />
      </section>
      <section aria-labelledby="rounds-title">
        <h2 id="rounds-title">Research rounds</h2>
        <Table
          id="round-list"
          label="Research rounds and their proposals"
          head={['Round', 'Status', 'Pool', 'Proposal', 'Raised', 'QF score', 'Match', 'Job']}
          empty={data ? 'No research round yet. Open one with `mycel job round open --pool <tUSD>`.' : undefined}
          rows={(data?.rounds ?? []).flatMap((r) => {
            const status = r.finalized ? 'finalized' : r.contributeEnd * 1000 > Date.now() ? 'open' : 'ended'
            const lines = r.proposals.length > 0 ? r.proposals : [undefined]
            return lines.map((p) => (
              <tr key={`${r.id}-${p?.id ?? 'none'}`} data-round-id={r.id}>
                <td>{r.id}</td>
                <td>
                  <span class={`tag tag-${status}`}>{status}</span>
                </td>
                <td>{tokenAmount(r.pool, r.token, testUsd)}</td>
                <td>{p ? p.id : '–'}</td>
                <td>{p ? tokenAmount(p.raised, r.token, testUsd) : '–'}</td>
                <td>{p ? tokenAmount(p.score, r.token, testUsd) : '–'}</td>
                <td>{p && r.finalized ? tokenAmount(p.matched, r.token, testUsd) : '–'}</td>
                <td>{p?.withdrawn ? 'withdrawn' : p && p.jobId !== '0' ? `job ${p.jobId}` : '–'}</td>
              </tr>
            ))
          })}
        />
      </section>
      <section aria-labelledby="roles-title">
        <h2 id="roles-title">This node’s trainer and verifier</h2>
        <Table
          id="checks"
          label="The verifier's checks"
          head={['Job', 'Round', 'Segments re-executed', 'Verdict']}
          empty={data?.verifier ? 'No result checked yet.' : 'This node runs no verifier.'}
          rows={(data?.verifier?.checked ?? []).map((c) => (
            <tr key={`${c.jobId}-${c.round}`}>
              <td>{c.jobId}</td>
              <td>{c.round}</td>
              <td>{c.segments.join(', ') || '–'}</td>
              <td>{c.verdict}</td>
            </tr>
          ))}
        />
        <Table
          id="bids"
          label="The trainer's bids"
          head={['Job', 'Round', 'Price', 'Revealed']}
          empty={data?.trainer ? 'No bid yet.' : 'This node runs no trainer.'}
          rows={(data?.trainer?.bids ?? []).map((b) => (
            <tr key={`${b.jobId}-${b.round}`}>
              <td>{b.jobId}</td>
              <td>{b.round}</td>
              <td>{tokenAmount(b.price, jobs.find((j) => j.id === b.jobId)?.market.token, testUsd)}</td>
              <td>{b.revealed ? 'yes' : 'sealed'}</td>
            </tr>
          ))}
        />
      </section>
    </>
  )
}
