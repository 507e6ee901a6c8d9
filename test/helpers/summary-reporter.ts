/**
 * Ends the test run with one plain line, `tests: N passed, N failed` (and skipped when any), which CI systems that
 * read closing lines understand whatever the runner. A run that vitest fails without a failing test — a test file
 * that cannot load, a `beforeAll`/`afterAll` that throws, an unhandled error — counts each of those as one failure,
 * and the lines just above the summary name the file (and suite or hook) and the error, so the summary never says
 * "0 failed" for a red run.
 */
import type { Reporter, SerializedError, TestModule, TestSuite } from 'vitest/node'

/** Something that failed outside a test: where (file, suite) and the error's first line. */
export type RunFailure = { where: string; error: string }

const MAX_ERROR_CHARS = 300

function firstLine(error: SerializedError): string {
  const message = (error.message ?? String(error)).split('\n').find((line) => line.trim() !== '') ?? ''
  const line = error.name && !message.startsWith(error.name) ? `${error.name}: ${message}` : message
  return line.length > MAX_ERROR_CHARS ? `${line.slice(0, MAX_ERROR_CHARS)}…` : line
}

/** Failures of files, suites and hooks (not of tests), in file order, then the unhandled errors. */
export function runFailures(
  testModules: ReadonlyArray<TestModule>,
  unhandledErrors: ReadonlyArray<SerializedError> = [],
): RunFailure[] {
  const failures: RunFailure[] = []
  for (const module of testModules) {
    const file = module.relativeModuleId
    const before = failures.length
    const suites: (TestModule | TestSuite)[] = [module, ...module.children.allSuites()]
    for (const suite of suites) {
      const where = suite.type === 'module' ? file : `${file} › ${suite.fullName}`
      for (const error of suite.errors()) failures.push({ where, error: firstLine(error) })
    }
    const testFailed = [...module.children.allTests('failed')].length > 0
    if (failures.length === before && !testFailed && module.state() === 'failed') {
      failures.push({ where: file, error: 'the file failed without a failing test or an error (its worker ended?)' })
    }
  }
  for (const error of unhandledErrors) failures.push({ where: 'unhandled error', error: firstLine(error) })
  return failures
}

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError> = []): void {
    const counts = { passed: 0, failed: 0, skipped: 0, pending: 0 }
    for (const module of testModules) {
      for (const test of module.children.allTests()) counts[test.result().state] += 1
    }
    const failures = runFailures(testModules, unhandledErrors)
    const failed = counts.failed + failures.length
    const skipped = counts.skipped + counts.pending
    const lines = failures.map(({ where, error }) => `failed outside a test: ${where}: ${error}`)
    lines.push(`tests: ${counts.passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`)
    process.stdout.write(`\n${lines.join('\n')}\n`)
  }
}
