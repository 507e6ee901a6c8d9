/**
 * `mycel train local` — trains a job spec on this machine with the deterministic engine (@mycel/training,
 * docs/training.md) and prints the weights hash, the loss and the held-out accuracy; `--out` writes the model as ONNX
 * for `mycel miner serve --model`. The same spec gives the same weights hash on any machine. The compute market's
 * `mycel job …` commands come with the TrainingJobs contract.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { heldOutSplit } from '@mycel/models/held-out'
import {
  accuracy,
  createMlpTrainer,
  createParallelMlpTrainer,
  datasetOf,
  denseLayers,
  MAX_WORKERS,
  mlpSpecOf,
  parseTrainingSpec,
  TrainingSpecError,
  tensorsHash,
} from '@mycel/training'
import type { Command } from 'commander'
import type { GlobalFlags } from '../context.ts'
import { usageError } from '../errors.ts'
import { parseIntegerOption } from '../options.ts'
import { printJson, printLines, terminalProgress } from '../output.ts'

function readSpec(path: string) {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch {
    throw usageError(`--spec ${path}: no such file (see examples/training/mnist.spec.json)`)
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw usageError(`--spec ${path}: not valid JSON (${(error as Error).message})`)
  }
  try {
    return parseTrainingSpec(value)
  } catch (error) {
    if (error instanceof TrainingSpecError) throw usageError(`--spec ${path}: ${error.message}`)
    throw error
  }
}

export function trainCommand(program: Command) {
  const train = program
    .command('train')
    .description('Train models with the deterministic engine: the same spec gives the same bits (docs/training.md)')
  train
    .command('local')
    .description('Train a job spec on this machine; print the weights hash, the loss and the held-out accuracy')
    .requiredOption('--spec <file>', 'a training spec JSON file (see examples/training/)')
    .option('--steps <n>', "train this many steps instead of the spec's")
    .option('--out <file>', 'write the trained model as ONNX (serve it with `mycel miner serve --model <file>`)')
    .option('--workers <k>', 'threads for the matrix products (the same bits with any number)', '1')
    .action(async (flags: { spec: string; steps?: string; out?: string; workers: string }, command: Command) => {
      const globals = command.optsWithGlobals<GlobalFlags>()
      const spec = readSpec(flags.spec)
      const steps = flags.steps === undefined ? spec.steps : parseIntegerOption('--steps', flags.steps, 1, 10_000_000)
      const workers = parseIntegerOption('--workers', flags.workers, 1, MAX_WORKERS)
      const mlp = mlpSpecOf(spec)
      const inputs = mlp.layers[0] as number
      if (inputs !== 784)
        throw usageError(`--spec ${flags.spec}: the mnist dataset has 784 inputs, the model ${inputs}`)
      const split = heldOutSplit()
      const data = datasetOf(split.train, inputs)
      const test = datasetOf(split.test, inputs)
      const started = performance.now()
      const parallel = workers > 1 ? await createParallelMlpTrainer(mlp, data, workers) : undefined
      const trainer = parallel ?? createMlpTrainer(mlp, data)
      let loss = 0
      let recent = 0
      const window = Math.min(100, steps)
      const bar = terminalProgress(steps, (done) => `step ${done} / ${steps}, loss ${loss.toFixed(4)}`)
      try {
        for (let i = 0; i < steps; i++) {
          loss = trainer.step()
          if (i >= steps - window) recent += loss
          bar.update(i + 1)
          // Let Ctrl-C and the progress bar through on long runs.
          if (i % 200 === 199) await new Promise((resolve) => setImmediate(resolve))
        }
      } finally {
        bar.end()
        await parallel?.close()
      }
      const seconds = (performance.now() - started) / 1000
      const result = {
        weightsHash: tensorsHash(trainer.params),
        loss,
        meanLoss: recent / window,
        accuracy: accuracy(mlp, trainer.params, test),
        steps,
        workers,
        seconds: Number(seconds.toFixed(2)),
        layers: mlp.layers,
        trainExamples: data.count,
        testExamples: test.count,
        ...(flags.out === undefined ? {} : { out: flags.out }),
      }
      if (flags.out !== undefined) {
        const { mlpToOnnx } = await import('@mycel/models/onnx')
        writeFileSync(flags.out, mlpToOnnx(denseLayers(mlp, trainer.params), { name: 'mycel-trained' }))
      }
      if (globals.json) return printJson(result)
      printLines([
        `trained ${mlp.layers.join('-')} for ${steps} steps in ${result.seconds} s${workers > 1 ? ` on ${workers} threads` : ''}`,
        ['weights hash', result.weightsHash],
        ['loss', `${loss.toFixed(4)} (mean of the last ${window}: ${result.meanLoss.toFixed(4)})`],
        ['accuracy', `${(result.accuracy * 100).toFixed(2)} % on ${test.count} held-out digits`],
        ...(flags.out === undefined ? [] : [['model', flags.out] as [string, string]]),
      ])
    })
}
