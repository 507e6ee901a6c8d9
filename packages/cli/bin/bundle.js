// Whether the CLI bundle in `dist` is current: built after every workspace file it was built from was last changed
// (see scripts/bundle.ts). Plain JavaScript: bin/mycel.js asks before it decides whether to load tsx at all.
import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'

/** `root`: the folder the input paths in `dist/inputs.json` are relative to (the repository). */
export function bundleIsCurrent(dist, root) {
  try {
    const { builtAt, files } = JSON.parse(readFileSync(join(dist, 'inputs.json'), 'utf8'))
    if (!Number.isFinite(builtAt) || !Array.isArray(files) || files.length === 0) return false
    if (statSync(join(dist, 'mycel.mjs')).mtimeMs < builtAt) return false
    return files.every((file) => statSync(join(root, file)).mtimeMs < builtAt)
  } catch {
    return false // not built, or an input is gone
  }
}
