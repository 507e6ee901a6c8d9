/**
 * The kernels workers share (parallel/pool.ts), by number, and how a kernel's output rows are split among the
 * threads. Each thread computes whole output elements, each in the engine's one fixed order, so the split can change
 * neither a bit nor the order of any reduction (docs/training.md).
 */
import { matmul, matmulTransA, matmulTransB } from '../ops.ts'

export const KERNELS = ['matmul', 'matmulTransA', 'matmulTransB'] as const
export type KernelName = (typeof KERNELS)[number]

/** Runs a matrix product: on this thread, or with a pool split among worker threads (same bits). */
export type RunKernel = (
  kernel: KernelName,
  a: Float32Array,
  b: Float32Array,
  out: Float32Array,
  d1: number,
  d2: number,
  d3: number,
) => void

/** The output rows of a kernel call, which the threads split. */
export function outputRows(kernel: KernelName, m: number, k: number): number {
  return kernel === 'matmulTransA' ? k : m
}

/** Thread `part` of `parts`' share [from, to) of `rows` rows: contiguous, sizes differing by at most one. */
export function share(rows: number, part: number, parts: number): [number, number] {
  const base = Math.floor(rows / parts)
  const extra = rows % parts
  const from = part * base + Math.min(part, extra)
  return [from, from + base + (part < extra ? 1 : 0)]
}

/** Runs `kernel` over output rows [from, to). Argument order as the ops': a, b, then the three dimensions. */
export function runKernel(
  kernel: KernelName,
  a: Float32Array,
  b: Float32Array,
  out: Float32Array,
  m: number,
  k: number,
  n: number,
  from: number,
  to: number,
): void {
  if (from >= to) return
  if (kernel === 'matmul') matmul(a, b, m, k, n, out, from, to)
  else if (kernel === 'matmulTransA') matmulTransA(a, b, m, k, n, out, from, to)
  else matmulTransB(a, b, m, k, n, out, from, to)
}
