/**
 * The contract pipeline: compiles `contracts/src/**\/*.sol` with the npm `solc` package (no compiler download) and
 * OpenZeppelin from npm, writes one JSON artifact per contract to `contracts/out/`, and generates typed `as const`
 * ABIs, init code and runtime code (`<name>DeployedBytecode`) for viem in `packages/sdk/src/generated/contracts.ts`.
 *
 * Reproducible: sources are keyed by project-relative paths, so two builds give the same bytecode byte for byte.
 * Incremental: a manifest records the compiler, settings and the hash of every file the last build read; when none
 * changed the build is skipped. A compile error prints `file:line:column: message` and the build fails.
 */
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import solc from 'solc'

export type BuildContractsOptions = {
  /** Folder holding `src/` (defaults to this package). */
  root?: string
  /** Where artifacts go (defaults to `<root>/out`). */
  outDir?: string
  /** The generated TypeScript module (defaults to the SDK's `src/generated/contracts.ts`); null to skip. */
  generatedFile?: string | null
  /** Compile even when nothing changed. */
  force?: boolean
  /** Add the published contracts (EAS) to the output; by default only for this package's own sources. */
  published?: boolean
}

export type CompiledContract = {
  name: string
  sourceName: string
  abi: unknown[]
  bytecode: `0x${string}`
  deployedBytecode: `0x${string}`
}

export type BuildContractsResult = {
  /** False when the manifest showed nothing changed and the previous artifacts were kept. */
  compiled: boolean
  contracts: CompiledContract[]
  durationMs: number
}

export type CompilerDiagnostic = {
  file: string
  line: number
  column: number
  severity: 'error' | 'warning'
  message: string
}

/** Thrown when solc reports errors; `diagnostics` carry `file:line:column` for each. */
export class ContractCompileError extends Error {
  override name = 'ContractCompileError'
  readonly diagnostics: CompilerDiagnostic[]
  constructor(diagnostics: CompilerDiagnostic[]) {
    super(
      `Solidity compilation failed:\n${diagnostics
        .filter((d) => d.severity === 'error')
        .map(formatDiagnostic)
        .join('\n')}`,
    )
    this.diagnostics = diagnostics
  }
}

export function formatDiagnostic(d: CompilerDiagnostic): string {
  return `${d.file}:${d.line}:${d.column}: ${d.severity}: ${d.message}`
}

const here = dirname(fileURLToPath(import.meta.url))
const defaultRoot = resolve(here, '..')
const requireFromContracts = createRequire(join(defaultRoot, 'package.json'))

/** Compiler settings; part of the cache key. `cancun` is what current L2s support. */
export const compilerSettings = {
  optimizer: { enabled: true, runs: 200 },
  evmVersion: 'cancun',
  metadata: { bytecodeHash: 'ipfs' },
  outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
} as const

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}

/** Every .sol file below `dir`, sorted by path. */
export function listSources(dir: string): string[] {
  const found: string[] = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) found.push(...listSources(path))
    else if (entry.name.endsWith('.sol')) found.push(path)
  }
  return found.sort()
}

/** Reads an import: project sources by relative path, `@openzeppelin/...` from node_modules. */
function readImport(root: string, path: string): string | undefined {
  const local = join(root, path)
  if (existsSync(local)) return readFileSync(local, 'utf8')
  if (path.startsWith('@')) {
    try {
      return readFileSync(requireFromContracts.resolve(path), 'utf8')
    } catch {
      return undefined
    }
  }
  return undefined
}

type Manifest = { compiler: string; settings: string; files: Record<string, string> }

function lineAndColumn(source: string | undefined, offset: number): { line: number; column: number } {
  if (source === undefined || offset < 0) return { line: 0, column: 0 }
  const before = source.slice(0, offset)
  const line = before.split('\n').length
  const column = offset - before.lastIndexOf('\n')
  return { line, column }
}

type SolcError = {
  severity: 'error' | 'warning' | 'info'
  message: string
  formattedMessage?: string
  sourceLocation?: { file: string; start: number }
}

