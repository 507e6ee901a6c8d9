/**
 * The engine's operations on row-major binary32 matrices (`Float32Array`, which rounds every stored value to
 * binary32, ties to even). Every reduction runs in one fixed order — ascending index — whatever the shapes or the
 * number of workers, and every product is rounded to binary32 before it is added, so each result is one defined
 * sequence of correctly rounded operations (docs/training.md).
 */
import { exp32, log32 } from './f32.ts'

const f = Math.fround

/**
 * out[m×n] = a[m×k] · b[k×n]; out[i][j] = (((a[i][0]·b[0][j]) + a[i][1]·b[1][j]) + …), each step rounded.
 * `from`/`to` restrict it to output rows [from, to) — how workers share it (parallel/pool.ts): each output element is
 * still computed whole, by one thread, in the same order.
 */
export function matmul(
  a: Float32Array,
  b: Float32Array,
  m: number,
  k: number,
  n: number,
  out: Float32Array,
  from = 0,
  to = m,
): void {
  out.fill(0, from * n, to * n)
  // i-k-j order: each out[i][j] still receives its k terms in ascending k; the inner loop runs along rows.
  for (let i = from; i < to; i++) {
    const row = i * n
    for (let kk = 0; kk < k; kk++) {
      const x = a[i * k + kk] as number
      const brow = kk * n
      for (let j = 0; j < n; j++) out[row + j] = (out[row + j] as number) + f(x * (b[brow + j] as number))
    }
  }
}

/**
 * out[k×n] = aᵀ · b for a[m×k], b[m×n] (a weight gradient: the batch reduced in ascending row order); `from`/`to`
 * restrict it to output rows [from, to) of the k.
 */
export function matmulTransA(
  a: Float32Array,
  b: Float32Array,
  m: number,
  k: number,
  n: number,
  out: Float32Array,
  from = 0,
  to = k,
) {
  out.fill(0, from * n, to * n)
  for (let i = 0; i < m; i++) {
    const brow = i * n
    for (let kk = from; kk < to; kk++) {
      const x = a[i * k + kk] as number
      const row = kk * n
      for (let j = 0; j < n; j++) out[row + j] = (out[row + j] as number) + f(x * (b[brow + j] as number))
    }
  }
}

/**
 * out[m×k] = a · bᵀ for a[m×n], b[k×n] (an input gradient: each dot product in ascending index); `from`/`to`
 * restrict it to output rows [from, to).
 */
export function matmulTransB(
  a: Float32Array,
  b: Float32Array,
  m: number,
  n: number,
  k: number,
  out: Float32Array,
  from = 0,
  to = m,
) {
  for (let i = from; i < to; i++) {
    for (let kk = 0; kk < k; kk++) {
      let acc = 0
      for (let j = 0; j < n; j++) acc = f(acc + f((a[i * n + j] as number) * (b[kk * n + j] as number)))
      out[i * k + kk] = acc
    }
  }
}

/** x[m×n] += bias[n] on every row. */
export function addBias(x: Float32Array, bias: Float32Array, m: number, n: number): void {
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) x[i * n + j] = (x[i * n + j] as number) + (bias[j] as number)
}

/** out[n] = the column sums of x[m×n], rows in ascending order (a bias gradient). */
export function columnSums(x: Float32Array, m: number, n: number, out: Float32Array): void {
  out.fill(0, 0, n)
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[j] = (out[j] as number) + (x[i * n + j] as number)
}

/** ReLU in place. −0 and NaN stay as they are (max(x, 0) written as a comparison: no engine-dependent sign of 0). */
export function relu(x: Float32Array, length = x.length): void {
  for (let i = 0; i < length; i++) if ((x[i] as number) < 0) x[i] = 0
}

/** The ReLU gradient in place: grad is zeroed where the layer's output was not positive. */
export function reluBackward(grad: Float32Array, output: Float32Array, length = grad.length): void {
  for (let i = 0; i < length; i++) if (!((output[i] as number) > 0)) grad[i] = 0
}

/**
 * One row's softmax numerators: out[j] = exp(z_j − max z) for the n logits at `offset` (the maximum first, so
 * nothing overflows), written at `outOffset`; returns the maximum and their sum (ascending index).
 */
export function expRow(logits: Float32Array, offset: number, n: number, out: Float32Array, outOffset: number) {
  let max = logits[offset] as number
  for (let j = 1; j < n; j++) if ((logits[offset + j] as number) > max) max = logits[offset + j] as number
  let sum = 0
  for (let j = 0; j < n; j++) {
    const e = exp32(f((logits[offset + j] as number) - max))
    out[outOffset + j] = e
    sum = f(sum + e)
  }
  return { max, sum }
}

/**
 * Softmax cross-entropy over logits[m×n] with integer labels: returns the mean loss and writes the gradient with
 * respect to the logits, (softmax − one-hot) / m, into `grad`. Each row subtracts its maximum first (no overflow);
 * sums run in ascending index; the mean over rows too. Each row's maximum and sum of exponentials go to `rowMax` and
 * `rowSum` when given (the step's trace commits them, so a disputed gradient element reads four values).
 */
export function softmaxCrossEntropy(
  logits: Float32Array,
  labels: ArrayLike<number>,
  m: number,
  n: number,
  grad: Float32Array,
  rowMax?: Float32Array,
  rowSum?: Float32Array,
): number {
  let total = 0
  const inverseM = f(1 / m)
  for (let i = 0; i < m; i++) {
    const row = i * n
    const { max, sum } = expRow(logits, row, n, grad, row)
    if (rowMax) rowMax[i] = max
    if (rowSum) rowSum[i] = sum
    const label = labels[i] as number
    // −log softmax[label] = log(sum) − (z_label − max)
    total = f(total + f(log32(sum) - f((logits[row + label] as number) - max)))
    for (let j = 0; j < n; j++) {
      const p = f((grad[row + j] as number) / sum)
      grad[row + j] = f(f(j === label ? p - 1 : p) * inverseM)
    }
  }
  return f(total * inverseM)
}
