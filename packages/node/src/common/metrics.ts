/**
 * A small Prometheus registry: counters and gauges with labels, rendered in the text exposition format for
 * `/metrics`. Enough for the node's needs without a global default registry.
 */
type Labels = Record<string, string>

type Series = { labels: Labels; value: number }

type Metric = { name: string; help: string; type: 'counter' | 'gauge'; series: Map<string, Series> }

const labelKey = (labels: Labels) =>
  Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',')

const escapeLabel = (value: string) => value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')

export class Metrics {
  readonly #metrics = new Map<string, Metric>()

  #get(name: string, help: string, type: Metric['type']): Metric {
    let metric = this.#metrics.get(name)
    if (!metric) {
      metric = { name, help, type, series: new Map() }
      this.#metrics.set(name, metric)
    }
    return metric
  }

  /** Adds `by` (default 1) to counter `name`. */
  inc(name: string, help: string, labels: Labels = {}, by = 1): void {
    const metric = this.#get(name, help, 'counter')
    const key = labelKey(labels)
    const series = metric.series.get(key) ?? { labels, value: 0 }
    series.value += by
    metric.series.set(key, series)
  }

  /** Sets gauge `name` to `value`. */
  set(name: string, help: string, value: number, labels: Labels = {}): void {
    this.#get(name, help, 'gauge').series.set(labelKey(labels), { labels, value })
  }

  /** The Prometheus text exposition of every metric. */
  render(): string {
    const lines: string[] = []
    for (const metric of this.#metrics.values()) {
      lines.push(`# HELP ${metric.name} ${metric.help}`, `# TYPE ${metric.name} ${metric.type}`)
      for (const { labels, value } of metric.series.values()) {
        const entries = Object.entries(labels)
        const rendered = entries.length ? `{${entries.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}` : ''
        lines.push(`${metric.name}${rendered} ${value}`)
      }
    }
    return `${lines.join('\n')}\n`
  }
}
