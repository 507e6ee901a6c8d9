/**
 * The CLI bundle (scripts/bundle.ts): it runs, it finds the files that live beside the sources, and bin/mycel.js
 * takes it only while it is as new as every workspace file built into it.
 */
import { spawn, spawnSync } from 'node:child_process'
import { readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '../../../test/helpers/chain.ts'
import { bundleIsCurrent } from '../bin/bundle.js'
import { bundleCli } from '../scripts/bundle.ts'

const root = join(import.meta.dirname, '..', '..', '..')
// Inside the repository, as the real one: the packages left outside the bundle resolve from node_modules above it.
const dist = join(root, 'packages', 'cli', 'dist', `test-${process.pid}`)
afterAll(() => rmSync(dist, { recursive: true, force: true }))

beforeAll(async () => {
  await bundleCli({ outDir: dist })
}, 60_000)

/** A script that runs `mycel …` from the bundle in `dist`. */
const script = () => {
  const file = join(dist, 'run.mjs')
  writeFileSync(file, `const { main } = await import('./mycel.mjs'); await main(process.argv)\n`)
  return file
}
const runBundle = (...args: string[]) => spawnSync(process.execPath, [script(), ...args], { encoding: 'utf8' })

describe('the CLI bundle', () => {
  it('runs `mycel up`, finding what lives beside the sources (anvil, the models, the dashboard)', async () => {
    expect(runBundle('--help').stdout).toContain('Usage: mycel')
    const dataDir = tempDir('mycel-bundle-up-')
    const child = spawn(
      process.execPath,
      [script(), 'up', '--json', '--data-dir', dataDir, '--port', '0', '--miner-port', '0', '--no-demo'],
      { env: { ...process.env, MYCEL_LOG_LEVEL: 'warn', MYCEL_VALIDATOR: 'off', MYCEL_EPOCHS: 'off' } },
    )
    try {
      const summary = await new Promise<{ api: string; miner: { models: string[] } }>((resolve, reject) => {
        let out = ''
        let err = ''
        child.stdout.on('data', (d) => {
          out += d
          try {
            resolve(JSON.parse(out))
          } catch {}
        })
        child.stderr.on('data', (d) => {
          err += d
        })
        child.once('exit', (code) => reject(new Error(`mycel up exited with ${code}: ${err}`)))
      })
      expect(summary.miner.models).toEqual(['digits', 'text'])
      expect((await fetch(`${summary.api}/`)).status).toBe(200) // the dashboard's files
      const models = (await (await fetch(`${summary.api}/v1/models`)).json()) as { data: { id: string }[] }
      expect(models.data.map((m) => m.id).sort()).toEqual(['digits', 'text'])
    } finally {
      child.kill('SIGINT')
      await new Promise((r) => child.once('exit', r))
      rmSync(dataDir, { recursive: true, force: true })
    }
  }, 60_000)

  it('is current only while no input changed since it was built', () => {
    expect(bundleIsCurrent(dist, root)).toBe(true)
    const inputs = JSON.parse(readFileSync(join(dist, 'inputs.json'), 'utf8')) as { builtAt: number; files: string[] }
    expect(inputs.files).toContain('packages/node/src/app/start.ts')
    expect(inputs.files.every((f) => !f.includes('node_modules'))).toBe(true)

    // An input changed after the build (as an edit does): stale.
    writeFileSync(join(dist, 'inputs.json'), JSON.stringify({ ...inputs, builtAt: inputs.builtAt - 1e12 }))
    expect(bundleIsCurrent(dist, root)).toBe(false)
    // An input that is gone: stale.
    writeFileSync(join(dist, 'inputs.json'), JSON.stringify({ ...inputs, files: [...inputs.files, 'packages/x.ts'] }))
    expect(bundleIsCurrent(dist, root)).toBe(false)
    // The bundle older than its record (a build interrupted before the rename): stale.
    writeFileSync(join(dist, 'inputs.json'), JSON.stringify(inputs))
    utimesSync(join(dist, 'mycel.mjs'), new Date(inputs.builtAt - 10_000), new Date(inputs.builtAt - 10_000))
    expect(bundleIsCurrent(dist, root)).toBe(false)
    // No record at all.
    rmSync(join(dist, 'inputs.json'))
    expect(bundleIsCurrent(dist, root)).toBe(false)
  })
})
