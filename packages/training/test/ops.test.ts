/**
 * The engine's operations against plain reference loops that spell the rules out (each product rounded to binary32,
 * then each sum, in ascending index): same bits, whatever the shapes; and softmax cross-entropy against a binary64
 * computation.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { matmul, matmulTransA, matmulTransB, softmaxCrossEntropy } from '../src/index.ts'

const f = Math.fround

/** A reference dot-product matmul: out[i][j] = Σ_k a[i][k]·b[k][j], every step rounded, k ascending. */
function reference(a: Float32Array, b: Float32Array, m: number, k: number, n: number): Float32Array {
  const out = new Float32Array(m * n)
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let acc = 0
      for (let kk = 0; kk < k; kk++) acc = f(acc + f((a[i * k + kk] as number) * (b[kk * n + j] as number)))
      out[i * n + j] = acc
    }
  }
  return out
}

const transpose = (x: Float32Array, rows: number, cols: number) => {
  const out = new Float32Array(rows * cols)
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = x[r * cols + c] as number
  return out
}

const shapes = fc.tuple(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }))
const values = (length: number) =>
  fc
    .array(fc.float({ min: -1e4, max: 1e4, noNaN: true }), { minLength: length, maxLength: length })
    .map((v) => new Float32Array(v))

describe('matmul and its transposes', () => {
  it('property: the same bits as the rounded dot-product reference, for any shape and values', () => {
    fc.assert(
      fc.property(
        shapes.chain(([m, k, n]) => fc.tuple(fc.constant([m, k, n] as const), values(m * k), values(k * n))),
        ([[m, k, n], a, b]) => {
          const out = new Float32Array(m * n)
          matmul(a, b, m, k, n, out)
          expect(out).toEqual(reference(a, b, m, k, n))
          // a·bᵀ with b given as its transpose: the same bits again.
          const viaB = new Float32Array(m * n)
          matmulTransB(a, transpose(b, k, n), m, k, n, viaB)
          expect(viaB).toEqual(reference(a, b, m, k, n))
        },
      ),
      { numRuns: 300 },
    )
  })

  it('property: matmulTransA(a, b) is aᵀ·b by the reference', () => {
    fc.assert(
      fc.property(
        shapes.chain(([m, k, n]) => fc.tuple(fc.constant([m, k, n] as const), values(m * k), values(m * n))),
        ([[m, k, n], a, b]) => {
          const out = new Float32Array(k * n)
          matmulTransA(a, b, m, k, n, out)
          expect(out).toEqual(reference(transpose(a, m, k), b, k, m, n))
        },
      ),
      { numRuns: 300 },
    )
  })
})

describe('softmaxCrossEntropy', () => {
  it('property: the loss and gradient agree with binary64 within 1e-5, and each gradient row sums to ~0', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 2, max: 10 }),
        fc.integer({ min: 0, max: 2 ** 31 }),
        (m, n, seed) => {
          const logits = new Float32Array(m * n).map((_, i) => f(Math.sin(seed + i * 7.1) * 20))
          const labels = Array.from({ length: m }, (_, i) => (seed + i) % n)
          const grad = new Float32Array(m * n)
          const loss = softmaxCrossEntropy(logits, labels, m, n, grad)
          let expected = 0
          for (let i = 0; i < m; i++) {
            const row = Array.from(logits.subarray(i * n, (i + 1) * n))
            const max = Math.max(...row)
            const sum = row.reduce((s, z) => s + Math.exp(z - max), 0)
            expected += Math.log(sum) - ((row[labels[i] as number] as number) - max)
            row.forEach((z, j) => {
              const p = Math.exp(z - max) / sum
              expect(Math.abs((grad[i * n + j] as number) - (p - (j === labels[i] ? 1 : 0)) / m)).toBeLessThan(1e-5)
            })
            const rowSum = Array.from(grad.subarray(i * n, (i + 1) * n)).reduce((s, g) => s + g, 0)
            expect(Math.abs(rowSum)).toBeLessThan(1e-5)
          }
          expect(Math.abs(loss - expected / m)).toBeLessThan(1e-4 * Math.max(1, expected / m))
        },
      ),
      { numRuns: 300 },
    )
  })
})