type SolcOutput = {
  errors?: SolcError[]
  sources?: Record<string, unknown>
  contracts?: Record<
    string,
    Record<string, { abi: unknown[]; evm: { bytecode: { object: string }; deployedBytecode: { object: string } } }>
  >
}

/** Version of the generated module's layout (2: `<name>DeployedBytecode` added; 3: published contracts added). */
const GENERATED_LAYOUT = 3

/**
 * Contracts used as their authors published them, not compiled here: the Ethereum Attestation Service's EAS and
 * SchemaRegistry (npm `@ethereum-attestation-service/eas-contracts`, its Hardhat artifacts: the bytecode deployed on
 * mainnet and the L2s, built with the compiler its sources pin). They join the generated module like our own.
 */
const PUBLISHED = [
  '@ethereum-attestation-service/eas-contracts/artifacts/contracts/SchemaRegistry.sol/SchemaRegistry.json',
  '@ethereum-attestation-service/eas-contracts/artifacts/contracts/EAS.sol/EAS.json',
]

function publishedContracts(root: string, read: Record<string, string>): CompiledContract[] {
  return PUBLISHED.map((path) => {
    const text = readImport(root, path)
    if (text === undefined) throw new Error(`${path} is missing: run npm install`)
    read[path] = text
    const a = JSON.parse(text) as {
      contractName: string
      sourceName: string
      abi: unknown[]
      bytecode: `0x${string}`
      deployedBytecode: `0x${string}`
    }
    return {
      name: a.contractName,
      sourceName: path,
      abi: a.abi,
      bytecode: a.bytecode,
      deployedBytecode: a.deployedBytecode,
    }
  })
}

/** `TrainingJobs` → `trainingJobs`; a leading acronym as a whole: `EAS` → `eas` (`TestUSD` stays `testUSD`). */
function toCamel(name: string): string {
  return name.replace(/^[A-Z]+(?=[A-Z][a-z]|$)|^[A-Z]/, (m) => m.toLowerCase())
}

function renderGenerated(contracts: CompiledContract[]): string {
  const lines = [
    '// Generated by contracts/scripts/build.ts from the solc output. Do not edit: run `npm run build:contracts`.',
    '',
  ]
  for (const c of contracts) {
    const id = toCamel(c.name)
    lines.push(`export const ${id}Abi = ${JSON.stringify(c.abi, null, 2)} as const`)
    lines.push('')
    lines.push(`export const ${id}Bytecode = '${c.bytecode}' as const`)
    lines.push('')
    // The runtime code (immutables left as zeros), which verifiers compare with what a chain holds.
    lines.push(`export const ${id}DeployedBytecode = '${c.deployedBytecode}' as const`)
    lines.push('')
  }
  return lines.join('\n')
}

