import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: [
      'contracts/test/**/*.test.ts',
      'models/**/*.test.ts',
      'packages/*/test/**/*.test.ts',
      'test/**/*.test.ts',
    ],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: run two test files at a time, each with its own anvil.
    pool: 'forks',
    maxWorkers: 2,
    fileParallelism: true,
    reporters: ['default', './test/helpers/summary-reporter.ts'],
  },
})
