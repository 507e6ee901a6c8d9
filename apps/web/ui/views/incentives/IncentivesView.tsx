/**
 * The incentives view: per subnet, stake, the latest revealed weights, consensus, incentive and dividends of the
 * latest epoch, emission per epoch and the local validators' scores. Reads `/api/incentives`; every chart is drawn
 * by Chart.js (charts.ts builds the configs).
 */
import { useMemo } from 'preact/hooks'
import { type IncentiveSubnet, type Incentives, usePoll } from '../../api.ts'
import { Chart } from '../../components/Chart.tsx'
import { optional } from '../../format.ts'
import {
  consensusChart,
  type Drawn,
  dividendsChart,
  emissionChart,
  epochName,
  stakeChart,
  weightsChart,
} from './charts.ts'
import { Scores } from './Scores.tsx'

/** A titled chart panel; the config is rebuilt only when `inputs` change, so polling keeps the chart as it is. */
function Panel(props: { name: string; title: string; inputs: unknown; draw: () => Drawn; wide?: boolean }) {
  const json = JSON.stringify(props.inputs)
  // The inputs' JSON stands for what the draw function reads: rebuilt only when it changes.
  const drawn = useMemo(() => {
    try {
      return props.draw()
    } catch (error) {
      return { empty: `Could not draw this chart (${(error as Error).message}).` }
    }
  }, [json])
  return (
    <div class={props.wide ? 'panel panel-wide' : 'panel'} data-panel={props.name}>
      <h4>{props.title}</h4>
      {'empty' in drawn ? (
        <p class="muted">{drawn.empty}</p>
      ) : (
        <Chart name={props.name} label={drawn.label} config={drawn.config} height={drawn.height} />
      )}
    </div>
  )
}

function SubnetIncentives({ subnet }: { subnet: IncentiveSubnet }) {
  const latest = subnet.epochs.at(-1)
  const roles = subnet.neurons.map((n) => [n.uid, n.role, n.hotkey])
  return (
    <article class="incentive" data-incentives-netuid={subnet.netuid}>
      <h3>
        #{subnet.netuid} {subnet.name ?? ''} <span class="tag">{subnet.taskType ?? ''}</span>
      </h3>
      <p class="muted">
        tempo {subnet.tempo ?? '–'} blocks · kappa {optional(subnet.kappa, (k) => k.toFixed(2))} ·{' '}
        {latest
          ? `${subnet.epochs.length} epoch(s) shown, latest ${epochName(latest)} at snapshot block ${latest.snapshotBlock ?? '–'}`
          : 'no epoch yet'}
      </p>
      <div class="charts">
        <Panel name="stake" title="Stake" inputs={subnet.neurons} draw={() => stakeChart(subnet)} />
        <Panel
          name="weights"
          title="Latest revealed weights"
          inputs={[subnet.weights, roles]}
          draw={() => weightsChart(subnet)}
        />
        <Panel
          name="consensus"
          title={latest ? `Consensus and incentive, ${epochName(latest)}` : 'Consensus and incentive'}
          inputs={[latest, roles]}
          draw={() => consensusChart(subnet, latest)}
        />
        <Panel
          name="dividends"
          title={latest ? `Dividends, ${epochName(latest)}` : 'Dividends'}
          inputs={latest}
          draw={() => dividendsChart(subnet, latest)}
        />
        <Panel
          name="emission"
          title="Emission per epoch"
          inputs={subnet.epochs}
          draw={() => emissionChart(subnet)}
          wide
        />
        <Scores subnet={subnet} />
      </div>
    </article>
  )
}

export function IncentivesView(_: unknown) {
  const polled = usePoll<Incentives>('/api/incentives')
  const subnets = (polled.data?.subnets ?? []).filter((s) => s.epochs.length > 0 || s.weights.length > 0)
  return (
    <section aria-labelledby="incentives-title" id="incentives">
      <h2 id="incentives-title">Incentives</h2>
      {polled.error && <p class="error">Could not load incentives: {polled.error}</p>}
      {!polled.data && polled.waiting && <p class="muted">Waiting for the node: {polled.waiting}</p>}
      {!polled.data && !polled.waiting && !polled.error && <p class="muted">Loading…</p>}
      {polled.data && subnets.length === 0 && <p class="muted">No incentive data yet.</p>}
      <div id="incentives-subnets">
        {subnets.map((s) => (
          <SubnetIncentives key={s.netuid} subnet={s} />
        ))}
      </div>
    </section>
  )
}
