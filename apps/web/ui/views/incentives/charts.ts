/**
 * The incentive charts' Chart.js configurations, built from one subnet of `/api/incentives`: stake per neuron,
 * the latest revealed weights (a heatmap), consensus and incentive per uid, dividends per validator, and the
 * emission per epoch stacked by who received it. Each returns the config and its accessible label, or a reason
 * there is nothing to draw.
 */
import type { Epoch, IncentiveSubnet } from '../../api.ts'
import type { AnyChartConfig } from '../../components/Chart.tsx'
import { big, myc, mycNumber, pct, short } from '../../format.ts'
import { theme, uidColor } from '../../theme.ts'

export type Drawn = { config: AnyChartConfig; label: string; height: number } | { empty: string }

const U16 = 65535
const num = (value: unknown) => (Number.isFinite(Number(value)) ? Number(value) : 0)
export const epochName = (e: Epoch) => `epoch ${e.epoch} (${e.final ? 'final' : 'pending'})`

const unitScale = {
  min: 0,
  max: 1,
  ticks: { stepSize: 0.25, callback: (value: number | string) => Number(value).toFixed(2) },
}

export function stakeChart(subnet: IncentiveSubnet): Drawn {
  const staked = subnet.neurons.filter((n) => big(n.stake) > 0n).sort((a, b) => a.uid - b.uid)
  if (staked.length === 0) return { empty: 'No stake yet.' }
  const total = staked.reduce((sum, n) => sum + big(n.stake), 0n)
  return {
    label: `Stake of subnet #${subnet.netuid}, ${myc(total)} in total`,
    height: 60 + staked.length * 26,
    config: {
      type: 'bar',
      data: {
        labels: staked.map((n) => `uid ${n.uid} · ${short(n.hotkey)}`),
        datasets: [
          {
            label: 'stake (MYC)',
            data: staked.map((n) => mycNumber(n.stake)),
            backgroundColor: staked.map((n) => (n.role === 'validator' ? theme.warn : theme.accent)),
          },
        ],
      },
      options: {
        indexAxis: 'y',
        scales: { x: { beginAtZero: true, title: { display: true, text: 'MYC' } } },
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              label: (item: { dataIndex: number }) => {
                const n = staked[item.dataIndex]
                return n ? `${n.role}: ${myc(n.stake)}` : ''
              },
            },
          },
        },
      },
    },
  }
}

export function weightsChart(subnet: IncentiveSubnet): Drawn {
  const rows = subnet.weights.filter((r) => Array.isArray(r.weights)).sort((a, b) => a.uid - b.uid)
  if (rows.length === 0) return { empty: 'No revealed weights yet.' }
  const cols = Math.max(1, subnet.neurons.length, ...rows.map((r) => r.weights.length))
  const cells = rows.flatMap((r) =>
    Array.from({ length: cols }, (_, uid) => ({ x: String(uid), y: String(r.uid), v: num(r.weights[uid]) / U16 })),
  )
  return {
    label: `Latest revealed weights of ${rows.length} validator(s) over ${cols} uid(s) in subnet #${subnet.netuid}`,
    height: 90 + rows.length * 34,
    config: {
      type: 'matrix',
      data: {
        datasets: [
          {
            label: 'weight',
            data: cells,
            backgroundColor: (ctx: { raw?: { v: number } }) =>
              `rgba(95, 211, 155, ${(0.08 + 0.92 * (ctx.raw?.v ?? 0)).toFixed(3)})`,
            borderColor: theme.line,
            borderWidth: 1,
            width: (ctx: { chart: { chartArea?: { width: number } } }) =>
              Math.max(2, (ctx.chart.chartArea?.width ?? 0) / cols - 2),
            height: (ctx: { chart: { chartArea?: { height: number } } }) =>
              Math.max(2, (ctx.chart.chartArea?.height ?? 0) / rows.length - 2),
          },
        ],
      },
      options: {
        scales: {
          x: {
            type: 'category',
            labels: Array.from({ length: cols }, (_, uid) => String(uid)),
            offset: true,
            grid: { display: false },
            title: { display: true, text: 'uid (weighted)' },
          },
          y: {
            type: 'category',
            labels: rows.map((r) => String(r.uid)),
            offset: true,
            grid: { display: false },
            title: { display: true, text: 'validator uid' },
          },
        },
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              title: () => '',
              label: (item: { raw: { x: string; y: string; v: number } }) =>
                `validator uid ${item.raw.y} → uid ${item.raw.x}: ${Math.round(item.raw.v * U16)} / ${U16} (${pct(item.raw.v)})`,
            },
          },
        },
      },
    },
  }
}

