/**
 * Turns model specs into served models. A spec is
 * - a built-in model's id: `digits`, `text`, or a graded digits model (`digits-100`, `digits-200`, `digits-1000`:
 *   trained on that many samples, at install or on first use, for incentive subnets with miners of known quality);
 * - a file: `path/to/model.onnx` (served under its base name; `name=path` chooses the id);
 * - an OpenAI-compatible upstream's base URL: `http://127.0.0.1:11434/v1` (all of its models);
 * - `path/to/model.gguf`: a llama.cpp model through the optional node-llama-cpp (see docs/inference.md).
 */
import { existsSync } from 'node:fs'
import { basename, extname, resolve } from 'node:path'
import { type BuiltinModelId, builtinModels } from '@mycel/models'
import { NodeError } from '../common/errors.ts'
import type { Model } from './backend.ts'
import { loadGgufModel } from './gguf.ts'
import { loadOnnxBytes, loadOnnxModel } from './onnx.ts'
import { loadUpstreamModels } from './upstream.ts'

const MODEL_ID = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/

export class ModelSpecError extends NodeError {
  override name = 'ModelSpecError'
  constructor(spec: string, reason: string) {
    super('INVALID_MODEL', `Cannot serve model "${spec}": ${reason}`, { exitCode: 2 })
  }
}

export async function loadModels(specs: string[], cwd = process.cwd()): Promise<Model[]> {
  const models: Model[] = []
  try {
    for (const spec of specs) {
      for (const model of await loadSpec(spec.trim(), cwd)) {
        if (models.some((m) => m.id === model.id)) {
          await model.close()
          throw new ModelSpecError(
            spec,
            `a model with id "${model.id}" is already served; pick another id with name=${spec}`,
          )
        }
        models.push(model)
      }
    }
  } catch (error) {
    await Promise.all(models.map((m) => m.close()))
    throw error
  }
  return models
}

async function loadSpec(spec: string, cwd: string): Promise<Model[]> {
  if (spec in builtinModels) return [await loadOnnxModel(builtinModels[spec as BuiltinModelId], spec)]
  if (/^digits-\d+$/.test(spec)) {
    const { isGradedDigits, gradedDigitsOnnx, gradedDigits } = await import('@mycel/models/graded')
    if (!isGradedDigits(spec)) {
      throw new ModelSpecError(spec, `the graded digits models are ${Object.keys(gradedDigits).join(', ')}`)
    }
    return [await loadOnnxBytes(gradedDigitsOnnx(spec), spec, spec)]
  }
  if (/^https?:\/\//i.test(spec)) {
    try {
      return await loadUpstreamModels(spec)
    } catch (error) {
      throw new ModelSpecError(spec, (error as Error).message)
    }
  }
  const eq = spec.indexOf('=')
  const id = eq > 0 ? spec.slice(0, eq) : undefined
  const path = resolve(cwd, eq > 0 ? spec.slice(eq + 1) : spec)
  const ext = extname(path).toLowerCase()
  const modelId = id ?? basename(path, extname(path))
  if (!MODEL_ID.test(modelId))
    throw new ModelSpecError(spec, `"${modelId}" is not a valid model id (letters, digits, . _ : / -)`)
  if (ext === '.gguf') {
    if (!existsSync(path)) throw new ModelSpecError(spec, `${path} does not exist`)
    try {
      return [await loadGgufModel(path, modelId)]
    } catch (error) {
      throw new ModelSpecError(spec, (error as Error).message)
    }
  }
  if (ext !== '.onnx') {
    throw new ModelSpecError(
      spec,
      `expected a built-in model (${Object.keys(builtinModels).join(', ')}), a .onnx or .gguf file, or an http(s) upstream URL`,
    )
  }
  if (!existsSync(path)) throw new ModelSpecError(spec, `${path} does not exist`)
  try {
    return [await loadOnnxModel(path, modelId)]
  } catch (error) {
    throw new ModelSpecError(spec, (error as Error).message)
  }
}
