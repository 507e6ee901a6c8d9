/**
 * Worker threads change no bit: matrix products split among 1, 2, 3 or 4 threads equal the single-thread kernels
 * bit for bit on random shapes (fewer rows than threads included), and an MNIST MLP trained with 1, 2 or 4 workers
 * ends on the same golden weights hash as the plain trainer. The row split covers every row once.
 */
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createKernelPool,
  createMlpTrainer,
  createParallelMlpTrainer,
  createRandom,
  type Dataset,
  KERNELS,
  type KernelPool,
  type MlpSpec,
  outputRows,
  runKernel,
  share,
  sharedFloat32,
  tensorsHash,
} from '../src/index.ts'
import { digits } from './helpers/digits.ts'

describe('the row split', () => {
  it('property: the parts are contiguous, cover every row once, and differ in size by at most one', () => {
    fc.assert(
      fc.property(fc.nat(5_000), fc.integer({ min: 1, max: 64 }), (rows, parts) => {
        let next = 0
        const sizes: number[] = []
        for (let p = 0; p < parts; p++) {
          const [from, to] = share(rows, p, parts)
          expect(from).toBe(next)
          expect(to).toBeGreaterThanOrEqual(from)
          sizes.push(to - from)
          next = to
        }
        expect(next).toBe(rows)
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1)
      }),
    )
  })
})

describe('a kernel pool', () => {
  const MAX = 40 * 40
  const a = sharedFloat32(MAX)
  const b = sharedFloat32(MAX)
  const out = sharedFloat32(MAX)
  const pools: KernelPool[] = []
  beforeAll(async () => {
    for (const workers of [2, 3, 4]) pools.push(await createKernelPool(workers, [a, b, out]))
  })
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.close()))
  })

  it('property: every kernel, split among 2, 3 or 4 threads, equals the single-thread kernel bit for bit', () => {
    const random = createRandom(99)
    fc.assert(
      fc.property(
        fc.constantFrom(...KERNELS),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 40 }),
        (kernel, d1, d2, d3) => {
          // Values spread over many binades, signs mixed, so rounding differences would show.
          for (let i = 0; i < MAX; i++) {
            a[i] = Math.fround((random.float32() - 0.5) * 2 ** ((i % 17) - 8))
            b[i] = Math.fround((random.float32() - 0.5) * 2 ** ((i % 13) - 6))
          }
          const expected = new Float32Array(MAX)
          runKernel(kernel, a, b, expected, d1, d2, d3, 0, outputRows(kernel, d1, d2))
          for (const pool of pools) {
            out.fill(Number.NaN)
            pool.run(kernel, a, b, out, d1, d2, d3)
            const size = kernel === 'matmul' ? d1 * d3 : kernel === 'matmulTransA' ? d2 * d3 : d1 * d3
            expect(Buffer.from(out.buffer, 0, size * 4).equals(Buffer.from(expected.buffer, 0, size * 4))).toBe(true)
          }
        },
      ),
      { numRuns: 150 },
    )
  })

  it('refuses a tensor it does not share, memory that is not shared, and a bad worker count', async () => {
    const pool = pools[0] as KernelPool
    expect(() => pool.run('matmul', a, b, new Float32Array(4), 1, 1, 1)).toThrow(/not registered/)
    await expect(createKernelPool(2, [new Float32Array(4)])).rejects.toThrow(/shared memory/)
    await expect(createKernelPool(0, [a])).rejects.toThrow(/from 1 to 64/)
    await expect(createKernelPool(2.5, [a])).rejects.toThrow(/integer/)
  })
})

describe('an MLP trained on worker threads', () => {
  let train: Dataset
  beforeAll(() => {
    train = digits().train
  })
  const spec: MlpSpec = {
    layers: [784, 32, 10],
    optimizer: { kind: 'sgd', learningRate: 0.05, momentum: 0.9 },
    batchSize: 32,
    seed: 7,
  }

  it('gives the plain trainer golden bits with 1, 2 and 4 workers', async () => {
    const plain = createMlpTrainer(spec, train)
    const losses = Array.from({ length: 60 }, () => plain.step())
    const golden = tensorsHash(plain.params)
    // The same golden hash as mlp.test.ts: the split touches nothing of the engine's arithmetic.
    expect(golden).toBe('0x74828286c1f60ae6f9a95cb7a3e3334a7fe46adec397251ab115808c792fd37d')
    // Four threads on two busy cores wait on each other at every product: a few seconds here, far more when the
    // test runner's other files load both cores, hence the long timeout.
    for (const workers of [1, 2, 4]) {
      const trainer = await createParallelMlpTrainer(spec, train, workers)
      try {
        const seen = Array.from({ length: 60 }, () => trainer.step())
        expect(seen).toEqual(losses)
        expect(tensorsHash(trainer.params)).toBe(golden)
        expect(tensorsHash(trainer.optimizer.slots.flat())).toBe(tensorsHash(plain.optimizer.slots.flat()))
      } finally {
        await trainer.close()
      }
    }
  }, 300_000)
})
