#!/usr/bin/env node
// The `mycel` command. The workspace runs its TypeScript sources directly through tsx's loader: no build step.
import { register } from 'tsx/esm/api'

register()
const { main } = await import('../src/main.ts')
await main(process.argv)
