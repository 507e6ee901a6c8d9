/**
 * Optimizers over binary32 parameters, element by element (no reductions, so any partition gives the same bits):
 * SGD with momentum and Adam. Their state is part of what a training step commits to.
 */
import { sqrt32 } from './f32.ts'

const f = Math.fround

export type Sgd = { kind: 'sgd'; learningRate: number; momentum: number }
export type Adam = { kind: 'adam'; learningRate: number; beta1: number; beta2: number; epsilon: number }
export type OptimizerSpec = Sgd | Adam

/**
 * Per-parameter-tensor state: SGD keeps one velocity, Adam two moments; `step` counts updates, and Adam's β₁^t and
 * β₂^t are carried as t rounded multiplications (no `pow`).
 */
export type OptimizerState = { step: number; slots: Float32Array[][]; beta1Power: number; beta2Power: number }

export function createOptimizerState(spec: OptimizerSpec, shapes: readonly number[]): OptimizerState {
  const per = spec.kind === 'sgd' ? 1 : 2
  const slots = shapes.map((size) => Array.from({ length: per }, () => new Float32Array(size)))
  return { step: 0, slots, beta1Power: 1, beta2Power: 1 }
}

/** One update of every parameter tensor in `params` from `grads` (same order and sizes). */
export function optimizerStep(
  spec: OptimizerSpec,
  state: OptimizerState,
  params: Float32Array[],
  grads: Float32Array[],
): void {
  state.step += 1
  const lr = f(spec.learningRate)
  if (spec.kind === 'sgd') {
    const mu = f(spec.momentum)
    params.forEach((w, t) => {
      const g = grads[t] as Float32Array
      const v = (state.slots[t] as Float32Array[])[0] as Float32Array
      for (let i = 0; i < w.length; i++) {
        v[i] = f(mu * (v[i] as number)) + (g[i] as number)
        w[i] = (w[i] as number) - f(lr * (v[i] as number))
      }
    })
    return
  }
  const b1 = f(spec.beta1)
  const b2 = f(spec.beta2)
  const eps = f(spec.epsilon)
  state.beta1Power = f(state.beta1Power * b1)
  state.beta2Power = f(state.beta2Power * b2)
  const c1 = f(1 - state.beta1Power)
  const c2 = f(1 - state.beta2Power)
  const one1 = f(1 - b1)
  const one2 = f(1 - b2)
  params.forEach((w, t) => {
    const g = grads[t] as Float32Array
    const [m, v] = state.slots[t] as [Float32Array, Float32Array]
    for (let i = 0; i < w.length; i++) {
      const gi = g[i] as number
      m[i] = f(b1 * (m[i] as number)) + f(one1 * gi)
      v[i] = f(b2 * (v[i] as number)) + f(one2 * f(gi * gi))
      const mHat = f((m[i] as number) / c1)
      const vHat = f((v[i] as number) / c2)
      w[i] = (w[i] as number) - f(f(lr * mHat) / f(sqrt32(vHat) + eps))
    }
  })
}
