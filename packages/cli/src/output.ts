/** Printing for humans (aligned tables, key/value blocks) or machines (`--json`, one JSON document on stdout). */
const replacer = (_key: string, value: unknown) => (typeof value === 'bigint' ? value.toString() : value)

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, replacer, 2)}\n`)
}

export function printTable(rows: Record<string, unknown>[], columns: string[]): void {
  if (rows.length === 0) return
  const cells = rows.map((r) => columns.map((c) => String(r[c] ?? '')))
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => (row[i] as string).length)))
  const line = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i] as number))
      .join('  ')
      .trimEnd()
  process.stdout.write(`${line(columns.map((c) => c.toUpperCase()))}\n`)
  for (const row of cells) process.stdout.write(`${line(row)}\n`)
}

export function printLines(lines: (string | [string, unknown])[]): void {
  const labels = lines.filter((l): l is [string, unknown] => Array.isArray(l))
  const width = Math.max(0, ...labels.map(([k]) => k.length))
  for (const l of lines) {
    process.stdout.write(Array.isArray(l) ? `  ${`${l[0]}:`.padEnd(width + 2)}${String(l[1])}\n` : `${l}\n`)
  }
}

/**
 * A one-line progress bar on stderr, drawn at most every 100 ms, with `describe(done)` after the percentage; nothing
 * when stderr is not a terminal (so `--json` output and logs stay clean).
 */
export function terminalProgress(
  total: number,
  describe: (done: number) => string,
): { update: (done: number) => void; end: () => void } {
  if (!process.stderr.isTTY) return { update: () => {}, end: () => {} }
  let last = 0
  const draw = (done: number) => {
    const fraction = total > 0 ? Math.min(1, done / total) : 1
    const width = 30
    const filled = Math.round(fraction * width)
    process.stderr.write(
      `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% ${describe(done)}`,
    )
  }
  return {
    update(done) {
      if (Date.now() - last < 100) return
      last = Date.now()
      draw(done)
    },
    end() {
      draw(total)
      process.stderr.write('\n')
    },
  }
}
