/**
 * The closing summary line counts what vitest fails without a failing test: a `beforeAll` that throws and a test file
 * that cannot load are each one failure, named with their error above the line. Runs vitest on fixtures in a child
 * process, as CI would.
 */
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '..', '..')

describe('summary reporter', () => {
  it('counts a failed beforeAll and a file that errors as failed, naming file, suite and error; a failed test once', () => {
    const run = spawnSync(
      process.execPath,
      [
        join(root, 'node_modules', 'vitest', 'vitest.mjs'),
        'run',
        '--config',
        'test/tooling/fixtures/summary/vitest.config.ts',
      ],
      { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' }, timeout: 120_000 },
    )
    const lines = run.stdout.trim().split('\n')
    expect(run.status, run.stderr).toBe(1)
    expect(lines.at(-1)).toBe('tests: 1 passed, 3 failed, 2 skipped')
    expect(lines).toContain(
      'failed outside a test: test/tooling/fixtures/summary/beforeAllFails.fixture.ts › dashboard in a browser: ' +
        'Error: fixture: no Chromium found at /usr/bin/chromium',
    )
    expect(lines).toContain(
      'failed outside a test: test/tooling/fixtures/summary/importFails.fixture.ts: Error: fixture: cannot load this file',
    )
    expect(lines.filter((line) => line.startsWith('failed outside a test:'))).toHaveLength(2)
  })
})
