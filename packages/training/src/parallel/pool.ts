/**
 * Worker threads for the engine's matrix products. `createKernelPool(workers, buffers)` starts `workers − 1`
 * threads (the calling thread is the last worker) that see the trainer's tensors through SharedArrayBuffers;
 * `run(kernel, a, b, out, d1, d2, d3)` splits the kernel's output rows among all threads and returns when every row
 * is done — synchronously, so a training step stays a plain function. Each output element is computed whole by one
 * thread in the engine's fixed order: 1, 2 or 4 workers give the same bits (tests/parallel.test.ts).
 *
 * Synchronisation is one Int32Array over shared memory: the caller writes the call, bumps a generation counter and
 * `Atomics.notify`s; each worker computes its share and decrements a counter of threads still running; the caller
 * waits (`Atomics.wait`) for it to reach zero. A worker that fails or hangs surfaces as an error after
 * {@link CALL_TIMEOUT_MS}, never as a silent wrong result. The pool holds threads open: `close()` ends them.
 */
import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'
import { KERNELS, outputRows, type RunKernel, runKernel, share } from './kernels.ts'

/** Longest a call may take before the pool names the hang (a 4096×4096 product takes seconds, not minutes). */
export const CALL_TIMEOUT_MS = 120_000
export const MAX_WORKERS = 64

/** Control words in the shared Int32Array. */
export const CONTROL = { generation: 0, running: 1, kernel: 2, a: 3, b: 4, out: 5, d1: 6, d2: 7, d3: 8, stop: 9 }
const CONTROL_WORDS = 16

export type KernelPool = {
  readonly workers: number
  /** Runs `kernel` on registered tensors, split among all threads; returns when it is done. */
  run: RunKernel
  /** Ends the worker threads. */
  close: () => Promise<void>
}

export class KernelPoolError extends Error {
  override name = 'KernelPoolError'
}

/** What a worker receives at its start. */
export type WorkerInit = { control: SharedArrayBuffer; buffers: SharedArrayBuffer[]; part: number; parts: number }

/**
 * Starts a pool of `workers` threads (the caller included) over `tensors`, each backed by a SharedArrayBuffer
 * (see {@link sharedFloat32}). Resolves once every thread is ready.
 */
export async function createKernelPool(workers: number, tensors: readonly Float32Array[]): Promise<KernelPool> {
  if (!Number.isInteger(workers) || workers < 1 || workers > MAX_WORKERS) {
    throw new RangeError(`workers must be an integer from 1 to ${MAX_WORKERS}, not ${workers}`)
  }
  const buffers: SharedArrayBuffer[] = []
  const ids = new Map<Float32Array, number>()
  for (const t of tensors) {
    if (!(t.buffer instanceof SharedArrayBuffer)) throw new KernelPoolError('a pooled tensor must be shared memory')
    if (ids.has(t)) continue
    ids.set(t, buffers.length)
    buffers.push(t.buffer)
  }
  const controlBuffer = new SharedArrayBuffer(CONTROL_WORDS * 4)
  const control = new Int32Array(controlBuffer)
  const threads: Worker[] = []
  const entry = workerEntry()
  try {
    await Promise.all(
      Array.from({ length: workers - 1 }, (_, i) => {
        const worker = new Worker(entry.code, {
          eval: true,
          workerData: { control: controlBuffer, buffers, part: i, parts: workers } satisfies WorkerInit,
        })
        threads.push(worker)
        return new Promise<void>((resolve, reject) => {
          worker.once('message', (m) => (m === 'ready' ? resolve() : reject(new KernelPoolError(String(m)))))
          worker.once('error', reject)
          worker.once('exit', (code) => reject(new KernelPoolError(`a training worker exited (${code}) at start`)))
        })
      }),
    )
  } catch (error) {
    await Promise.all(threads.map((t) => t.terminate()))
    throw error
  }
  const idOf = (t: Float32Array) => {
    const id = ids.get(t)
    if (id === undefined) throw new KernelPoolError('a tensor passed to the pool was not registered with it')
    return id
  }
  let closed = false
  return {
    workers,
    run(kernel, a, b, out, d1, d2, d3) {
      if (closed) throw new KernelPoolError('the pool is closed')
      const rows = outputRows(kernel, d1, d2)
      if (workers === 1) return runKernel(kernel, a, b, out, d1, d2, d3, 0, rows)
      control[CONTROL.kernel] = KERNELS.indexOf(kernel)
      control[CONTROL.a] = idOf(a)
      control[CONTROL.b] = idOf(b)
      control[CONTROL.out] = idOf(out)
      control[CONTROL.d1] = d1
      control[CONTROL.d2] = d2
      control[CONTROL.d3] = d3
      Atomics.store(control, CONTROL.running, workers - 1)
      Atomics.add(control, CONTROL.generation, 1)
      Atomics.notify(control, CONTROL.generation)
      const [from, to] = share(rows, workers - 1, workers)
      runKernel(kernel, a, b, out, d1, d2, d3, from, to)
      const deadline = Date.now() + CALL_TIMEOUT_MS
      for (
        let left = Atomics.load(control, CONTROL.running);
        left !== 0;
        left = Atomics.load(control, CONTROL.running)
      ) {
        if (Atomics.wait(control, CONTROL.running, left, deadline - Date.now()) === 'timed-out') {
          throw new KernelPoolError(`a training worker did not finish ${kernel} within ${CALL_TIMEOUT_MS} ms`)
        }
      }
    },
    async close() {
      if (closed) return
      closed = true
      Atomics.store(control, CONTROL.stop, 1)
      Atomics.add(control, CONTROL.generation, 1)
      Atomics.notify(control, CONTROL.generation)
      await Promise.all(threads.map((t) => new Promise((resolve) => t.once('exit', resolve))))
    },
  }
}

/**
 * How a worker starts: worker.js beside this module when it is compiled, else worker.ts through tsx's loader (tests
 * and the CLI, whose bundle keeps the workspace's source paths), registered inside the worker before it loads.
 */
function workerEntry(): { code: string } {
  const source = import.meta.url.endsWith('.ts')
  const url = new URL(`./worker.${source ? 'ts' : 'js'}`, import.meta.url).href
  if (!source) return { code: `import(${JSON.stringify(url)})` }
  const tsx = createRequire(import.meta.url).resolve('tsx/esm/api')
  return { code: `require(${JSON.stringify(tsx)}).register(); import(${JSON.stringify(url)})` }
}

/** A zeroed Float32Array of `length` in shared memory, which a pool's workers can see. */
export function sharedFloat32(length: number): Float32Array {
  return new Float32Array(new SharedArrayBuffer(length * 4))
}
