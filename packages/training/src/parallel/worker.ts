/**
 * A training worker thread (started by parallel/pool.ts): waits for a call on the shared control words, computes
 * its share of the kernel's output rows, counts itself done, and waits again, until the pool stops it.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { KERNELS, outputRows, runKernel, share } from './kernels.ts'
import { CONTROL, type WorkerInit } from './pool.ts'

const { control: controlBuffer, buffers, part, parts } = workerData as WorkerInit
const control = new Int32Array(controlBuffer)
const tensors = buffers.map((b) => new Float32Array(b))
let seen = Atomics.load(control, CONTROL.generation)
parentPort?.postMessage('ready')
for (;;) {
  Atomics.wait(control, CONTROL.generation, seen)
  seen = Atomics.load(control, CONTROL.generation)
  if (Atomics.load(control, CONTROL.stop) === 1) break
  const kernel = KERNELS[control[CONTROL.kernel] as number] as (typeof KERNELS)[number]
  const [d1, d2, d3] = [control[CONTROL.d1], control[CONTROL.d2], control[CONTROL.d3]] as [number, number, number]
  const [from, to] = share(outputRows(kernel, d1, d2), part, parts)
  runKernel(
    kernel,
    tensors[control[CONTROL.a] as number] as Float32Array,
    tensors[control[CONTROL.b] as number] as Float32Array,
    tensors[control[CONTROL.out] as number] as Float32Array,
    d1,
    d2,
    d3,
    from,
    to,
  )
  if (Atomics.sub(control, CONTROL.running, 1) === 1) Atomics.notify(control, CONTROL.running)
}
