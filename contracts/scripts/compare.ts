/**
 * Proves a restructuring of the contracts changed nothing a deployment can see: compiles the sources of a git
 * revision (`--base`, default HEAD) and the working tree with the build's own compiler settings plus storage layouts,
 * and compares, per deployable contract:
 * - the ABI: equal entry by entry (selectors, names, types, components); `internalType` labels (the Solidity name a
 *   type was declared under, e.g. `struct ISubnetRegistry.SubnetParams`) are listed apart, as they do not change the
 *   encoding;
 * - the storage layout: every variable's slot, offset and type shape (struct and contract names stripped);
 * - the runtime and creation bytecode without their metadata trailers (which hash the source paths and text, so
 *   they change with any edit): identical or not, the runtime size before and after, and the EIP-170 limit of
 *   24,576 bytes. Identical code means identical gas for every call, whatever the figures of a benchmark.
 * Exits 1 on an ABI or storage difference, a missing contract or a contract over the limit; with `--strict` also
 * when any contract's runtime code differs (a refactor that claims no behaviour change runs it so).
 *
 * Usage: `node --import tsx contracts/scripts/compare.ts [--base <git-rev>] [--strict]`
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import solc from 'solc'
import { compilerSettings, listSources } from './build.ts'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const requireFromContracts = createRequire(join(root, 'package.json'))
const MAX_RUNTIME_BYTES = 24_576

type StorageType = {
  encoding: string
  label: string
  numberOfBytes: string
  key?: string
  value?: string
  base?: string
  members?: StorageEntry[]
}
type StorageEntry = { label: string; slot: string; offset: number; type: string }
export type Compiled = {
  abi: AbiEntry[]
  storage: string[]
  runtime: string
  creation: string
}
type AbiEntry = { type: string; name?: string; inputs?: AbiParam[]; outputs?: AbiParam[]; [key: string]: unknown }
type AbiParam = { name: string; type: string; internalType?: string; components?: AbiParam[]; indexed?: boolean }

function workingTreeSources(): Record<string, string> {
  const sources: Record<string, string> = {}
  for (const path of listSources(join(root, 'src'))) {
    sources[relative(root, path).split(sep).join('/')] = readFileSync(path, 'utf8')
  }
  return sources
}

function revisionSources(rev: string): Record<string, string> {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8', maxBuffer: 1 << 26 })
  const sources: Record<string, string> = {}
  for (const path of git('ls-tree', '-r', '--name-only', '--full-name', rev, 'src').split('\n')) {
    if (!path.endsWith('.sol')) continue
    sources[path.replace(/^contracts\//, '')] = git('show', `${rev}:${path}`)
  }
  return sources
}

/** A storage type's shape, independent of where its struct was declared. */
function shape(id: string, types: Record<string, StorageType>): string {
  const t = types[id]
  if (t === undefined) return id
  const label = t.label.replace(/\b(struct|enum|contract) [A-Za-z0-9_]+\./g, '$1 ')
  if (t.members) {
    const members = t.members.map((m) => `${m.label}@${m.slot}+${m.offset}:${shape(m.type, types)}`).join(', ')
    return `${label}[${t.numberOfBytes}]{${members}}`
  }
  if (t.key && t.value) return `mapping(${shape(t.key, types)} => ${shape(t.value, types)})`
  if (t.base) return `${t.encoding}(${shape(t.base, types)})[${t.numberOfBytes}]`
  return `${label}[${t.numberOfBytes}]`
}

/** Code without its CBOR metadata trailers (`ipfs` hash and solc version), wherever they are embedded. */
function stripMetadata(hex: string): string {
  return hex.replace(/a264697066735822[0-9a-f]{68}64736f6c6343[0-9a-f]{6}0033/g, '')
}

/** Compiles `sources` (project-relative path to text) with the build settings plus storage layouts. */
export function compile(sources: Record<string, string>): Map<string, Compiled> {
  const input = {
    language: 'Solidity',
    sources: Object.fromEntries(Object.entries(sources).map(([k, content]) => [k, { content }])),
    settings: {
      ...compilerSettings,
      outputSelection: { '*': { '*': ['abi', 'storageLayout', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
    },
  }
  const output = JSON.parse(
    solc.compile(JSON.stringify(input), {
      import: (path: string) => {
        if (path in sources) return { contents: sources[path] as string }
        try {
          return { contents: readFileSync(requireFromContracts.resolve(path), 'utf8') }
        } catch {
          return { error: `File not found: ${path}` }
        }
      },
    }),
  ) as {
    errors?: { severity: string; formattedMessage: string }[]
    contracts: Record<
      string,
      Record<
        string,
        {
          abi: AbiEntry[]
          storageLayout: { storage: StorageEntry[]; types: Record<string, StorageType> | null }
          evm: { bytecode: { object: string }; deployedBytecode: { object: string } }
        }
      >
    >
  }
  const errors = (output.errors ?? []).filter((e) => e.severity === 'error')
  if (errors.length > 0) throw new Error(errors.map((e) => e.formattedMessage).join('\n'))
  const result = new Map<string, Compiled>()
  for (const [file, contracts] of Object.entries(output.contracts)) {
    if (!(file in sources)) continue
    for (const [name, c] of Object.entries(contracts)) {
      if (c.evm.bytecode.object.length === 0) continue
      if (new RegExp(`\\blibrary\\s+${name}\\b`).test(sources[file] ?? '')) continue
      if (result.has(name)) throw new Error(`two deployable contracts named ${name}`)
      const types = c.storageLayout.types ?? {}
      result.set(name, {
        abi: c.abi,
        storage: c.storageLayout.storage.map((s) => `${s.label}@${s.slot}+${s.offset}:${shape(s.type, types)}`),
        runtime: c.evm.deployedBytecode.object,
        creation: c.evm.bytecode.object,
      })
    }
  }
  return result
}

function withoutInternalTypes(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutInternalTypes)
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k]) => k !== 'internalType')
        .map(([k, v]) => [k, withoutInternalTypes(v)]),
    )
  }
  return value
}

