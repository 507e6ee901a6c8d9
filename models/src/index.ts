/**
 * @mycel/models: the models the project trains and ships. Importing this entry gives the files' paths only (it
 * does not load training code or data).
 */
import { join } from 'node:path'

/** The built-in models, by the id miners serve them under. */
export const builtinModels = {
  /** MNIST digit classifier: input `input` float32 [batch, 784] in [0, 1], output `probabilities` [batch, 10]. */
  digits: join(import.meta.dirname, '..', 'digits', 'digits.onnx'),
  /** Character-level language model trained on SpamAssassin ham mail bodies. */
  text: join(import.meta.dirname, '..', 'text', 'text.onnx'),
} as const

export type BuiltinModelId = keyof typeof builtinModels

export { mulberry32 } from './random.ts'