export function consensusChart(subnet: IncentiveSubnet, latest: Epoch | undefined): Drawn {
  if (!latest) return { empty: 'No epoch yet.' }
  const n = Math.max(latest.consensus.length, latest.incentive.length)
  if (n === 0) return { empty: 'No uids in this epoch.' }
  const uids = Array.from({ length: n }, (_, uid) => uid)
  return {
    label: `Consensus and incentive per uid in ${epochName(latest)} of subnet #${subnet.netuid}`,
    height: 220,
    config: {
      type: 'bar',
      data: {
        labels: uids.map((uid) => `uid ${uid}`),
        datasets: [
          { label: 'consensus', data: uids.map((u) => num(latest.consensus[u])), backgroundColor: theme.consensus },
          { label: 'incentive', data: uids.map((u) => num(latest.incentive[u])), backgroundColor: theme.incentive },
        ],
      },
      options: { scales: { y: unitScale } },
    },
  }
}

export function dividendsChart(subnet: IncentiveSubnet, latest: Epoch | undefined): Drawn {
  if (!latest) return { empty: 'No epoch yet.' }
  if (latest.validators.length === 0) return { empty: 'No validators in this epoch.' }
  return {
    label: `Dividends per validator in ${epochName(latest)} of subnet #${subnet.netuid}`,
    height: 200,
    config: {
      type: 'bar',
      data: {
        labels: latest.validators.map((uid) => `uid ${uid}`),
        datasets: [{ label: 'dividends', data: latest.dividends.map(num), backgroundColor: theme.warn }],
      },
      options: {
        scales: { y: unitScale },
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              afterLabel: (item: { dataIndex: number }) =>
                latest.final ? `paid ${myc(latest.validatorEmission[item.dataIndex])}` : 'emission known when final',
            },
          },
        },
      },
    },
  }
}

export function emissionChart(subnet: IncentiveSubnet): Drawn {
  const epochs = subnet.epochs
  if (epochs.length === 0) return { empty: 'No epochs yet.' }
  const minerUids = [
    ...new Set(epochs.flatMap((e) => e.minerEmission.flatMap((a, uid) => (big(a) > 0n ? [uid] : [])))),
  ].sort((a, b) => a - b)
  const rest = (e: Epoch) => {
    const paid = [...e.minerEmission, ...e.validatorEmission].reduce((sum, a) => sum + big(a), 0n)
    const total = big(e.emission)
    return e.final && total > paid ? total - paid : 0n
  }
  const last = epochs.filter((e) => e.final).at(-1)
  const first = epochs[0] as Epoch
  return {
    label: `Emission per epoch of subnet #${subnet.netuid}, epochs ${first.epoch} to ${epochs.at(-1)?.epoch}${
      last ? `; latest final epoch ${last.epoch} emitted ${myc(last.emission)}` : ''
    }`,
    height: 260,
    config: {
      type: 'bar',
      data: {
        labels: epochs.map((e) => `${e.epoch}${e.final ? '' : ' (pending)'}${e.matches === false ? ' ✕' : ''}`),
        datasets: [
          ...minerUids.map((uid) => ({
            label: `uid ${uid} (miner)`,
            data: epochs.map((e) => mycNumber(e.minerEmission[uid])),
            backgroundColor: uidColor(uid),
          })),
          {
            label: 'validators (dividends)',
            data: epochs.map((e) => mycNumber(e.validatorEmission.reduce((sum, a) => sum + big(a), 0n))),
            backgroundColor: theme.warn,
          },
          {
            label: 'owner share and unassigned',
            data: epochs.map((e) => mycNumber(rest(e))),
            backgroundColor: theme.rest,
          },
        ],
      },
      options: {
        scales: {
          x: { stacked: true, title: { display: true, text: 'epoch (✕: differs from this node’s build)' } },
          y: { stacked: true, beginAtZero: true, title: { display: true, text: 'MYC' } },
        },
        plugins: {
          tooltip: {
            callbacks: {
              footer: (items: { dataIndex: number }[]) => {
                const e = epochs[items[0]?.dataIndex ?? 0]
                if (!e) return ''
                return e.final
                  ? `emission ${myc(e.emission)}, snapshot block ${e.snapshotBlock ?? '–'}`
                  : 'pending: the emission is known once the epoch is final'
              },
            },
          },
        },
      },
    },
  }
}
