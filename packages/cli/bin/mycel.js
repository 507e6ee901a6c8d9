#!/usr/bin/env node
// The `mycel` command. It runs the bundle built at install (`npm run build:cli`, see scripts/bundle.ts) while that
// bundle is as new as every workspace file that went into it, and the TypeScript sources through tsx's loader
// otherwise (or with MYCEL_FROM_SOURCE=1): an edit is never run stale, only slower until the next build.
import { join } from 'node:path'
import { bundleIsCurrent } from './bundle.js'

const dist = join(import.meta.dirname, '..', 'dist')
let main
if (process.env.MYCEL_FROM_SOURCE !== '1' && bundleIsCurrent(dist, join(import.meta.dirname, '..', '..', '..'))) {
  ;({ main } = await import(join(dist, 'mycel.mjs')))
} else {
  const { register } = await import('tsx/esm/api')
  register()
  ;({ main } = await import('../src/main.ts'))
}
await main(process.argv)
