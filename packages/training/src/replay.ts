/**
 * Any step's state from a run's checkpoints: the state after `step` steps is the checkpoint below it stepped forward
 * (at most C − 1 steps), with the last state kept so that walking a segment forward costs one step a call. What a
 * provider answers a dispute from, and what a verifier re-executes a segment with.
 */
import { createMlpTrainer, type Dataset, type MlpSpec, type OnOp, type TrainerState } from './mlp.ts'

export type Replayer = (step: number) => TrainerState

/**
 * `checkpoint(i)` gives the state after i·`every` steps (undefined when this party does not hold it: the replay then
 * starts from the nearest held checkpoint below). `tamper` applies a fault to a step (tests only).
 */
export function replayer(
  spec: MlpSpec,
  data: Dataset,
  checkpoint: (index: number) => TrainerState | undefined,
  every: number,
  tamper?: (step: number) => OnOp | undefined,
): Replayer {
  let last: TrainerState | undefined
  return (step) => {
    if (!Number.isInteger(step) || step < 0) throw new RangeError(`no step ${step}`)
    if (last?.steps === step) return last
    let s: TrainerState | undefined
    if (last && last.steps < step && Math.floor(last.steps / every) === Math.floor(step / every)) s = last
    for (let i = Math.floor(step / every); !s && i >= 0; i--) s = checkpoint(i)
    if (!s) throw new RangeError(`no checkpoint at or below step ${step}`)
    while (s.steps < step) {
      const onOp = tamper?.(s.steps)
      const t = createMlpTrainer(spec, data, onOp ? { resume: s, onOp } : { resume: s })
      t.step()
      s = t.snapshot()
    }
    last = s
    return s
  }
}
