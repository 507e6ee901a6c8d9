/**
 * The layered-graph layout both lineage graphs use (models by generation, data → model → output by kind): nodes put
 * in columns, a row each within its column, and boxes of one size on a grid, so no two boxes ever overlap. Pure, so
 * its properties are tested without a browser.
 */

export type Placed<node> = node & { column: number; row: number }

/**
 * Puts each node in its column (`columnOf`), rows numbered from 0 within a column in the order of `nodes`. Returns
 * the nodes placed (in the order given), the number of columns (one past the highest used) and of rows (the fullest
 * column's).
 */
export function placeInColumns<node>(nodes: readonly node[], columnOf: (n: node) => number) {
  const rows = new Map<number, number>()
  const placed: Placed<node>[] = nodes.map((n) => {
    const column = columnOf(n)
    const row = rows.get(column) ?? 0
    rows.set(column, row + 1)
    return { ...n, column, row }
  })
  const columns = placed.reduce((c, n) => Math.max(c, n.column + 1), 0)
  return { nodes: placed, columns, rows: Math.max(0, ...rows.values()) }
}

export type Grid = { width: number; height: number; gapX: number; gapY: number; pad: number }

/** The top-left corner of the box at (column, row). */
export const boxAt = (grid: Grid, column: number, row: number) => ({
  x: grid.pad + column * (grid.width + grid.gapX),
  y: grid.pad + row * (grid.height + grid.gapY),
})

/** The drawing's size for `columns` × `rows` boxes, padding included. */
export const gridSize = (grid: Grid, columns: number, rows: number) => ({
  width: grid.pad * 2 + columns * grid.width + Math.max(0, columns - 1) * grid.gapX,
  height: grid.pad * 2 + rows * grid.height + Math.max(0, rows - 1) * grid.gapY,
})