function internalTypes(abi: AbiEntry[]): Set<string> {
  const found = new Set<string>()
  const visit = (params: AbiParam[] | undefined) => {
    for (const p of params ?? []) {
      if (p.internalType) found.add(p.internalType)
      visit(p.components)
    }
  }
  for (const entry of abi) {
    visit(entry.inputs)
    visit(entry.outputs)
  }
  return found
}

function entryKey(e: AbiEntry): string {
  return `${e.type} ${e.name ?? ''}(${(e.inputs ?? []).map((p) => p.type).join(',')})`
}

/**
 * Compares two compilations contract by contract; `ok` is false on an ABI or storage change or an oversize, and with
 * `strict` on any runtime code change.
 */
export function compareContracts(
  before: Map<string, Compiled>,
  after: Map<string, Compiled>,
  { strict = false }: { strict?: boolean } = {},
): { ok: boolean; lines: string[] } {
  const lines: string[] = []
  const log = (line: string) => lines.push(line)
  let ok = true
  for (const name of new Set([...before.keys(), ...after.keys()])) {
    const b = before.get(name)
    const a = after.get(name)
    if (!b || !a) {
      ok = false
      log(`${name}: ${b ? 'missing after' : 'new'}`)
      continue
    }
    const abiStrict = JSON.stringify(b.abi) === JSON.stringify(a.abi)
    const abiEncoding = JSON.stringify(withoutInternalTypes(b.abi)) === JSON.stringify(withoutInternalTypes(a.abi))
    const storage = JSON.stringify(b.storage) === JSON.stringify(a.storage)
    const sameCode = stripMetadata(b.runtime) === stripMetadata(a.runtime)
    const sameCreation = stripMetadata(b.creation) === stripMetadata(a.creation)
    const sizeBefore = b.runtime.length / 2
    const sizeAfter = a.runtime.length / 2
    log(
      `${name}: ABI ${abiStrict ? 'identical' : abiEncoding ? 'same encoding (internalType labels differ)' : 'DIFFERENT'}` +
        `; storage ${storage ? `same (${a.storage.length} variables)` : 'DIFFERENT'}` +
        `; runtime code ${sameCode ? 'identical but for metadata' : 'differs'}, ${sizeBefore} -> ${sizeAfter} bytes` +
        `; creation code ${sameCreation ? 'identical but for metadata' : 'differs'}`,
    )
    if (!abiEncoding) {
      ok = false
      const keys = new Set(b.abi.map(entryKey))
      const keysAfter = new Set(a.abi.map(entryKey))
      for (const k of keys) if (!keysAfter.has(k)) log(`  - ${k}`)
      for (const k of keysAfter) if (!keys.has(k)) log(`  + ${k}`)
    } else if (!abiStrict) {
      const tb = internalTypes(b.abi)
      const ta = internalTypes(a.abi)
      for (const t of tb) if (!ta.has(t)) log(`  internalType - ${t}`)
      for (const t of ta) if (!tb.has(t)) log(`  internalType + ${t}`)
    }
    if (!storage) {
      ok = false
      for (let i = 0; i < Math.max(b.storage.length, a.storage.length); ++i) {
        if (b.storage[i] !== a.storage[i]) log(`  storage[${i}]: ${b.storage[i]}  ->  ${a.storage[i]}`)
      }
    }
    if (strict && !sameCode) ok = false
    if (sizeAfter > MAX_RUNTIME_BYTES) {
      ok = false
      log(`  over the ${MAX_RUNTIME_BYTES}-byte limit`)
    }
  }
  return { ok, lines }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const baseIndex = process.argv.indexOf('--base')
  const base = baseIndex > 0 ? (process.argv[baseIndex + 1] ?? 'HEAD') : 'HEAD'
  process.stdout.write(`comparing ${base} with the working tree\n`)
  const strict = process.argv.includes('--strict')
  const { ok, lines } = compareContracts(compile(revisionSources(base)), compile(workingTreeSources()), { strict })
  for (const line of lines) process.stdout.write(`${line}\n`)
  process.stdout.write(ok ? `no ABI or storage change${strict ? ' and identical runtime code' : ''}\n` : 'CHANGED\n')
  process.exit(ok ? 0 : 1)
}
