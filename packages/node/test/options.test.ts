/** Option precedence (flag > env > config file > default) and one-line errors that name the field and the fix. */
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { tempDir } from '../../../test/helpers/chain.ts'
import { InvalidOptionsError } from '../src/common/errors.ts'
import { resolveOptions } from '../src/config/options.ts'

const cwd = tempDir('mycel-options-')
afterAll(() => rmSync(cwd, { recursive: true, force: true }))
const config = (values: unknown) => {
  const file = join(cwd, 'mycel.config.json')
  writeFileSync(file, typeof values === 'string' ? values : JSON.stringify(values))
  return file
}

describe('resolveOptions', () => {
  it('uses defaults with nothing set', () => {
    const options = resolveOptions({ env: {}, cwd: tempDir() })
    expect(options).toMatchObject({ port: 8080, host: '127.0.0.1', logLevel: 'info', seed: true, devnetPort: 0 })
    expect(options.rpcUrl).toBeUndefined()
    expect(options.dataDir.endsWith('.mycel')).toBe(true)
  })

  it('applies flag > env > config file > default', () => {
    const configFile = config({ port: 1000, host: '0.0.0.0', logLevel: 'warn', dataDir: 'from-file' })
    const options = resolveOptions({
      configFile,
      cwd,
      env: { MYCEL_PORT: '2000', MYCEL_HOST: '::1' },
      flags: { port: '3000' },
    })
    expect(options.port).toBe(3000)
    expect(options.host).toBe('::1')
    expect(options.logLevel).toBe('warn')
    expect(options.dataDir).toBe(join(cwd, 'from-file'))
    expect(options.pollIntervalMs).toBe(1000)
  })

  it('reads ./mycel.config.json from the working directory when present', () => {
    config({ port: 4321 })
    expect(resolveOptions({ env: {}, cwd }).port).toBe(4321)
  })

  it('names the field, the value, and where it was set', () => {
    expect(() => resolveOptions({ env: {}, cwd: tempDir(), flags: { port: 'abc' } })).toThrow(
      'Invalid config: port = "abc": expected a port number (set by flag --port).',
    )
    expect(() => resolveOptions({ env: { MYCEL_LOG_LEVEL: 'loud' }, cwd: tempDir() })).toThrow(
      /^Invalid config: logLevel = "loud": .* \(set by environment variable MYCEL_LOG_LEVEL; fix it there or use --log-level\)\.$/,
    )
    const file = config({ rpcUrl: 'localhost:8545' })
    expect(() => resolveOptions({ env: {}, cwd, configFile: file })).toThrow(
      `Invalid config: rpcUrl = "localhost:8545": expected an http:// or https:// URL (set by "rpcUrl" in ${file}; fix it there or use --rpc).`,
    )
  })

  it('refuses an empty or null port instead of silently picking a random one', () => {
    expect(() => resolveOptions({ env: {}, cwd: tempDir(), flags: { port: '' } })).toThrow(
      /^Invalid config: port = "": expected a port number/,
    )
    const file = config({ port: null })
    expect(() => resolveOptions({ env: {}, cwd, configFile: file })).toThrow(
      /^Invalid config: port = null: expected a port number/,
    )
    for (const odd of ['+80', '0x50', '1e3', '80.5']) {
      expect(() => resolveOptions({ env: {}, cwd: tempDir(), flags: { port: odd } })).toThrow('expected a port number')
    }
  })

  it('points options without a flag to their environment variable', () => {
    expect(() => resolveOptions({ env: { MYCEL_POLL_INTERVAL_MS: '5' }, cwd: tempDir() })).toThrow(
      /^Invalid config: pollIntervalMs = "5": .* \(set by environment variable MYCEL_POLL_INTERVAL_MS; fix it there or set MYCEL_POLL_INTERVAL_MS\)\.$/,
    )
  })

  it('rejects unknown keys, broken JSON, and a missing explicit config file, with exit code 2', () => {
    const unknown = config({ prot: 8080 })
    expect(() => resolveOptions({ env: {}, cwd, configFile: unknown })).toThrow(/unknown option "prot"/)
    const broken = config('{ "port": ')
    expect(() => resolveOptions({ env: {}, cwd, configFile: broken })).toThrow(
      /^Invalid config file .*mycel\.config\.json: /,
    )
    let error: unknown
    try {
      resolveOptions({ env: {}, cwd, configFile: 'nope.json' })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(InvalidOptionsError)
    expect((error as InvalidOptionsError).exitCode).toBe(2)
    expect((error as Error).message).toContain('does not exist')
  })

  it('property: any port from 0 to 65535 is accepted from any source, anything else is refused', () => {
    const dir = tempDir()
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: -100000, max: 200000 }), fc.string({ maxLength: 6 })), (value) => {
        const valid =
          typeof value === 'number' ? value >= 0 && value <= 65535 : /^\s*\d+\s*$/.test(value) && Number(value) <= 65535
        const attempt = () => resolveOptions({ env: { MYCEL_PORT: String(value) }, cwd: dir })
        if (String(value).trim() === '') return // empty env values count as unset
        if (valid) expect(attempt().port).toBe(Number(value))
        else expect(attempt).toThrow(InvalidOptionsError)
      }),
      { numRuns: 300 },
    )
    rmSync(dir, { recursive: true, force: true })
  })
})
