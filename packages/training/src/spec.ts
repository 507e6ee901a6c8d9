/**
 * A training job's spec as JSON (`examples/training/*.spec.json`, `mycel train local --spec`): the model, the
 * dataset, the optimizer, the batch size, the seed and the number of steps. Checked with zod; a bad field is named
 * with what it must be.
 */
import { z } from 'zod'
import type { MlpSpec } from './mlp.ts'

const width = z.number().int().min(1).max(65_536)
const positive = z.number().positive().finite()
const unit = z.number().min(0).lt(1)

const specSchema = z
  .object({
    model: z.object({ type: z.literal('mlp'), layers: z.array(width).min(2).max(16) }).strict(),
    /** The data to train on: `mnist` (the `mnist` package's digits, their 80 % training split) for now. */
    dataset: z.literal('mnist'),
    optimizer: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('sgd'), learningRate: positive, momentum: unit.default(0) }).strict(),
      z
        .object({
          kind: z.literal('adam'),
          learningRate: positive,
          beta1: unit.default(0.9),
          beta2: unit.default(0.999),
          epsilon: positive.default(1e-7),
        })
        .strict(),
    ]),
    batchSize: z.number().int().min(1).max(65_536),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 32 - 2),
    steps: z.number().int().min(1).max(10_000_000),
  })
  .strict()

export type TrainingSpec = z.infer<typeof specSchema>

export class TrainingSpecError extends Error {
  override name = 'TrainingSpecError'
}

/** The spec from parsed JSON; throws {@link TrainingSpecError} naming each bad field. */
export function parseTrainingSpec(value: unknown): TrainingSpec {
  const parsed = specSchema.safeParse(value)
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'spec'}: ${i.message}`)
    throw new TrainingSpecError(`Training spec: ${problems.join('; ')}`)
  }
  return parsed.data
}

/** The engine's MLP spec of a training spec. */
export function mlpSpecOf(spec: TrainingSpec): MlpSpec {
  return { layers: spec.model.layers, optimizer: spec.optimizer, batchSize: spec.batchSize, seed: spec.seed }
}
