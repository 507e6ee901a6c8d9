/**
 * `mycel train local` as a user runs it (the real bin, in a child process): a small MNIST spec trains to the same
 * weights hash twice, learns, and `--out` writes ONNX that onnxruntime runs; a bad spec, a missing file and a bad
 * --steps exit 2 naming what is wrong.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { InferenceSession } from 'onnxruntime-node'
import { afterAll, describe, expect, it } from 'vitest'
import { tempDir } from '../../../test/helpers/chain.ts'
import { runCli } from '../../../test/helpers/cli.ts'

const dir = tempDir('mycel-cli-train-')
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const cli = (...args: string[]) => runCli(['--data-dir', dir, ...args])

const spec = {
  model: { type: 'mlp', layers: [784, 16, 10] },
  dataset: 'mnist',
  optimizer: { kind: 'sgd', learningRate: 0.05, momentum: 0.9 },
  batchSize: 32,
  seed: 5,
  steps: 80,
}
const specFile = join(dir, 'small.spec.json')
writeFileSync(specFile, JSON.stringify(spec))

describe('mycel train local', () => {
  it('trains to the same weights hash twice, learns, and writes ONNX that onnxruntime loads', async () => {
    const out = join(dir, 'small.onnx')
    const first = await cli('train', 'local', '--spec', specFile, '--out', out, '--json')
    expect(first.code, first.stderr).toBe(0)
    const a = JSON.parse(first.stdout) as { weightsHash: string; accuracy: number; steps: number; testExamples: number }
    expect(a.weightsHash).toMatch(/^0x[0-9a-f]{64}$/)
    expect(a.steps).toBe(80)
    expect(a.accuracy).toBeGreaterThan(0.6)
    expect(a.testExamples).toBeGreaterThan(1000)
    // On 3 worker threads: the same bits.
    const second = await cli('train', 'local', '--spec', specFile, '--workers', '3', '--json')
    expect(second.code, second.stderr).toBe(0)
    const b = JSON.parse(second.stdout) as { weightsHash: string; workers: number }
    expect(b).toMatchObject({ weightsHash: a.weightsHash, workers: 3 })
    const shorter = await cli('train', 'local', '--spec', specFile, '--steps', '79', '--json')
    expect((JSON.parse(shorter.stdout) as { weightsHash: string }).weightsHash).not.toBe(a.weightsHash)
    const session = await InferenceSession.create(new Uint8Array(readFileSync(out)))
    expect(session.inputNames).toEqual(['input'])
    await session.release()
  })

  it('names what is wrong: a bad field, a missing file, bad JSON, a bad --steps (exit 2)', async () => {
    const bad = join(dir, 'bad.spec.json')
    writeFileSync(bad, JSON.stringify({ ...spec, batchSize: 0, optimizer: { kind: 'rmsprop', learningRate: 1 } }))
    const refused = await cli('train', 'local', '--spec', bad)
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain('batchSize')
    expect(refused.stderr).toContain('optimizer')
    const missing = await cli('train', 'local', '--spec', join(dir, 'nope.json'))
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('no such file')
    writeFileSync(bad, '{"model":')
    expect((await cli('train', 'local', '--spec', bad)).stderr).toContain('not valid JSON')
    const steps = await cli('train', 'local', '--spec', specFile, '--steps', 'many')
    expect(steps.code).toBe(2)
    expect(steps.stderr).toContain('--steps must be an integer')
    const workers = await cli('train', 'local', '--spec', specFile, '--workers', '0')
    expect(workers.code).toBe(2)
    expect(workers.stderr).toContain('--workers')
  })

  it('mycel train local --help', async () => {
    const help = await cli('train', 'local', '--help')
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('--spec <file>')
    expect(help.stdout).toContain('--out <file>')
    expect(help.stdout).toContain('--workers <k>')
  })
})
