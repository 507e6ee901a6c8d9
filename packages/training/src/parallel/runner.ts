/**
 * A training run on a worker thread, so that a node keeps answering while it trains: the thread steps the engine from
 * a state to a step count, sends the state and its hash at every checkpoint (every C steps) and its progress, and
 * ends with the last state. The node's trainer runs a job with it and its verifier re-executes segments.
 */
import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'
import type { Hex } from 'viem'
import type { Dataset, MlpSpec, TrainerState } from '../mlp.ts'

export type RunOptions = {
  spec: MlpSpec
  data: Dataset
  /** The state to start from (default: the spec's initial state). */
  from?: TrainerState
  /** The step count to stop at. */
  to: number
  /** A checkpoint every this many steps (the state after i·every steps, the starting one included). */
  every: number
  onCheckpoint?: (index: number, state: TrainerState, hash: Hex) => void
  onProgress?: (step: number, loss: number) => void
  signal?: AbortSignal
}

export type RunMessage =
  | { type: 'checkpoint'; index: number; state: TrainerState; hash: Hex }
  | { type: 'progress'; step: number; loss: number }
  | { type: 'done'; state: TrainerState; hash: Hex }
  | { type: 'error'; message: string }

/** Runs the steps on a worker thread; resolves with the last state and its hash. */
export function runOnWorker(options: RunOptions): Promise<{ state: TrainerState; hash: Hex }> {
  const { onCheckpoint, onProgress, signal, ...job } = options
  const worker = new Worker(workerEntry(), { eval: true, workerData: job })
  return new Promise((resolve, reject) => {
    const abort = () => {
      void worker.terminate()
      reject(signal?.reason ?? new Error('training stopped'))
    }
    signal?.addEventListener('abort', abort, { once: true })
    worker.on('message', (m: RunMessage) => {
      if (m.type === 'checkpoint') onCheckpoint?.(m.index, m.state, m.hash)
      else if (m.type === 'progress') onProgress?.(m.step, m.loss)
      else if (m.type === 'error') reject(new Error(m.message))
      else {
        signal?.removeEventListener('abort', abort)
        resolve({ state: m.state, hash: m.hash })
      }
    })
    worker.once('error', reject)
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`the training thread exited with code ${code}`))
    })
  })
}

function workerEntry(): string {
  const source = import.meta.url.endsWith('.ts')
  const url = new URL(`./runnerWorker.${source ? 'ts' : 'js'}`, import.meta.url).href
  if (!source) return `import(${JSON.stringify(url)})`
  const tsx = createRequire(import.meta.url).resolve('tsx/esm/api')
  return `require(${JSON.stringify(tsx)}).register(); import(${JSON.stringify(url)})`
}
