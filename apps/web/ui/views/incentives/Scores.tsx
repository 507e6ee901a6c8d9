/** Each local validator's scores of the miners it queried, as tables. */
import type { IncentiveSubnet } from '../../api.ts'
import { Table } from '../../components/Table.tsx'
import { optional, pct, sameHex, short } from '../../format.ts'

const num = (value: unknown) => (Number.isFinite(Number(value)) ? Number(value) : 0)

export function Scores({ subnet }: { subnet: IncentiveSubnet }) {
  if (subnet.scores.length === 0) return <p class="muted">This node runs no validator in this subnet.</p>
  return (
    <>
      {subnet.scores.map((s) => {
        const uid = subnet.neurons.find((n) => sameHex(n.hotkey, s.validator))?.uid
        return (
          <div class="panel panel-wide" key={s.validator}>
            <h4>
              Scores of local validator {uid === undefined ? '' : `uid ${uid} `}
              <span class="mono" title={s.validator}>
                {short(s.validator)}
              </span>
            </h4>
            <Table
              label={`Scores of validator ${s.validator}`}
              empty="No scores yet."
              head={[
                'uid',
                'hotkey',
                'quality',
                'latency',
                'score',
                'rounds (failed)',
                'spot checks passed',
                'last error',
              ]}
              rows={s.miners.map((m) => {
                const checks = num(m.spotChecks)
                const failed = num(m.spotFailures)
                return (
                  <tr key={m.uid} data-uid={m.uid}>
                    <td>{m.uid ?? '–'}</td>
                    <td class="mono" title={m.hotkey ?? ''}>
                      {m.hotkey ? short(m.hotkey) : '–'}
                    </td>
                    <td>{optional(m.quality, (q) => pct(q))}</td>
                    <td>{optional(m.latencyMs, (ms) => `${Math.round(ms)} ms`)}</td>
                    <td>{optional(m.score, (x) => x.toFixed(3))}</td>
                    <td class={num(m.failures) > 0 ? 'warn' : ''}>
                      {num(m.rounds)} ({num(m.failures)})
                    </td>
                    <td class={failed > 0 ? 'error' : ''}>
                      {checks - failed}/{checks}
                    </td>
                    <td class={m.lastError ? 'error' : 'muted'} title={m.lastError ?? ''}>
                      {m.lastError ? m.lastError.slice(0, 80) : '–'}
                    </td>
                  </tr>
                )
              })}
            />
          </div>
        )
      })}
    </>
  )
}
