/**
 * The layering rules of mycel, checked by dependency-cruiser in `npm run check` (see docs/architecture.md):
 *   layers   contracts → sdk → node → cli / web; nothing imports a layer above it, and web only talks HTTP;
 *            the training engine (packages/training) imports no other mycel package;
 *   node     roles (miner/ gateway/ validator/ epochs/ and the roles to come) never import each other nor app/,
 *            the shared folders below the roles never import a role nor app/; neither imports the node's
 *            index.ts (a way round); every folder is listed as a role, a shared folder or app/;
 *   sdk      the pure protocol code (every folder but actions/ and deploy/) never imports actions/;
 *   cli      commands never import each other (shared helpers live in src/options.ts and its neighbours);
 *   anywhere no import cycles.
 * Paths are relative to the folder depcruise runs in (the repository root), which is what lets the rule tests run
 * this same file on small fixture trees. Type-only imports count: a role that needs another role's types is coupled.
 */

/** The node's roles: each one a room of its own that meets the others only in app/. */
const roles = 'miner|gateway|validator|epochs|trainer|verifier|vault|certifier|agent'
/** The node's shared folders, below the roles. */
const shared = 'payments|chain|inference|http|content|markets|training|data|provenance|db|config|common|devnet|keys'
/** Tests may reach across layers (a contract test drives the contracts through the sdk); the layer rules skip them. */
const tests = '(^|/)test/|\\.test\\.tsx?$'

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'Import cycles make load order matter and rooms impossible to split; break the cycle.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'contracts-not-upward',
      comment: 'contracts/ is the bottom layer: it never imports the sdk, the node, the cli or the web app.',
      severity: 'error',
      from: { path: '^contracts/', pathNot: tests },
      to: { path: '^(packages|apps)/' },
    },
    {
      name: 'sdk-not-upward',
      comment: 'The sdk sits below the node: it never imports @mycel/node, @mycel/cli or apps/web.',
      severity: 'error',
      from: { path: '^packages/sdk/', pathNot: tests },
      to: { path: '^(packages/(node|cli)|apps)/' },
    },
    {
      name: 'training-pure',
      comment:
        'The training engine (@mycel/training) is pure computation beside the sdk: it imports no other mycel ' +
        'package, so the node, the cli and any verifier can run exactly the same code.',
      severity: 'error',
      from: { path: '^packages/training/', pathNot: tests },
      to: { path: '^(packages/(sdk|node|cli)|apps|models|contracts)/' },
    },
    {
      name: 'node-not-upward',
      comment: 'The node sits below the cli and the web app: it never imports @mycel/cli or apps/web.',
      severity: 'error',
      from: { path: '^packages/node/', pathNot: tests },
      to: { path: '^(packages/cli|apps)/' },
    },
    {
      name: 'web-only-http',
      comment:
        'The dashboard talks to the node only over HTTP: no runtime import of the sdk, node, cli or contracts ' +
        '(type-only imports of API shapes are erased at build and allowed).',
      severity: 'error',
      from: { path: '^apps/web/', pathNot: tests },
      to: { path: '^(packages|contracts)/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'node-role-not-role',
      comment: 'Roles never import each other; they meet in app/ and through the shared folders below them.',
      severity: 'error',
      from: { path: `^packages/node/src/(${roles})/` },
      to: { path: `^packages/node/src/(${roles})/`, pathNot: '^packages/node/src/$1/' },
    },
    {
      name: 'node-role-not-app',
      comment: 'app/ wires the roles together; a role never reaches back into the wiring.',
      severity: 'error',
      from: { path: `^packages/node/src/(${roles})/` },
      to: { path: '^packages/node/src/app/' },
    },
    {
      name: 'node-shared-not-role',
      comment: 'The shared folders sit below the roles: they never import a role nor app/.',
      severity: 'error',
      from: { path: `^packages/node/src/(${shared})/` },
      to: { path: `^packages/node/src/(${roles}|app)/` },
    },
    {
      name: 'node-room-not-index',
      comment:
        "A role or shared folder never imports the node's top-level files (index.ts re-exports start(), which " +
        'imports every role: a way round the rules above). Import the module itself.',
      severity: 'error',
      from: { path: `^packages/node/src/(${roles}|${shared})/` },
      to: { path: '^packages/node/src/[^/]+$' },
    },
    {
      name: 'node-folder-listed',
      comment:
        'Every folder of packages/node/src is a role, a shared folder or app/, so the rules above check it: add a ' +
        'new folder to `roles` or `shared` in .dependency-cruiser.cjs.',
      severity: 'error',
      from: { path: '^packages/node/src/[^/]+/', pathNot: `^packages/node/src/(${roles}|${shared}|app)/` },
      to: {},
    },
    {
      name: 'cli-command-not-command',
      comment:
        'CLI commands never import each other: what two commands share (option helpers, printing, the chain ' +
        'context) lives in packages/cli/src (options.ts, output.ts, context.ts).',
      severity: 'error',
      from: { path: '^packages/cli/src/commands/' },
      to: { path: '^packages/cli/src/commands/' },
    },
    {
      name: 'sdk-pure-not-actions',
      comment:
        "The sdk's pure protocol code (yuma/ epochs/ weights/ channels/ validation/ …) never imports actions/: " +
        'the actions are built on it, not the other way round. Move the shared type or function down.',
      severity: 'error',
      from: { path: '^packages/sdk/src/', pathNot: '^packages/sdk/src/(actions/|deploy/|index\\.ts$)' },
      to: { path: '^packages/sdk/src/actions/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist|out|\\.mycel)/' },
    // Count `import type` too: the rules are about which room knows which, not about what survives compilation.
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.json'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
}
