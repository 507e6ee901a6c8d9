/**
 * `npm run build:web` (run at install, after the contracts): bundles the dashboard, `ui/main.tsx` (Preact and
 * Chart.js, TypeScript), with esbuild into `apps/web/dist/app.js` (gitignored) and copies `ui/index.html` and
 * `ui/style.css` beside it. The node serves that folder at `/`; without it the node answers a page naming this command.
 */
import { copyFileSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { build } from 'esbuild'

const web = join(import.meta.dirname, '..')
export const webDist = join(web, 'dist')

/**
 * Builds the dashboard into `outDir`; returns the bundle's size and the time taken. It builds beside `outDir` and
 * swaps the folder in at the end, so a running node serves the old dashboard or the new one, never half of one.
 */
export async function buildWeb({ outDir = webDist } = {}): Promise<{ bytes: number; ms: number }> {
  const started = Date.now()
  const building = `${outDir}.${process.pid}.tmp`
  rmSync(building, { recursive: true, force: true })
  mkdirSync(building, { recursive: true })
  await build({
    absWorkingDir: web,
    entryPoints: [join(web, 'ui', 'main.tsx')],
    outfile: join(building, 'app.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome109', 'firefox115', 'safari16'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    minify: true,
    sourcemap: 'linked',
    logLevel: 'warning',
    legalComments: 'linked',
  })
  for (const file of ['index.html', 'style.css']) copyFileSync(join(web, 'ui', file), join(building, file))
  const bytes = statSync(join(building, 'app.js')).size
  rmSync(outDir, { recursive: true, force: true })
  renameSync(building, outDir)
  return { bytes, ms: Date.now() - started }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { bytes, ms } = await buildWeb()
  console.log(`dashboard built: apps/web/dist/app.js, ${Math.round(bytes / 1024)} KiB in ${ms} ms`)
}
