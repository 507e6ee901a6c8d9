/**
 * Yuma in plain float64, written from the equations of docs/yuma.md independently of the SDK's fixed-point code: the
 * reference the property tests compare against, and the baseline of bench/yuma.ts. Not deterministic across
 * engines (it uses Math.exp), which is exactly why the consensus code does not look like this.
 */
import { ONE, type YumaInput } from '@mycel/sdk'

export function floatYuma(input: YumaInput) {
  const v = input.stake.length
  const n = input.weights[0]?.length ?? 0
  const kappa = input.kappa / ONE
  const beta = input.bondsPenalty / ONE
  const alpha = input.alpha / ONE
  const total = input.stake.reduce((a, b) => a + Number(b), 0)
  const s = input.stake.map((x) => (total === 0 ? 0 : Number(x) / total))
  const w = input.weights.map((row) => {
    const sum = row.reduce((a, b) => a + b, 0)
    return row.map((x) => (sum === 0 ? 0 : x / sum))
  })
  const col = (m: number[][], j: number) => m.map((row) => row[j] as number)
  // The smallest nonzero sum that gets normalized: errors of 2^-32 in its terms grow by 1 / that sum.
  let conditioning = Infinity
  const normalize = (x: number[]) => {
    const sum = x.reduce((a, b) => a + b, 0)
    if (sum > 0) conditioning = Math.min(conditioning, sum)
    return x.map((y) => (sum === 0 ? 0 : y / sum))
  }
  const margins: number[] = []
  const consensus = Array.from({ length: n }, (_, j) => {
    const pairs = col(w, j)
      .map((x, i) => ({ x, s: s[i] as number }))
      .filter((p) => p.s > 0)
      .sort((a, b) => b.x - a.x)
    const needed = kappa * pairs.reduce((a, p) => a + p.s, 0)
    let acc = 0
    for (const p of pairs) {
      acc += p.s
      margins.push(Math.abs(acc - needed))
      if (acc >= needed) return p.x
    }
    return pairs.at(-1)?.x ?? 0
  })
  const clipped = w.map((row) => row.map((x, j) => Math.min(x, consensus[j] as number)))
  const ranks = Array.from({ length: n }, (_, j) => col(clipped, j).reduce((a, x, i) => a + x * (s[i] as number), 0))
  const incentive = normalize(ranks)
  const validatorTrust = clipped.map((row) => row.reduce((a, b) => a + b, 0))
  const wb = w.map((row, i) => row.map((x, j) => x - beta * (x - (clipped[i]?.[j] as number))))
  const oldB = (i: number, j: number) => (input.bonds?.[i]?.[j] ?? 0) / ONE
  let bonds: number[][]
  let dividends: number[]
  if (input.version === 'yuma3') {
    const la = input.liquidAlpha
    bonds = wb.map((row, i) =>
      row.map((x, j) => {
        const b = oldB(i, j)
        let a = alpha
        if (la) {
          const c = consensus[j] as number
          const d = x >= b ? Math.max(0, x - c) : b - x
          const sig = 1 / (1 + Math.exp((-la.steepness / 100) * (d - 0.5)))
          a = la.low / ONE + sig * ((la.high - la.low) / ONE)
        }
        return Math.min(1, (1 - a) * b + a * x)
      }),
    )
    const colSums = Array.from({ length: n }, (_, j) => col(bonds, j).reduce((a, b) => a + b, 0))
    for (const sum of colSums) if (sum > 0) conditioning = Math.min(conditioning, sum)
    dividends = normalize(
      bonds.map(
        (row, i) =>
          row.reduce(
            (a, b, j) => a + ((colSums[j] as number) === 0 ? 0 : b / (colSums[j] as number)) * (incentive[j] as number),
            0,
          ) * (s[i] as number),
      ),
    )
  } else {
    const colNorm = (m: number[][]) => {
      const sums = Array.from({ length: n }, (_, j) => col(m, j).reduce((a, b) => a + b, 0))
      for (const sum of sums) if (sum > 0) conditioning = Math.min(conditioning, sum)
      return m.map((row) => row.map((x, j) => ((sums[j] as number) === 0 ? 0 : x / (sums[j] as number))))
    }
    const old = colNorm(Array.from({ length: v }, (_, i) => Array.from({ length: n }, (_, j) => oldB(i, j))))
    const delta = colNorm(wb.map((row, i) => row.map((x) => x * (s[i] as number))))
    bonds = colNorm(delta.map((row, i) => row.map((x, j) => alpha * x + (1 - alpha) * (old[i]?.[j] as number))))
    dividends = normalize(bonds.map((row) => row.reduce((a, b, j) => a + b * (incentive[j] as number), 0)))
  }
  return {
    consensus,
    incentive,
    dividends,
    bonds,
    validatorTrust,
    margin: Math.min(Infinity, ...margins),
    conditioning,
  }
}
