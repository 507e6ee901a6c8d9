/**
 * An MLP trainer whose matrix products run on `workers` threads (the caller's included), in shared memory. It is the
 * same trainer as `createMlpTrainer` — same state, same steps, same bits — plus `close()` to end the threads.
 */
import { createMlpTrainer, type Dataset, type MlpSpec, type MlpTrainer } from '../mlp.ts'
import { createKernelPool, type KernelPool, sharedFloat32 } from './pool.ts'

export type ParallelMlpTrainer = MlpTrainer & { readonly workers: number; close: () => Promise<void> }

export async function createParallelMlpTrainer(
  spec: MlpSpec,
  data: Dataset,
  workers: number,
): Promise<ParallelMlpTrainer> {
  let pool: KernelPool | undefined
  const trainer = createMlpTrainer(spec, data, {
    allocate: sharedFloat32,
    run: (kernel, a, b, out, d1, d2, d3) => (pool as KernelPool).run(kernel, a, b, out, d1, d2, d3),
  })
  pool = await createKernelPool(workers, trainer.tensors)
  const started = pool
  return Object.assign(trainer, { workers, close: () => started.close() })
}
