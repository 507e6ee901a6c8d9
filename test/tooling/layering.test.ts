/**
 * The layering rules in .dependency-cruiser.cjs fire: small fixture repositories written to a temp folder are cruised
 * with the real config, one breaking every rule once (each break found, nothing else), one made only of allowed
 * imports (clean); and the real repository passes (apart from the recorded known violations).
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { tempDir } from '../helpers/chain.ts'

const root = join(import.meta.dirname, '..', '..')
const depcruise = join(root, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs')
const config = join(root, '.dependency-cruiser.cjs')
const made: string[] = []
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true })
})

type Violation = { rule: string; from: string; to: string }

/** A repository of the given files (path → source) in a temp folder. */
function fixture(files: Record<string, string>): string {
  const dir = tempDir('mycel-layering-')
  made.push(dir)
  for (const [path, source] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true })
    writeFileSync(join(dir, path), source)
  }
  return dir
}

/**
 * Cruises `paths` under `cwd` with the real config and its default (`err`) output, as `npm run check:layers` does:
 * the exit code and the violations it printed (`error <rule>: <from> → <to>`; a cycle prints its first step).
 */
function cruise(
  cwd: string,
  paths: string[],
  extra: string[] = [],
): { status: number | null; violations: Violation[] } {
  const run = spawnSync(process.execPath, [depcruise, '--config', config, ...extra, ...paths], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    timeout: 120_000,
  })
  const violations = [...run.stdout.matchAll(/^\s*error (\S+): (\S+) →\s+(\S+)/gm)].map(([, rule, from, to]) => ({
    rule: rule as string,
    from: from as string,
    to: to as string,
  }))
  return { status: run.status, violations }
}

const value = (name: string) => `export const ${name} = 1\n`

