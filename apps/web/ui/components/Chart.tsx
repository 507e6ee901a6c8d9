/**
 * One Chart.js chart as a Preact component: the chart is created once per canvas and updated in place when its
 * config changes (so the 2 s poll does not flicker or reset a tooltip). It resizes with its container. The canvas
 * carries `data-chart` (its name) and `data-points` (how many values it draws) for tests and tools.
 */
import {
  BarController,
  BarElement,
  CategoryScale,
  type ChartConfiguration,
  Chart as ChartJs,
  Legend,
  LinearScale,
  Tooltip,
} from 'chart.js'
import { MatrixController, MatrixElement } from 'chartjs-chart-matrix'
import { useEffect, useRef } from 'preact/hooks'
import { theme } from '../theme.ts'

ChartJs.register(
  BarController,
  BarElement,
  CategoryScale,
  LinearScale,
  Tooltip,
  Legend,
  MatrixController,
  MatrixElement,
)
ChartJs.defaults.color = theme.muted
ChartJs.defaults.borderColor = theme.line
ChartJs.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", sans-serif'
ChartJs.defaults.animation = false
ChartJs.defaults.maintainAspectRatio = false
ChartJs.defaults.plugins.legend.labels.boxWidth = 12

// The configs built here are bar or matrix charts; Chart.js's generic config type is wider than either.
// biome-ignore lint/suspicious/noExplicitAny: Chart.js types a config per chart type; the component takes any.
export type AnyChartConfig = ChartConfiguration<any, any, any>

type ChartProps = {
  /** A stable name: `data-chart` on the canvas. */
  name: string
  /** The chart's accessible description (what it shows, with the headline figure). */
  label: string
  config: AnyChartConfig
  /** CSS height of the chart area; the width follows the container. */
  height: number
}

const points = (config: AnyChartConfig) =>
  (config.data.datasets as { data: unknown[] }[]).reduce((total, d) => total + d.data.length, 0)

export function Chart({ name, label, config, height }: ChartProps) {
  const canvas = useRef<HTMLCanvasElement>(null)
  const chart = useRef<ChartJs | null>(null)
  useEffect(() => {
    if (!canvas.current) return
    if (!chart.current) {
      chart.current = new ChartJs(canvas.current, config)
    } else {
      chart.current.data = config.data
      chart.current.options = config.options ?? {}
      chart.current.update('none')
    }
  }, [config])
  useEffect(
    () => () => {
      chart.current?.destroy()
      chart.current = null
    },
    [],
  )
  return (
    <div class="chart" style={{ height: `${height}px` }}>
      <canvas ref={canvas} role="img" aria-label={label} data-chart={name} data-points={points(config)}>
        {label}
      </canvas>
    </div>
  )
}