/** Compiles the contracts (or skips when unchanged) and writes artifacts and the typed module. */
export function buildContracts(options: BuildContractsOptions = {}): BuildContractsResult {
  const started = performance.now()
  const root = options.root ?? defaultRoot
  const outDir = options.outDir ?? join(root, 'out')
  const generatedFile =
    options.generatedFile === undefined
      ? resolve(defaultRoot, '../packages/sdk/src/generated/contracts.ts')
      : options.generatedFile
  const sourceFiles = listSources(join(root, 'src')).map((p) => relative(root, p).split(sep).join('/'))
  const manifestPath = join(outDir, 'manifest.json')
  const compilerVersion = solc.version()
  // The generated module's layout is part of the key: a checkout built before a layout change rebuilds it.
  const settingsKey = JSON.stringify({ ...compilerSettings, generatedLayout: GENERATED_LAYOUT })

  if (!options.force && existsSync(manifestPath)) {
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest
    const sameSources = sourceFiles.every((f) => f in manifest.files)
    const unchanged =
      sameSources &&
      manifest.compiler === compilerVersion &&
      manifest.settings === settingsKey &&
      Object.entries(manifest.files).every(([file, hash]) => {
        const content = readImport(root, file)
        return content !== undefined && sha256(content) === hash
      }) &&
      (generatedFile === null || existsSync(generatedFile))
    if (unchanged) {
      const contracts = JSON.parse(readFileSync(join(outDir, 'contracts.json'), 'utf8')) as CompiledContract[]
      return { compiled: false, contracts, durationMs: performance.now() - started }
    }
  }

  const sources: Record<string, { content: string }> = {}
  for (const file of sourceFiles) sources[file] = { content: readFileSync(join(root, file), 'utf8') }
  const read: Record<string, string> = {}
  const input = { language: 'Solidity', sources, settings: compilerSettings }
  const output = JSON.parse(
    solc.compile(JSON.stringify(input), {
      import: (path: string) => {
        const content = readImport(root, path)
        if (content === undefined) return { error: `File not found: ${path}` }
        read[path] = content
        return { contents: content }
      },
    }),
  ) as SolcOutput

  const diagnostics: CompilerDiagnostic[] = (output.errors ?? [])
    .filter((e): e is SolcError & { severity: 'error' | 'warning' } => e.severity !== 'info')
    .map((e) => {
      const file = e.sourceLocation?.file ?? '<input>'
      const content = sources[file]?.content ?? read[file]
      const { line, column } = lineAndColumn(content, e.sourceLocation?.start ?? -1)
      return { file, line, column, severity: e.severity, message: e.message }
    })
  if (diagnostics.some((d) => d.severity === 'error')) throw new ContractCompileError(diagnostics)

  const contracts: CompiledContract[] = []
  for (const sourceName of sourceFiles) {
    for (const [name, c] of Object.entries(output.contracts?.[sourceName] ?? {})) {
      // Interfaces and abstract contracts have no bytecode; libraries are linked into the contracts that use them.
      if (c.evm.bytecode.object.length === 0) continue
      if (new RegExp(`\\blibrary\\s+${name}\\b`).test(sources[sourceName]?.content ?? '')) continue
      contracts.push({
        name,
        sourceName,
        abi: c.abi,
        bytecode: `0x${c.evm.bytecode.object}`,
        deployedBytecode: `0x${c.evm.deployedBytecode.object}`,
      })
    }
  }

  if (options.published ?? root === defaultRoot) contracts.push(...publishedContracts(root, read))
  mkdirSync(outDir, { recursive: true })
  for (const c of contracts) writeFileSync(join(outDir, `${c.name}.json`), `${JSON.stringify(c, null, 2)}\n`)
  writeFileSync(join(outDir, 'contracts.json'), `${JSON.stringify(contracts)}\n`)
  if (generatedFile !== null) {
    mkdirSync(dirname(generatedFile), { recursive: true })
    writeFileSync(generatedFile, renderGenerated(contracts))
  }
  const files: Record<string, string> = {}
  for (const [file, { content }] of Object.entries(sources)) files[file] = sha256(content)
  for (const [file, content] of Object.entries(read)) files[file] = sha256(content)
  const manifest: Manifest = { compiler: compilerVersion, settings: settingsKey, files }
  writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`)
  // Warnings are shown for our own sources only: a library's (e.g. OpenZeppelin's note on transient storage, which
  // its reentrancy guard uses as intended) cannot be acted on here.
  for (const d of diagnostics) if (d.file in sources) process.stderr.write(`${formatDiagnostic(d)}\n`)
  return { compiled: true, contracts, durationMs: performance.now() - started }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const result = buildContracts({ force: process.argv.includes('--force') })
    const names = result.contracts.map((c) => c.name).join(', ')
    process.stdout.write(
      result.compiled
        ? `contracts: compiled ${names} in ${(result.durationMs / 1000).toFixed(1)} s\n`
        : `contracts: up to date (${names})\n`,
    )
  } catch (error) {
    if (error instanceof ContractCompileError) {
      for (const d of error.diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`)
      process.exit(1)
    }
    throw error
  }
}