describe('layering rules (.dependency-cruiser.cjs)', () => {
  it('each rule fires on its break: role → role, upward imports, shared → role, command → command, sdk math → actions, a cycle', () => {
    const dir = fixture({
      'packages/node/src/miner/routes.ts': `import { pick } from '../gateway/pick.ts'\nexport const routes = pick\n`,
      'packages/node/src/gateway/pick.ts': value('pick'),
      'packages/node/src/gateway/viaIndex.ts': `import { node } from '../index.ts'\nexport const viaIndex = node\n`,
      'packages/node/src/newroom/thing.ts': `import { ledger } from '../payments/ledger.ts'\nexport const thing = ledger\n`,
      'packages/node/src/validator/loop.ts': `import { start } from '../app/start.ts'\nexport const loop = start\n`,
      'packages/node/src/app/start.ts': `import { routes } from '../miner/routes.ts'\nexport const start = routes\n`,
      'packages/node/src/payments/ledger.ts': `import { routes } from '../miner/routes.ts'\nexport const ledger = routes\n`,
      'packages/node/src/db/a.ts': `import { b } from './b.ts'\nexport const a = () => b\n`,
      'packages/node/src/db/b.ts': `import { a } from './a.ts'\nexport const b = () => a\n`,
      'packages/node/src/index.ts': `import { main } from '../../cli/src/main.ts'\nexport const node = main\n`,
      'packages/cli/src/main.ts': value('main'),
      'packages/cli/src/commands/stake.ts': `import { subnet } from './subnet.ts'\nexport const stake = subnet\n`,
      'packages/cli/src/commands/subnet.ts': value('subnet'),
      'packages/sdk/src/yuma/epoch.ts': `import { node } from '../../../node/src/index.ts'\nexport const epoch = node\n`,
      'packages/sdk/src/epochs/build.ts': `import { stake } from '../actions/staking/stake.ts'\nexport const build = stake\n`,
      'packages/sdk/src/actions/staking/stake.ts': value('stake'),
      'apps/web/src/view.ts': `import { epoch } from '../../../packages/sdk/src/yuma/epoch.ts'\nexport const view = epoch\n`,
      'contracts/scripts/build.ts': `import { stake } from '../../packages/sdk/src/actions/staking/stake.ts'\nexport const b = stake\n`,
    })
    const { status, violations } = cruise(dir, ['packages', 'apps', 'contracts'])
    const node = 'packages/node/src'
    const expected: Violation[] = [
      { rule: 'node-role-not-role', from: `${node}/miner/routes.ts`, to: `${node}/gateway/pick.ts` },
      { rule: 'node-role-not-app', from: `${node}/validator/loop.ts`, to: `${node}/app/start.ts` },
      { rule: 'node-room-not-index', from: `${node}/gateway/viaIndex.ts`, to: `${node}/index.ts` },
      { rule: 'node-folder-listed', from: `${node}/newroom/thing.ts`, to: `${node}/payments/ledger.ts` },
      { rule: 'node-shared-not-role', from: `${node}/payments/ledger.ts`, to: `${node}/miner/routes.ts` },
      { rule: 'no-circular', from: `${node}/db/a.ts`, to: `${node}/db/b.ts` },
      { rule: 'node-not-upward', from: `${node}/index.ts`, to: 'packages/cli/src/main.ts' },
      {
        rule: 'cli-command-not-command',
        from: 'packages/cli/src/commands/stake.ts',
        to: 'packages/cli/src/commands/subnet.ts',
      },
      { rule: 'sdk-not-upward', from: 'packages/sdk/src/yuma/epoch.ts', to: `${node}/index.ts` },
      {
        rule: 'sdk-pure-not-actions',
        from: 'packages/sdk/src/epochs/build.ts',
        to: 'packages/sdk/src/actions/staking/stake.ts',
      },
      { rule: 'web-only-http', from: 'apps/web/src/view.ts', to: 'packages/sdk/src/yuma/epoch.ts' },
      {
        rule: 'contracts-not-upward',
        from: 'contracts/scripts/build.ts',
        to: 'packages/sdk/src/actions/staking/stake.ts',
      },
    ]
    const order = (list: Violation[]) => list.map((v) => `${v.rule} ${v.from} → ${v.to}`).sort()
    expect(order(violations)).toEqual(order(expected))
    expect(status).not.toBe(0)
  })

  it('allows what the layering allows: app → roles, role → own room and shared, down the layers, tests, web types', () => {
    const dir = fixture({
      'packages/node/src/app/start.ts':
        `import { pick } from '../gateway/pick.ts'\nimport { routes } from '../miner/routes.ts'\n` +
        'export const start = [pick, routes]\n',
      'packages/node/src/miner/routes.ts':
        `import { ledger } from '../payments/ledger.ts'\nimport { admit } from './admission.ts'\n` +
        'export const routes = [ledger, admit]\n',
      'packages/node/src/miner/admission.ts': value('admit'),
      'packages/node/src/gateway/pick.ts': `import { ledger } from '../payments/ledger.ts'\nexport const pick = ledger\n`,
      'packages/node/src/payments/ledger.ts': `import { queue } from '../chain/txQueue.ts'\nexport const ledger = queue\n`,
      'packages/node/src/chain/txQueue.ts': `import { sdk } from '../../../sdk/src/index.ts'\nexport const queue = sdk\n`,
      'packages/node/src/index.ts': `import { start } from './app/start.ts'\nexport type Shape = { a: number }\nexport const node = start\n`,
      'packages/sdk/src/index.ts': `import { stake } from './actions/staking/stake.ts'\nexport const sdk = stake\n`,
      'packages/sdk/src/actions/staking/stake.ts': `import { epoch } from '../../yuma/epoch.ts'\nexport const stake = epoch\n`,
      'packages/sdk/src/yuma/epoch.ts': value('epoch'),
      'packages/sdk/src/deploy/deploy.ts': `import { stake } from '../actions/staking/stake.ts'\nexport const d = stake\n`,
      'packages/sdk/test/epoch.test.ts': `import { node } from '../../node/src/index.ts'\nexport const t = node\n`,
      'packages/cli/src/main.ts':
        `import { node } from '../../node/src/index.ts'\nimport { stake } from './commands/stake.ts'\n` +
        'export const main = [node, stake]\n',
      'packages/cli/src/commands/stake.ts': `import { collect } from '../options.ts'\nexport const stake = collect\n`,
      'packages/cli/src/options.ts': value('collect'),
      'apps/web/src/view.ts':
        `import type { Shape } from '../../../packages/node/src/index.ts'\n` + 'export const view: Shape = { a: 1 }\n',
    })
    const { status, violations } = cruise(dir, ['packages', 'apps'])
    expect(violations).toEqual([])
    expect(status).toBe(0)
  })

  it('passes on this repository (known violations recorded in .dependency-cruiser-known-violations.json)', () => {
    const known = join(root, '.dependency-cruiser-known-violations.json')
    const { status, violations } = cruise(
      root,
      ['packages', 'apps', 'contracts', 'models', 'bench', 'test'],
      ['--ignore-known', known],
    )
    expect(violations).toEqual([])
    expect(status).toBe(0)
  })
})
