/** The thread of parallel/runner.ts: steps a trainer from a state to a step count, reporting as it goes. */
import { parentPort, workerData } from 'node:worker_threads'
import { stateHash } from '../commit.ts'
import { createMlpTrainer } from '../mlp.ts'
import type { RunMessage, RunOptions } from './runner.ts'

const post = (m: RunMessage) => parentPort?.postMessage(m)
try {
  const { spec, data, from, to, every } = workerData as Omit<RunOptions, 'onCheckpoint' | 'onProgress' | 'signal'>
  const trainer = createMlpTrainer(spec, data, from ? { resume: from } : {})
  const checkpoint = () => {
    const state = trainer.snapshot()
    post({ type: 'checkpoint', index: state.steps / every, state, hash: stateHash(state) })
  }
  if (trainer.steps % every === 0) checkpoint()
  while (trainer.steps < to) {
    const loss = trainer.step()
    if (trainer.steps % every === 0) checkpoint()
    if (trainer.steps % 10 === 0 || trainer.steps === to) post({ type: 'progress', step: trainer.steps, loss })
  }
  const state = trainer.snapshot()
  post({ type: 'done', state, hash: stateHash(state) })
} catch (error) {
  post({ type: 'error', message: (error as Error).message })
}
